/**
 * Verified partial reads of a stored shard: the 16 KiB groups an audit or
 * a range read needs, checked against the shard's outboard, which is itself
 * checked against the shard id (../core/blake3-tree.ts). Reads only those
 * groups and the outboard from the medium.
 *
 * - A shard of one group has no outboard: it is read whole and hashed.
 * - A kept outboard that does not fold to the id's digest (damaged, or none
 *   kept: a shard stored before outboards) is replaced: the shard is read
 *   whole and verified, its outboard computed and kept (best effort), and
 *   the groups taken from those bytes.
 * - A group whose bytes do not match its chaining value in a verified
 *   outboard means the shard is damaged: the whole shard is read again and
 *   verified, which removes a damaged one (CorruptShardError); a shard that
 *   verifies whole after all (it changed under the read) is used as read.
 */
import { AUDIT_GROUP_BYTES, computeOutboard, CV_BYTES, groupCount, groupCv, groupRange, MAX_PROOF_GROUPS, rootOfOutboard } from '../core/blake3-tree.ts'
import { equalBytes } from '../core/bytes.ts'
import { CorruptShardError, InvalidParametersError } from '../core/errors.ts'
import { matchesCid } from '../core/hash.ts'
import type { CID } from 'multiformats/cid'
import type { ShardMedium, ShardRecord } from './types.ts'

/** Longest range `readRange` returns: 64 groups, as many as one proof may cover; more is a `get`. */
export const MAX_RANGE_BYTES = MAX_PROOF_GROUPS * AUDIT_GROUP_BYTES

export interface GroupSource {
  medium: Pick<ShardMedium, 'readParts'>
  /** the whole shard, verified; throws NotFoundError or CorruptShardError (removing a damaged shard) */
  whole: (cid: CID, id: string) => Promise<Uint8Array>
  /** keep an outboard computed for a stored shard (best effort: a failure is ignored) */
  keep: (record: ShardRecord, outboard: Uint8Array, bytes: Uint8Array) => Promise<void>
}

export interface VerifiedGroups {
  /** the bytes of each group asked for, in the order asked */
  groups: Uint8Array[]
  /** the shard's verified outboard (empty for a shard of one group) */
  outboard: Uint8Array
}

/**
 * The outboard of `bytes`, which must hash to `cid` (CorruptShardError
 * otherwise), from one pass over them: a shard of two or more groups is
 * checked by folding its outboard to the root (the BLAKE3 hash itself,
 * ../core/blake3-tree.ts), a shard of one group by hashing it.
 */
export function checkedOutboard (cid: CID, bytes: Uint8Array): Uint8Array {
  const outboard = computeOutboard(bytes)
  const digest = cid.multihash.digest
  const matches = outboard.byteLength === 0 ? matchesCid(cid, bytes) : equalBytes(rootOfOutboard(outboard), digest)
  if (!matches) throw new CorruptShardError('Refused: the bytes do not hash to the shard id', { id: cid.toString() })
  return outboard
}

/** Group indices as a proof takes them: distinct, increasing, each within the shard; InvalidParametersError otherwise. */
export function proofIndices (indices: unknown, size: number): number[] {
  const count = groupCount(size)
  if (!Array.isArray(indices) || indices.length === 0 || indices.length > MAX_PROOF_GROUPS) {
    throw new InvalidParametersError(`A proof covers 1 to ${MAX_PROOF_GROUPS} groups`, { groups: Array.isArray(indices) ? indices.length : String(indices) })
  }
  for (const i of indices) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= count) throw new InvalidParametersError('Audit group index out of range', { index: String(i), groupCount: count })
  }
  return [...new Set(indices as number[])].sort((a, b) => a - b)
}

/** The groups covering [offset, offset + length) of a `size`-byte shard; InvalidParametersError for a range out of bounds. */
export function rangeGroups (size: number, offset: unknown, length: unknown): number[] {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 ||
      typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || length > MAX_RANGE_BYTES) {
    throw new InvalidParametersError(`A range is an offset and a length of 0 to ${MAX_RANGE_BYTES} bytes, whole numbers`, { offset: String(offset), length: String(length) })
  }
  if (offset + length > size) throw new InvalidParametersError('The range goes past the end of the shard', { reason: 'out-of-range', offset, length, size })
  if (length === 0) return []
  const first = Math.floor(offset / AUDIT_GROUP_BYTES)
  const last = Math.floor((offset + length - 1) / AUDIT_GROUP_BYTES)
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}

/** The verified bytes of groups `indices` (valid for the record's size) of a stored shard; see the module header. */
export async function readGroups (source: GroupSource, cid: CID, record: ShardRecord, indices: readonly number[]): Promise<VerifiedGroups> {
  const { id, size } = record
  if (indices.length === 0) return { groups: [], outboard: new Uint8Array(0) }
  if (groupCount(size) === 1) return { groups: [await source.whole(cid, id)], outboard: new Uint8Array(0) } // indices is [0]
  const ranges = indices.map(i => groupRange(size, i))
  let parts
  try {
    parts = await source.medium.readParts(id, ranges, { outboard: true })
  } catch (err) {
    if ((err as Error).name !== 'CorruptShardError') throw err
    parts = undefined // the whole read below judges it, and removes it
  }
  const outboard = parts?.outboard
  if (parts === undefined || parts.size !== size || outboard === undefined || !equalBytes(rootOfOutboard(outboard), cid.multihash.digest)) {
    return await fromWhole(source, cid, record, indices)
  }
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n] as number
    const part = parts.parts[n] as Uint8Array
    if (part.byteLength !== (ranges[n] as { length: number }).length || !equalBytes(groupCv(size, i, part), outboard.subarray(i * CV_BYTES, (i + 1) * CV_BYTES))) {
      // damaged here: the whole read removes the shard if it is damaged (and throws)
      return await fromWhole(source, cid, record, indices, outboard)
    }
  }
  return { groups: parts.parts, outboard }
}

/** Read and verify the whole shard, keep a fresh outboard unless `outboard` (verified) is given, and take the groups from it. */
async function fromWhole (source: GroupSource, cid: CID, record: ShardRecord, indices: readonly number[], outboard?: Uint8Array): Promise<VerifiedGroups> {
  const bytes = await source.whole(cid, record.id)
  let kept = outboard
  if (kept === undefined) {
    kept = computeOutboard(bytes)
    await source.keep(record, kept, bytes)
  }
  const groups = indices.map(i => {
    const { offset, length } = groupRange(record.size, i)
    return bytes.slice(offset, offset + length)
  })
  return { groups, outboard: kept }
}

/** Concatenate verified groups and cut [offset, offset + length) out of them (`first` is the first group's index). */
export function sliceGroups (groups: readonly Uint8Array[], first: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  const start = offset - first * AUDIT_GROUP_BYTES
  let at = 0
  let skip = start
  for (const g of groups) {
    if (at >= length) break
    if (skip >= g.byteLength) { skip -= g.byteLength; continue }
    const piece = g.subarray(skip, Math.min(g.byteLength, skip + length - at))
    out.set(piece, at)
    at += piece.byteLength
    skip = 0
  }
  return out
}
