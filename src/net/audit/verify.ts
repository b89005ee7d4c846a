/**
 * The auditor's check of an answer, the same for a remote holder and for
 * this node's own store: the size the auditor expects (never the one the
 * holder reports), one group per derived index, and the BLAKE3 proof
 * against the shard id's digest.
 */
import type { CID } from 'multiformats/cid'
import { verifyGroups } from '../../core/blake3-tree.ts'
import type { AuditAnswer } from './messages.ts'

/** Why an answer fails: its size, or its groups and proof. */
export type AuditFailure = 'wrong-size' | 'bad-proof'

/** undefined when `answer` proves groups `indices` of the `size`-byte shard `id`, else why not. */
export function checkAuditAnswer (id: CID, size: number, indices: readonly number[], answer: AuditAnswer): AuditFailure | undefined {
  if (answer.size !== size) return 'wrong-size'
  if (answer.groups.length !== indices.length) return 'bad-proof'
  if (indices.length === 0) return answer.siblings.length === 0 ? undefined : 'bad-proof'
  const groups = indices.map((index, i) => ({ index, bytes: answer.groups[i] as Uint8Array }))
  return verifyGroups(id.multihash.digest, size, groups, answer.siblings) ? undefined : 'bad-proof'
}
