/**
 * The BLAKE3 hash tree, and proofs that a holder still keeps given 16 KiB
 * groups of a shard, checked against the shard id alone.
 *
 * A shard id is the plain BLAKE3-256 hash of the shard (src/core/hash.ts).
 * BLAKE3 is itself a Merkle tree, so a part of a shard can be proven against
 * that hash with no second hashing pass. Spec: "BLAKE3: one function, fast
 * everywhere" (github.com/BLAKE3-team/BLAKE3-specs, blake3.pdf): 2.1 Tree
 * Structure, 2.2 Compression Function, 2.4 Chunk Chaining Values, 2.5 Parent
 * Node Chaining Values, 2.6 Extendable Output (the ROOT flag), 5.1.2 the
 * chaining-value stack; and reference_impl/reference_impl.rs of
 * BLAKE3-team/BLAKE3. Only the `hash` mode is used (key words = IV, no
 * KEYED_HASH / DERIVE_KEY flags).
 *
 * Tree. The input is cut into 1 KiB chunks (the last may be short; an empty
 * input is one empty chunk). Chunk i's chaining value (CV): its 64-byte
 * blocks compressed in turn starting from IV, counter t = i, block length b =
 * 64 (the last block: its byte count before zero padding), CHUNK_START on
 * the first block, CHUNK_END on the last. A parent's CV: compress(IV, left CV
 * || right CV, t = 0, b = 64, PARENT). The tree is left-balanced: a node over
 * n > 1 chunks has a left subtree of the largest power of two below n chunks.
 * The root node adds ROOT to its (last) compression; the first 32 bytes of
 * that output are the hash. Words are little-endian throughout.
 *
 * Audit groups. A group is 16 chunks (AUDIT_GROUP_BYTES = 16 KiB) starting
 * at a multiple of 16 KiB; the last group may be short. Every left subtree
 * over more than 16 chunks holds a power of two (>= 16) chunks, so each group
 * is a whole subtree and the tree over the groups has the same left-balanced
 * shape: the hash is the fold of the group CVs with ROOT on the top parent.
 * A shard of one group (<= 16 KiB) has no CV below its root: its proof is its
 * whole bytes, checked by hashing them.
 *
 * Outboard (what a holder keeps beside a shard of `size` bytes):
 *   G = ceil(size / 16 KiB) groups (1 for an empty shard);
 *   G >= 2: G x 32 bytes, group i's CV at [32 i, 32 i + 32) (8 words LE);
 *   G = 1:  empty.
 *   32 bytes per 16 KiB: 0.2% of the shard.
 *
 * Proof of a set S of groups (distinct indices, taken in increasing order):
 *   the CVs (32 bytes each) of the subtrees that hold no group of S but
 *   whose parent holds one, in the order a left-to-right depth-first walk of
 *   the group tree meets them; as bytes, their concatenation. One group
 *   needs at most ceil(log2 G) CVs (6 for a 1 MiB shard, 10 for 16 MiB).
 *   The verifier rebuilds the root from the groups' bytes, those CVs and the
 *   size it expects (which fixes the tree's shape) and compares it with the
 *   id's digest: it needs nothing else. The proof binds the groups' bytes
 *   and their places to the root; the size only fixes the shape folded
 *   with, so the verifier passes the size it knows (from the manifest or a
 *   repair capability), never one a holder reports.
 *
 * Everything a peer supplies is bounded before it is used: the size
 * (MAX_TREE_BYTES), the number of groups (MAX_PROOF_GROUPS, and at most G),
 * each group's length (exact), the number and length of the CVs.
 */
import { InvalidParametersError } from './errors.ts'
import { equalBytes } from './bytes.ts'

export const CHUNK_BYTES = 1024
export const BLOCK_BYTES = 64
export const CV_BYTES = 32
/** chunks per audit group */
export const AUDIT_GROUP_CHUNKS = 16
export const AUDIT_GROUP_BYTES = AUDIT_GROUP_CHUNKS * CHUNK_BYTES
/** Largest tree handled: 1 TiB keeps chunk counters within one 32-bit word and the depth under 31 (shards are at most 16 MiB by default). */
export const MAX_TREE_BYTES = 2 ** 40
/** Groups one proof may cover (audits ask for at most 4; more is better served by fetching the shard). */
export const MAX_PROOF_GROUPS = 64

// spec 2.2, table of flags
const CHUNK_START = 1
const CHUNK_END = 2
const PARENT = 4
const ROOT = 8

const IV = Uint32Array.of(0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)

/** The message schedule (spec 2.2): round r reads word SCHEDULE[16 r + j]; each row permutes the previous one. */
const SCHEDULE = ((): Uint8Array => {
  const permutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
  const rows: number[] = []
  let row = Array.from({ length: 16 }, (_, i) => i)
  for (let r = 0; r < 7; r++) {
    rows.push(...row)
    row = permutation.map(i => row[i] as number)
  }
  return Uint8Array.from(rows)
})()

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n))

/**
 * The compression function (spec 2.2): chaining value cv[cvOff..+8], message
 * m[mOff..+16], 64-bit counter, block length and flags; writes the first 8
 * output words (v[i] ^ v[i + 8], a CV or the first 32 bytes of a root) to
 * out[outOff..+8]. `out` may alias `cv`. Seven rounds of G over the columns
 * then the diagonals of the 4x4 state, as in BLAKE2s.
 */
function compress (cv: Uint32Array, cvOff: number, m: Uint32Array, mOff: number, counter: number, blockLen: number, flags: number, out: Uint32Array, outOff: number): void {
  let v0 = cv[cvOff] as number; let v1 = cv[cvOff + 1] as number; let v2 = cv[cvOff + 2] as number; let v3 = cv[cvOff + 3] as number
  let v4 = cv[cvOff + 4] as number; let v5 = cv[cvOff + 5] as number; let v6 = cv[cvOff + 6] as number; let v7 = cv[cvOff + 7] as number
  let v8 = 0x6A09E667 | 0; let v9 = 0xBB67AE85 | 0; let v10 = 0x3C6EF372 | 0; let v11 = 0xA54FF53A | 0
  let v12 = counter | 0; let v13 = Math.floor(counter / 0x100000000) | 0; let v14 = blockLen | 0; let v15 = flags | 0
  const s = SCHEDULE
  for (let r = 0; r < 112; r += 16) {
    // G(a, b, c, d, x, y): a += b + x; d = (d ^ a) >>> 16; c += d; b = (b ^ c) >>> 12; then with y and 8, 7
    // columns
    v0 = (v0 + v4 + (m[mOff + (s[r] as number)] as number)) | 0; v12 = rotr(v12 ^ v0, 16); v8 = (v8 + v12) | 0; v4 = rotr(v4 ^ v8, 12)
    v0 = (v0 + v4 + (m[mOff + (s[r + 1] as number)] as number)) | 0; v12 = rotr(v12 ^ v0, 8); v8 = (v8 + v12) | 0; v4 = rotr(v4 ^ v8, 7)
    v1 = (v1 + v5 + (m[mOff + (s[r + 2] as number)] as number)) | 0; v13 = rotr(v13 ^ v1, 16); v9 = (v9 + v13) | 0; v5 = rotr(v5 ^ v9, 12)
    v1 = (v1 + v5 + (m[mOff + (s[r + 3] as number)] as number)) | 0; v13 = rotr(v13 ^ v1, 8); v9 = (v9 + v13) | 0; v5 = rotr(v5 ^ v9, 7)
    v2 = (v2 + v6 + (m[mOff + (s[r + 4] as number)] as number)) | 0; v14 = rotr(v14 ^ v2, 16); v10 = (v10 + v14) | 0; v6 = rotr(v6 ^ v10, 12)
    v2 = (v2 + v6 + (m[mOff + (s[r + 5] as number)] as number)) | 0; v14 = rotr(v14 ^ v2, 8); v10 = (v10 + v14) | 0; v6 = rotr(v6 ^ v10, 7)
    v3 = (v3 + v7 + (m[mOff + (s[r + 6] as number)] as number)) | 0; v15 = rotr(v15 ^ v3, 16); v11 = (v11 + v15) | 0; v7 = rotr(v7 ^ v11, 12)
    v3 = (v3 + v7 + (m[mOff + (s[r + 7] as number)] as number)) | 0; v15 = rotr(v15 ^ v3, 8); v11 = (v11 + v15) | 0; v7 = rotr(v7 ^ v11, 7)
    // diagonals
    v0 = (v0 + v5 + (m[mOff + (s[r + 8] as number)] as number)) | 0; v15 = rotr(v15 ^ v0, 16); v10 = (v10 + v15) | 0; v5 = rotr(v5 ^ v10, 12)
    v0 = (v0 + v5 + (m[mOff + (s[r + 9] as number)] as number)) | 0; v15 = rotr(v15 ^ v0, 8); v10 = (v10 + v15) | 0; v5 = rotr(v5 ^ v10, 7)
    v1 = (v1 + v6 + (m[mOff + (s[r + 10] as number)] as number)) | 0; v12 = rotr(v12 ^ v1, 16); v11 = (v11 + v12) | 0; v6 = rotr(v6 ^ v11, 12)
    v1 = (v1 + v6 + (m[mOff + (s[r + 11] as number)] as number)) | 0; v12 = rotr(v12 ^ v1, 8); v11 = (v11 + v12) | 0; v6 = rotr(v6 ^ v11, 7)
    v2 = (v2 + v7 + (m[mOff + (s[r + 12] as number)] as number)) | 0; v13 = rotr(v13 ^ v2, 16); v8 = (v8 + v13) | 0; v7 = rotr(v7 ^ v8, 12)
    v2 = (v2 + v7 + (m[mOff + (s[r + 13] as number)] as number)) | 0; v13 = rotr(v13 ^ v2, 8); v8 = (v8 + v13) | 0; v7 = rotr(v7 ^ v8, 7)
    v3 = (v3 + v4 + (m[mOff + (s[r + 14] as number)] as number)) | 0; v14 = rotr(v14 ^ v3, 16); v9 = (v9 + v14) | 0; v4 = rotr(v4 ^ v9, 12)
    v3 = (v3 + v4 + (m[mOff + (s[r + 15] as number)] as number)) | 0; v14 = rotr(v14 ^ v3, 8); v9 = (v9 + v14) | 0; v4 = rotr(v4 ^ v9, 7)
  }
  out[outOff] = v0 ^ v8; out[outOff + 1] = v1 ^ v9; out[outOff + 2] = v2 ^ v10; out[outOff + 3] = v3 ^ v11
  out[outOff + 4] = v4 ^ v12; out[outOff + 5] = v5 ^ v13; out[outOff + 6] = v6 ^ v14; out[outOff + 7] = v7 ^ v15
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/** Scratch reused by every call (hashing is synchronous, so one set per thread suffices). */
const scratch = {
  /** a partial or unaligned block, zero-padded */
  block: new Uint32Array(16),
  /** an aligned copy of one group, for inputs whose bytes are not 4-byte aligned */
  group: new Uint32Array(AUDIT_GROUP_BYTES / 4),
  /** the chaining-value stack: one CV per tree level (31 levels at MAX_TREE_BYTES) plus one */
  stack: new Uint32Array(8 * 64),
  parent: new Uint32Array(16)
}

/** Words of `bytes[offset, offset + length)` (length <= 64) into scratch.block, little-endian, zero-padded. */
function loadBlock (bytes: Uint8Array, offset: number, length: number): Uint32Array {
  const w = scratch.block
  w.fill(0)
  for (let i = 0; i < length; i++) w[i >>> 2] = (w[i >>> 2] as number) | ((bytes[offset + i] as number) << ((i & 3) << 3))
  return w
}

/**
 * CV of chunk `chunkIndex` whose bytes are bytes[start, start + length)
 * (length <= 1024) into out[outOff..+8]; `rootFlag` is ROOT for a one-chunk
 * tree. `words` views the same bytes as little-endian words from
 * `wordsBase` (a byte offset into `bytes`, 4-aligned), or is undefined.
 */
function chunkCv (bytes: Uint8Array, words: Uint32Array | undefined, wordsBase: number, start: number, length: number, chunkIndex: number, rootFlag: number, out: Uint32Array, outOff: number): void {
  out.set(IV, outOff)
  const blocks = Math.max(1, Math.ceil(length / BLOCK_BYTES))
  for (let b = 0; b < blocks; b++) {
    const offset = start + b * BLOCK_BYTES
    const blockLen = Math.min(BLOCK_BYTES, length - b * BLOCK_BYTES)
    const last = b === blocks - 1
    const flags = (b === 0 ? CHUNK_START : 0) | (last ? CHUNK_END | rootFlag : 0)
    if (words !== undefined && blockLen === BLOCK_BYTES) compress(out, outOff, words, (offset - wordsBase) >>> 2, chunkIndex, BLOCK_BYTES, flags, out, outOff)
    else compress(out, outOff, loadBlock(bytes, offset, blockLen), 0, chunkIndex, blockLen, flags, out, outOff)
  }
}

/** Parent of the CVs at stack[at..+8] and stack[at + 8..+16], written over the left one. */
function mergeStack (stack: Uint32Array, at: number, flags: number): void {
  compress(IV, 0, stack, at, 0, BLOCK_BYTES, PARENT | flags, stack, at)
}

/**
 * Fold `count` consecutive leaves of a left-balanced (sub)tree into its CV
 * at stack[0..8] (spec 5.1.2: a completed pair of subtrees is merged as soon
 * as the leaf count says so, the rest from the right at the end). `leaf(i,
 * at)` writes leaf i's CV to stack[at..+8]; ROOT goes on the top parent when
 * `rootFlag` is set and count >= 2.
 */
function foldLeaves (count: number, rootFlag: number, leaf: (i: number, at: number) => void): Uint32Array {
  const stack = scratch.stack
  let depth = 0
  for (let i = 0; i < count; i++) {
    leaf(i, depth * 8)
    depth++
    if (i === count - 1) break // the last leaf's merges are done below, so ROOT lands on the top one
    for (let done = i + 1; (done & 1) === 0; done >>>= 1) mergeStack(stack, --depth * 8 - 8, 0)
  }
  while (depth > 1) {
    depth--
    mergeStack(stack, depth * 8 - 8, depth === 1 ? rootFlag : 0)
  }
  return stack
}

/** Words view of `bytes` when they can be read in place (aligned, little-endian host). */
function wordsOf (bytes: Uint8Array): Uint32Array | undefined {
  if (!LITTLE_ENDIAN || bytes.byteOffset % 4 !== 0) return undefined
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2)
}

/**
 * CV of the subtree over bytes[start, start + length), whose first chunk is
 * chunk `firstChunk` of the whole input, into out[outOff..+8]. The range is
 * at most one group. ROOT applies when `rootFlag` is set (the whole tree).
 */
function subtreeCv (bytes: Uint8Array, words: Uint32Array | undefined, start: number, length: number, firstChunk: number, rootFlag: number, out: Uint32Array, outOff: number): void {
  let src = bytes
  let srcWords = words
  let base = start
  if (words === undefined && LITTLE_ENDIAN && length >= BLOCK_BYTES) {
    // unaligned input: one aligned copy per group keeps whole blocks on the fast path
    const copy = new Uint8Array(scratch.group.buffer, 0, length)
    copy.set(bytes.subarray(start, start + length))
    src = copy
    srcWords = scratch.group
    base = 0
  }
  const count = Math.max(1, Math.ceil(length / CHUNK_BYTES))
  if (count === 1) {
    chunkCv(src, srcWords, 0, base, length, firstChunk, rootFlag, out, outOff)
    return
  }
  const stack = foldLeaves(count, rootFlag, (i, at) => {
    const offset = i * CHUNK_BYTES
    chunkCv(src, srcWords, 0, base + offset, Math.min(CHUNK_BYTES, length - offset), firstChunk + i, 0, scratch.stack, at)
  })
  out.set(stack.subarray(0, 8), outOff)
}

function storeCv (words: Uint32Array, wordsOff: number, out: Uint8Array, outOff: number): void {
  for (let i = 0; i < 8; i++) {
    const w = words[wordsOff + i] as number
    out[outOff + 4 * i] = w; out[outOff + 4 * i + 1] = w >>> 8; out[outOff + 4 * i + 2] = w >>> 16; out[outOff + 4 * i + 3] = w >>> 24
  }
}

function loadCv (bytes: Uint8Array, offset: number, out: Uint32Array, outOff: number): void {
  for (let i = 0; i < 8; i++) {
    const o = offset + 4 * i
    out[outOff + i] = (bytes[o] as number) | ((bytes[o + 1] as number) << 8) | ((bytes[o + 2] as number) << 16) | ((bytes[o + 3] as number) << 24)
  }
}

function cvBytes (words: Uint32Array, offset = 0): Uint8Array {
  const out = new Uint8Array(CV_BYTES)
  storeCv(words, offset, out, 0)
  return out
}

function checkSize (size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_TREE_BYTES) {
    throw new InvalidParametersError('Tree size must be a whole number of bytes within the limit', { size, max: MAX_TREE_BYTES })
  }
}

/** Number of audit groups of a `size`-byte shard (1 for an empty one). */
export function groupCount (size: number): number {
  checkSize(size)
  return Math.max(1, Math.ceil(size / AUDIT_GROUP_BYTES))
}

/** Where group `index` lies in a `size`-byte shard. */
export function groupRange (size: number, index: number): { offset: number, length: number } {
  const count = groupCount(size)
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new InvalidParametersError('Audit group index out of range', { index, groupCount: count })
  }
  const offset = index * AUDIT_GROUP_BYTES
  return { offset, length: Math.min(AUDIT_GROUP_BYTES, size - offset) }
}

/** Length of the outboard of a `size`-byte shard. */
export function outboardBytes (size: number): number {
  const count = groupCount(size)
  return count === 1 ? 0 : count * CV_BYTES
}

/** The BLAKE3-256 hash of `bytes`, computed through this tree (the cross-check of everything here; hash.ts is faster for plain hashing). */
export function treeHash (bytes: Uint8Array): Uint8Array {
  const count = groupCount(bytes.byteLength)
  if (count === 1) {
    subtreeCv(bytes, wordsOf(bytes), 0, bytes.byteLength, 0, ROOT, scratch.parent, 0)
    return cvBytes(scratch.parent)
  }
  return rootOfOutboard(computeOutboard(bytes))
}

/** The hash a shard with this outboard has (G >= 2): a holder can check a kept outboard against the id. */
export function rootOfOutboard (outboard: Uint8Array): Uint8Array {
  const count = outboard.byteLength / CV_BYTES
  if (!Number.isInteger(count) || count < 2) throw new InvalidParametersError('An outboard holds two or more 32-byte chaining values', { bytes: outboard.byteLength })
  return cvBytes(foldLeaves(count, ROOT, (i, at) => loadCv(outboard, i * CV_BYTES, scratch.stack, at)))
}

/** The CVs of every group of `bytes` (see the header); empty for a shard of one group. */
export function computeOutboard (bytes: Uint8Array): Uint8Array {
  const count = groupCount(bytes.byteLength)
  if (count === 1) return new Uint8Array(0)
  const out = new Uint8Array(count * CV_BYTES)
  const words = wordsOf(bytes)
  const cv = scratch.parent
  for (let g = 0; g < count; g++) {
    const offset = g * AUDIT_GROUP_BYTES
    subtreeCv(bytes, words, offset, Math.min(AUDIT_GROUP_BYTES, bytes.byteLength - offset), g * AUDIT_GROUP_CHUNKS, 0, cv, 0)
    storeCv(cv, 0, out, g * CV_BYTES)
  }
  return out
}

/**
 * CV of group `index` of a `size`-byte shard from its bytes (never ROOT:
 * for a one-group shard this is not its hash; such a shard is checked by
 * hashing it). Compare with outboard[32 index, +32) to check one group
 * without hashing the whole shard.
 */
export function groupCv (size: number, index: number, bytes: Uint8Array): Uint8Array {
  const { length } = groupRange(size, index)
  if (bytes.byteLength !== length) throw new InvalidParametersError('Group bytes have the wrong length', { index, length: bytes.byteLength, expected: length })
  subtreeCv(bytes, wordsOf(bytes), 0, length, index * AUDIT_GROUP_CHUNKS, 0, scratch.parent, 0)
  return cvBytes(scratch.parent)
}

/** Left subtree size of a node over `n` >= 2 leaves: the largest power of two below n. */
function leftCount (n: number): number {
  let p = 1
  while (p * 2 < n) p *= 2
  return p
}

/** Distinct group indices in increasing order, each checked against `count`. */
function normaliseIndices (indices: readonly number[], count: number): number[] {
  if (indices.length > MAX_PROOF_GROUPS) throw new InvalidParametersError('Too many groups for one proof', { groups: indices.length, max: MAX_PROOF_GROUPS })
  for (const i of indices) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= count) throw new InvalidParametersError('Audit group index out of range', { index: i, groupCount: count })
  }
  return [...new Set(indices)].sort((a, b) => a - b)
}

/**
 * The CVs proving groups `indices` (any order, repeats ignored; at most
 * MAX_PROOF_GROUPS) of a `size`-byte shard, from its outboard (see the
 * header for their order). A one-group shard needs none: it is proven by its
 * whole bytes. Costs at most G - 1 parent compressions.
 */
export function proveGroups (outboard: Uint8Array, size: number, indices: readonly number[]): Uint8Array[] {
  const count = groupCount(size)
  if (outboard.byteLength !== outboardBytes(size)) {
    throw new InvalidParametersError('Outboard length does not match the shard size', { bytes: outboard.byteLength, expected: outboardBytes(size) })
  }
  const wanted = normaliseIndices(indices, count)
  if (count === 1 || wanted.length === 0) return []
  const proof: Uint8Array[] = []
  let next = 0
  const walk = (lo: number, hi: number): void => {
    if (next >= wanted.length || (wanted[next] as number) >= hi) {
      proof.push(cvBytes(foldLeaves(hi - lo, 0, (i, at) => loadCv(outboard, (lo + i) * CV_BYTES, scratch.stack, at))))
      return
    }
    if (hi - lo === 1) { next++; return }
    const mid = lo + leftCount(hi - lo)
    walk(lo, mid)
    walk(mid, hi)
  }
  walk(0, count)
  return proof
}

export interface ProvenGroup {
  index: number
  bytes: Uint8Array
}

/**
 * True when `groups` (distinct indices, any order) are the bytes of those
 * groups of the shard whose hash is `rootDigest` and whose length is `size`,
 * given the CVs `siblings` from proveGroups. Anything a holder could get
 * wrong (bytes, lengths, indices, repeats, CVs missing, extra, reordered or
 * altered) gives false; InvalidParametersError only for the verifier's own
 * arguments (a digest that is not 32 bytes, a size out of range, no groups).
 */
export function verifyGroups (rootDigest: Uint8Array, size: number, groups: readonly ProvenGroup[], siblings: readonly Uint8Array[]): boolean {
  if (rootDigest.byteLength !== CV_BYTES) throw new InvalidParametersError('A BLAKE3-256 digest is 32 bytes', { bytes: rootDigest.byteLength })
  const count = groupCount(size)
  if (groups.length === 0) throw new InvalidParametersError('Nothing to verify: no groups given')
  if (groups.length > Math.min(count, MAX_PROOF_GROUPS)) return false
  const depth = Math.ceil(Math.log2(count))
  if (siblings.length > groups.length * depth) return false
  const sorted = [...groups].sort((a, b) => a.index - b.index)
  for (let i = 0; i < sorted.length; i++) {
    const { index, bytes } = sorted[i] as ProvenGroup
    if (!Number.isSafeInteger(index) || index < 0 || index >= count || (i > 0 && index === (sorted[i - 1] as ProvenGroup).index)) return false
    if (bytes.byteLength !== Math.min(AUDIT_GROUP_BYTES, size - index * AUDIT_GROUP_BYTES)) return false
  }
  for (const s of siblings) if (s.byteLength !== CV_BYTES) return false
  if (count === 1) return siblings.length === 0 && equalBytes(treeHash((sorted[0] as ProvenGroup).bytes), rootDigest)

  let next = 0
  let used = 0
  // CV of the subtree over groups [lo, hi) as 8 words, or undefined when the proof runs short
  const walk = (lo: number, hi: number, flags: number): Uint32Array | undefined => {
    const group = sorted[next]
    if (group === undefined || group.index >= hi) {
      const sibling = siblings[used++]
      if (sibling === undefined) return undefined
      const cv = new Uint32Array(8)
      loadCv(sibling, 0, cv, 0)
      return cv
    }
    if (hi - lo === 1) {
      next++
      const cv = new Uint32Array(8)
      subtreeCv(group.bytes, wordsOf(group.bytes), 0, group.bytes.byteLength, lo * AUDIT_GROUP_CHUNKS, 0, cv, 0)
      return cv
    }
    const mid = lo + leftCount(hi - lo)
    const left = walk(lo, mid, 0)
    const right = left === undefined ? undefined : walk(mid, hi, 0)
    if (left === undefined || right === undefined) return undefined
    const block = new Uint32Array(16)
    block.set(left, 0)
    block.set(right, 8)
    compress(IV, 0, block, 0, 0, BLOCK_BYTES, PARENT | flags, block, 0)
    return block.subarray(0, 8)
  }
  const root = walk(0, count, ROOT)
  return root !== undefined && next === sorted.length && used === siblings.length && equalBytes(cvBytes(root), rootDigest)
}
