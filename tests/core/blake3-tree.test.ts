import { describe, it, expect, beforeAll } from 'vitest'
import fc from 'fast-check'
import { createBLAKE3, type IHasher } from 'hash-wasm'
import {
  AUDIT_GROUP_BYTES, CV_BYTES, MAX_PROOF_GROUPS, MAX_TREE_BYTES, computeOutboard, groupCount, groupCv, groupRange,
  outboardBytes, proveGroups, rootOfOutboard, treeHash, verifyGroups, type ProvenGroup
} from '../../src/core/blake3-tree.ts'
import { blake3, initBlake3 } from '../../src/core/hash.ts'
import vectors from '../fixtures/blake3-test-vectors.json'
import { pseudoRandomBytes } from './helpers.ts'

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')
const officialInput = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 251)
let reference: IHasher
const hashWasm = (data: Uint8Array): string => { reference.init(); reference.update(data); return reference.digest('hex') }

/** `bytes` copied to a view that starts `shift` bytes into its buffer (unaligned words). */
function shifted (bytes: Uint8Array, shift: number): Uint8Array {
  const buffer = new Uint8Array(bytes.byteLength + shift)
  buffer.set(bytes, shift)
  return buffer.subarray(shift)
}

function group (data: Uint8Array, index: number): ProvenGroup {
  const { offset, length } = groupRange(data.byteLength, index)
  return { index, bytes: data.subarray(offset, offset + length) }
}

beforeAll(async () => {
  await initBlake3()
  reference = await createBLAKE3(256)
})

describe('BLAKE3 tree', () => {
  it('covers every official test-vector length', () => {
    expect(vectors.cases.map(c => c.input_len)).toEqual([0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 4096, 4097, 5120, 5121, 6144, 6145, 7168, 7169, 8192, 8193, 16384, 31744, 102400])
  })

  it('its root is the published digest, blake3-jit\'s and hash-wasm\'s hash on the official vectors (input byte i = i mod 251)', () => {
    for (const { input_len: n, hash } of vectors.cases) {
      const input = officialInput(n)
      expect(hash, `published ${n}`).toHaveLength(64)
      expect(hex(blake3(input)), `blake3-jit ${n}`).toBe(hash)
      expect(hashWasm(input), `hash-wasm ${n}`).toBe(hash)
      expect(hex(treeHash(input)), `tree ${n}`).toBe(hash)
      expect(hex(treeHash(shifted(input, 1))), `tree, unaligned ${n}`).toBe(hash)
    }
  })

  it('its root equals hash-wasm\'s on random lengths, contents and alignments (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 3 }), (n, seed, shift) => {
      const data = pseudoRandomBytes(n, seed)
      expect(hex(treeHash(shifted(data, shift)))).toBe(hashWasm(data))
    }), { numRuns: 40 })
  })
})

describe('outboard', () => {
  it('is empty for a shard of one group, and otherwise the 32-byte CV of each group, which folds to the hash', () => {
    for (const n of [0, 1, AUDIT_GROUP_BYTES]) {
      expect(computeOutboard(pseudoRandomBytes(n, 5))).toHaveLength(0)
      expect(outboardBytes(n)).toBe(0)
    }
    for (const n of [AUDIT_GROUP_BYTES + 1, 2 * AUDIT_GROUP_BYTES, 5 * AUDIT_GROUP_BYTES - 7, 1 << 20]) {
      const data = pseudoRandomBytes(n, n)
      const outboard = computeOutboard(data)
      const count = groupCount(n)
      expect(outboard.byteLength).toBe(count * CV_BYTES)
      expect(outboardBytes(n)).toBe(count * CV_BYTES)
      expect(hex(rootOfOutboard(outboard))).toBe(hashWasm(data))
      expect(hex(computeOutboard(shifted(data, 3)))).toBe(hex(outboard))
      for (let i = 0; i < count; i++) {
        expect(hex(groupCv(n, i, group(data, i).bytes)), `group ${i} of ${n}`).toBe(hex(outboard.subarray(i * CV_BYTES, (i + 1) * CV_BYTES)))
      }
    }
  })

  it('is 0.2% of the shard', () => {
    expect(outboardBytes(1 << 20) / (1 << 20)).toBeCloseTo(32 / 16384)
  })
})

describe('group proofs', () => {
  const sizes = fc.oneof(
    fc.integer({ min: 0, max: 24 * AUDIT_GROUP_BYTES }),
    fc.tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: -1, max: 1 })).map(([g, d]) => g * AUDIT_GROUP_BYTES + d)
  )

  it('every group proves, and a flipped byte, another index, a wrong size, a dropped, swapped, flipped or extra CV, or another shard\'s proof is refused (property)', () => {
    fc.assert(fc.property(sizes, fc.integer({ min: 1, max: 1e6 }), (size, seed) => {
      const data = pseudoRandomBytes(size, seed)
      const root = blake3(data)
      const outboard = computeOutboard(data)
      // another shard of the same size (none exists for an empty one; for a tiny one the seeds may agree)
      const other = pseudoRandomBytes(size, seed + 1)
      if (size > 0 && other.every((b, j) => b === data[j])) other[0]! ^= 1
      const otherOutboard = computeOutboard(other)
      const count = groupCount(size)
      const depth = Math.ceil(Math.log2(count))
      for (let i = 0; i < count; i++) {
        const g = group(data, i)
        const proof = proveGroups(outboard, size, [i])
        expect(proof.length).toBeLessThanOrEqual(depth)
        expect(verifyGroups(root, size, [g], proof), `group ${i} of ${size}`).toBe(true)

        if (size > 0) {
          const flipped = g.bytes.slice(); flipped[(seed + i) % flipped.byteLength]! ^= 1 << (seed % 8)
          expect(verifyGroups(root, size, [{ index: i, bytes: flipped }], proof)).toBe(false)
        }
        if (count > 1) expect(verifyGroups(root, size, [{ index: (i + 1) % count, bytes: g.bytes }], proof)).toBe(false)
        expect(verifyGroups(root, size, [{ index: count, bytes: g.bytes }], proof)).toBe(false)
        // a size that changes the group's length, or (twice the groups) the depth of every path
        if (i === count - 1 && g.bytes.byteLength > 1) expect(verifyGroups(root, size - 1, [g], proof)).toBe(false)
        if (i === count - 1 && g.bytes.byteLength < AUDIT_GROUP_BYTES) expect(verifyGroups(root, size + 1, [g], proof)).toBe(false)
        expect(verifyGroups(root, size + count * AUDIT_GROUP_BYTES, [g], proof)).toBe(false)

        if (proof.length > 0) {
          expect(verifyGroups(root, size, [g], proof.slice(1))).toBe(false)
          expect(verifyGroups(root, size, [g], proof.slice(0, -1))).toBe(false)
          const tampered = proof.map(s => s.slice()); tampered[seed % proof.length]![(seed >> 3) % CV_BYTES]! ^= 0x80
          expect(verifyGroups(root, size, [g], tampered)).toBe(false)
        }
        if (proof.length > 1) {
          const swapped = [...proof]; [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!]
          expect(verifyGroups(root, size, [g], swapped)).toBe(false)
        }
        expect(verifyGroups(root, size, [g], [...proof, new Uint8Array(CV_BYTES)])).toBe(false)
        // another shard's group and proof, against this shard's id
        if (size > 0) expect(verifyGroups(root, size, [group(other, i)], proveGroups(otherOutboard, size, [i]))).toBe(false)
        expect(verifyGroups(blake3(other), size, [group(other, i)], proveGroups(otherOutboard, size, [i]))).toBe(true)
      }
    }), { numRuns: 30 })
  })

  it('several groups prove together, given in any order; dropping or repeating one is refused (property)', () => {
    fc.assert(fc.property(fc.integer({ min: AUDIT_GROUP_BYTES + 1, max: 40 * AUDIT_GROUP_BYTES }), fc.integer({ min: 1, max: 1e6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (size, seed, picks) => {
      const data = pseudoRandomBytes(size, seed)
      const root = blake3(data)
      const count = groupCount(size)
      const indices = picks.map(p => p % count)
      const proof = proveGroups(computeOutboard(data), size, indices)
      const distinct = [...new Set(indices)]
      const groups = distinct.map(i => group(data, i)).reverse()
      expect(verifyGroups(root, size, groups, proof)).toBe(true)
      expect(proof.length).toBeLessThanOrEqual(distinct.length * Math.ceil(Math.log2(count)))
      if (groups.length > 1) expect(verifyGroups(root, size, groups.slice(1), proof)).toBe(false)
      expect(verifyGroups(root, size, [...groups, groups[0]!], proof)).toBe(false)
    }), { numRuns: 40 })
  })

  it('a shard of one group is proven by its whole bytes and no CVs', () => {
    for (const size of [0, 1, 1000, AUDIT_GROUP_BYTES]) {
      const data = pseudoRandomBytes(size, 9)
      const root = blake3(data)
      expect(proveGroups(new Uint8Array(0), size, [0])).toEqual([])
      expect(verifyGroups(root, size, [{ index: 0, bytes: data }], [])).toBe(true)
      expect(verifyGroups(root, size, [{ index: 0, bytes: data }], [new Uint8Array(CV_BYTES)])).toBe(false)
      if (size > 0) expect(verifyGroups(root, size, [{ index: 0, bytes: data.subarray(1) }], [])).toBe(false)
    }
  })

  it('one group of a 1 MiB shard needs 6 CVs (192 bytes), of a 16 MiB shard 10', () => {
    const small = pseudoRandomBytes(1 << 20, 4)
    expect(proveGroups(computeOutboard(small), 1 << 20, [17])).toHaveLength(6)
    const size = 16 << 20
    const outboard = new Uint8Array(outboardBytes(size)) // the shape alone fixes the count
    expect(proveGroups(outboard, size, [1000])).toHaveLength(10)
  })

  it('bounds what a holder sends before using it', () => {
    const size = 3 * AUDIT_GROUP_BYTES
    const data = pseudoRandomBytes(size, 2)
    const root = blake3(data)
    const proof = proveGroups(computeOutboard(data), size, [1])
    const huge = Array.from({ length: 1000 }, () => new Uint8Array(CV_BYTES))
    expect(verifyGroups(root, size, [group(data, 1)], huge)).toBe(false)
    expect(verifyGroups(root, size, [group(data, 1)], [...proof.slice(0, -1), new Uint8Array(31)])).toBe(false)
    expect(verifyGroups(root, size, [0, 1, 2, 0].map(i => group(data, i)), [])).toBe(false)
    expect(verifyGroups(root, size, [{ index: -1, bytes: group(data, 1).bytes }], proof)).toBe(false)
    expect(verifyGroups(root, size, [{ index: 1.5, bytes: group(data, 1).bytes }], proof)).toBe(false)
    const many = Array.from({ length: MAX_PROOF_GROUPS + 1 }, (_, i) => ({ index: i, bytes: new Uint8Array(AUDIT_GROUP_BYTES) }))
    expect(verifyGroups(root, (MAX_PROOF_GROUPS + 2) * AUDIT_GROUP_BYTES, many, [])).toBe(false)
  })

  it('refuses the verifier\'s and prover\'s own bad arguments with InvalidParametersError', () => {
    const invalid = expect.objectContaining({ name: 'InvalidParametersError' })
    const data = pseudoRandomBytes(2 * AUDIT_GROUP_BYTES, 3)
    const root = blake3(data)
    const outboard = computeOutboard(data)
    expect(() => verifyGroups(root.subarray(1), data.byteLength, [group(data, 0)], [])).toThrow(invalid)
    for (const size of [-1, 1.5, MAX_TREE_BYTES + 1, Number.NaN]) {
      expect(() => verifyGroups(root, size, [group(data, 0)], [])).toThrow(invalid)
      expect(() => proveGroups(outboard, size, [0])).toThrow(invalid)
    }
    expect(() => verifyGroups(root, data.byteLength, [], [])).toThrow(invalid)
    expect(() => proveGroups(outboard.subarray(32), data.byteLength, [0])).toThrow(invalid)
    expect(() => proveGroups(outboard, data.byteLength, [2])).toThrow(invalid)
    expect(() => proveGroups(outboard, data.byteLength, Array.from({ length: MAX_PROOF_GROUPS + 1 }, () => 0))).toThrow(invalid)
    expect(() => groupCv(data.byteLength, 0, data.subarray(1, AUDIT_GROUP_BYTES))).toThrow(invalid)
    expect(() => rootOfOutboard(outboard.subarray(0, 40))).toThrow(invalid)
  })
})
