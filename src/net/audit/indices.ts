/**
 * Which 16 KiB groups (../../core/blake3-tree.ts) an audit challenge asks
 * for. Both sides derive them from the nonce, so the holder cannot choose
 * them and cannot know them before the challenge:
 *
 *   stream = BLAKE3-XOF(key = nonce (32 bytes), input = "datamesh/audit/v1" || 0x00 || id bytes)
 *   G      = groupCount(size)
 *   read the stream as little-endian u32 words; each word mod G is a
 *   candidate; keep the first min(count, G) distinct candidates; sort them
 *   increasing (what proveGroups and verifyGroups take).
 *
 * With count >= G every group is asked. The stream is read 256 bytes at a
 * time, doubling, up to 64 KiB; in the unreachable case that 16,384 words
 * bring fewer distinct values than needed, the smallest indices not yet
 * taken complete the set (deterministic on both sides). The modulo bias is
 * below G / 2^32 (G <= 2^26 for the largest tree): negligible.
 * BLAKE3 keyed XOF from @noble/hashes.
 */
import { blake3 } from '@noble/hashes/blake3.js'
import { groupCount } from '../../core/blake3-tree.ts'
import { InvalidParametersError } from '../../core/errors.ts'
import { parseShardCid } from '../../core/hash.ts'
import { domainSeparated } from '../../core/signature.ts'
import type { CID } from 'multiformats/cid'
import { AUDIT_DOMAIN, AUDIT_NONCE_BYTES, MAX_AUDIT_GROUPS } from './constants.ts'

const FIRST_READ_BYTES = 256
const MAX_READ_BYTES = 64 * 1024

/** The group indices a challenge with `nonce` asks of shard `id` of `size` bytes (see the module header). */
export function auditIndices (nonce: Uint8Array, id: string | Uint8Array | CID, size: number, count: number): number[] {
  if (!(nonce instanceof Uint8Array) || nonce.byteLength !== AUDIT_NONCE_BYTES) throw new InvalidParametersError(`An audit nonce is ${AUDIT_NONCE_BYTES} bytes`)
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_AUDIT_GROUPS) {
    throw new InvalidParametersError(`An audit asks for 0 to ${MAX_AUDIT_GROUPS} groups`, { groups: String(count) })
  }
  const groups = groupCount(size)
  const wanted = Math.min(count, groups)
  if (wanted === 0) return []
  const input = domainSeparated(AUDIT_DOMAIN, parseShardCid(id).bytes)
  const taken = new Set<number>()
  for (let length = FIRST_READ_BYTES; taken.size < wanted && length <= MAX_READ_BYTES; length *= 2) {
    // a longer read of the XOF begins with the shorter one, so reading again from the start keeps the same first candidates
    const stream = blake3(input, { key: nonce, dkLen: length })
    const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength)
    taken.clear()
    for (let at = 0; at + 4 <= length && taken.size < wanted; at += 4) taken.add(view.getUint32(at, true) % groups)
  }
  for (let i = 0; taken.size < wanted; i++) taken.add(i)
  return [...taken].sort((a, b) => a - b)
}
