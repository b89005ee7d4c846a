/**
 * Merkle tree over a shard's 4 KiB leaves, for proof-of-storage audits.
 *
 * leaf hash  = BLAKE3-256(0x00 || leaf bytes)           (last leaf may be short)
 * inner node = BLAKE3-256(0x01 || left || right)
 * A level with an odd number of nodes promotes its last node unchanged.
 * Domain-separated leaf/node prefixes follow RFC 6962 section 2.1, so a leaf
 * can never be passed off as an inner node.
 */
import { blake3, initBlake3 } from './hash.ts'
import { InvalidParametersError } from './errors.ts'
import { equalBytes } from './bytes.ts'

export const MERKLE_LEAF_SIZE = 4096
const LEAF = Uint8Array.of(0)
const NODE = Uint8Array.of(1)

/** Merkle hashing uses the BLAKE3 wasm: load it once per thread. */
export async function initMerkle (): Promise<void> {
  await initBlake3()
}

export interface MerkleProof {
  leafIndex: number
  leafCount: number
  /** sibling hashes from the leaf level up; a level without a sibling is skipped */
  siblings: Uint8Array[]
}

export function leafCount (size: number, leafSize = MERKLE_LEAF_SIZE): number {
  return Math.max(1, Math.ceil(size / leafSize))
}

function leafHashes (data: Uint8Array, leafSize: number): Uint8Array[] {
  const n = leafCount(data.byteLength, leafSize)
  const out = new Array<Uint8Array>(n)
  for (let i = 0; i < n; i++) out[i] = blake3(LEAF, data.subarray(i * leafSize, (i + 1) * leafSize))
  return out
}

function nextLevel (level: Uint8Array[]): Uint8Array[] {
  const up: Uint8Array[] = []
  for (let i = 0; i < level.length; i += 2) {
    const right = level[i + 1]
    up.push(right === undefined ? level[i] as Uint8Array : blake3(NODE, level[i] as Uint8Array, right))
  }
  return up
}

/** Root of the tree over `data`'s leaves (BLAKE3 wasm must be initialised). */
export function merkleRoot (data: Uint8Array, leafSize = MERKLE_LEAF_SIZE): Uint8Array {
  let level = leafHashes(data, leafSize)
  while (level.length > 1) level = nextLevel(level)
  return level[0] as Uint8Array
}

/** Proof that leaf `leafIndex` of `data` belongs under `merkleRoot(data)`. */
export function merkleProof (data: Uint8Array, leafIndex: number, leafSize = MERKLE_LEAF_SIZE): MerkleProof {
  let level = leafHashes(data, leafSize)
  const count = level.length
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= count) {
    throw new InvalidParametersError('Leaf index out of range', { leafIndex, leafCount: count })
  }
  const siblings: Uint8Array[] = []
  let index = leafIndex
  while (level.length > 1) {
    const sibling = level[index ^ 1]
    if (sibling !== undefined) siblings.push(sibling)
    level = nextLevel(level)
    index >>= 1
  }
  return { leafIndex, leafCount: count, siblings }
}

/** Check `leaf` (the bytes of leaf `proof.leafIndex`) against `root`. */
export function verifyMerkleProof (root: Uint8Array, leaf: Uint8Array, proof: MerkleProof): boolean {
  const { leafIndex, leafCount: count, siblings } = proof
  if (!Number.isInteger(leafIndex) || !Number.isInteger(count) || leafIndex < 0 || leafIndex >= count) return false
  let hash = blake3(LEAF, leaf)
  let index = leafIndex
  let width = count
  let used = 0
  while (width > 1) {
    const siblingIndex = index ^ 1
    if (siblingIndex < width) {
      const sibling = siblings[used++]
      if (sibling === undefined) return false
      hash = (index & 1) === 0 ? blake3(NODE, hash, sibling) : blake3(NODE, sibling, hash)
    }
    index >>= 1
    width = Math.ceil(width / 2)
  }
  return used === siblings.length && equalBytes(hash, root)
}
