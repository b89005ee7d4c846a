import { describe, it, expect, beforeAll } from 'vitest'
import fc from 'fast-check'
import { merkleRoot, merkleProof, verifyMerkleProof, leafCount } from '../../src/core/merkle.ts'
import { initBlake3, blake3 } from '../../src/core/hash.ts'
import { pseudoRandomBytes } from './helpers.ts'

beforeAll(async () => { await initBlake3() })

describe('merkle proofs', () => {
  it('a single leaf: root is the domain-separated leaf hash', () => {
    const data = pseudoRandomBytes(100, 1)
    expect(merkleRoot(data, 256)).toEqual(blake3(Uint8Array.of(0), data))
  })

  it('every leaf of every tree shape proves, and only its own bytes prove (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 * 64 }), fc.integer({ min: 1, max: 99 }), (size, seed) => {
      const leaf = 64
      const data = pseudoRandomBytes(size, seed)
      const root = merkleRoot(data, leaf)
      const n = leafCount(size, leaf)
      for (let i = 0; i < n; i++) {
        const bytes = data.subarray(i * leaf, (i + 1) * leaf)
        const proof = merkleProof(data, i, leaf)
        expect(verifyMerkleProof(root, bytes, proof)).toBe(true)
        const wrong = bytes.slice(); wrong[0]! ^= 1
        expect(verifyMerkleProof(root, wrong, proof)).toBe(false)
        expect(verifyMerkleProof(root, bytes, { ...proof, leafIndex: (i + 1) % Math.max(2, n) === i ? i : (i + 1) % n })).toBe(n === 1)
        if (proof.siblings.length > 0) {
          const tampered = proof.siblings.map(s => s.slice()); tampered[0]![3]! ^= 1
          expect(verifyMerkleProof(root, bytes, { ...proof, siblings: tampered })).toBe(false)
          expect(verifyMerkleProof(root, bytes, { ...proof, siblings: proof.siblings.slice(1) })).toBe(false)
        }
      }
    }), { numRuns: 60 })
  })

  it('rejects out-of-range leaf indexes', () => {
    const data = pseudoRandomBytes(1000, 2)
    expect(() => merkleProof(data, 99, 64)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    expect(verifyMerkleProof(merkleRoot(data, 64), data.subarray(0, 64), { leafIndex: -1, leafCount: 16, siblings: [] })).toBe(false)
  })
})
