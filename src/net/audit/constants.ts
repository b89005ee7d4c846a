/**
 * Protocol id, caps and defaults of /datamesh/audit/1.0.0 (wire format:
 * ./messages.ts; group indices: ./indices.ts).
 */
import { KiB } from '../../core/bytes.ts'
import { AUDIT_GROUP_BYTES, CV_BYTES } from '../../core/blake3-tree.ts'

/** Proof-of-storage audits: one challenge and one answer per stream. */
export const AUDIT_PROTOCOL = '/datamesh/audit/1.0.0'
/** The `v` field of an audit request and answer. */
export const AUDIT_WIRE_VERSION = 1
/** Domain string of the group-index derivation (./indices.ts). */
export const AUDIT_DOMAIN = 'datamesh/audit/v1'
/** A challenge's nonce: fresh random bytes per audit, the BLAKE3 key of the index derivation. */
export const AUDIT_NONCE_BYTES = 32
/** Groups an auditor asks for by default: 32 KiB read per audit, and a holder missing a tenth of a shard is caught with ~19 % per audit. */
export const DEFAULT_AUDIT_GROUPS = 2
/** Most groups one challenge may ask for (0 is the basic test: the holder has the shard and its size). */
export const MAX_AUDIT_GROUPS = 8
/**
 * Most sibling chaining values one answer may carry. Eight groups of a
 * 16 MiB shard (1,024 groups, a tree 10 deep) need at most 56; the protocol
 * carries no larger shard.
 */
export const MAX_AUDIT_SIBLINGS = 64
/** Cap of a request frame: { v, id, nonce, groups } is under 100 bytes. */
export const AUDIT_REQUEST_MAX = 1 * KiB
/** Room in an answer besides groups and siblings (keys, heads, size) and for an error answer. */
const ANSWER_ALLOWANCE = 4 * KiB

/** Cap of the answer to a challenge of `groups` groups: groups x 16 KiB + 64 x 34 + 4 KiB. */
export function auditAnswerMax (groups: number): number {
  return groups * AUDIT_GROUP_BYTES + MAX_AUDIT_SIBLINGS * (CV_BYTES + 2) + ANSWER_ALLOWANCE
}
