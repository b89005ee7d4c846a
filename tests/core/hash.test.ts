import { describe, it, expect, beforeAll } from 'vitest'
import fc from 'fast-check'
import { createBLAKE3, type IHasher } from 'hash-wasm'
import { blake3, initBlake3, shardCid, parseShardCid, matchesCid } from '../../src/core/hash.ts'
import { pseudoRandomBytes } from './helpers.ts'

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')
let reference: IHasher
const ref = (data: Uint8Array): string => { reference.init(); reference.update(data); return reference.digest('hex') }

beforeAll(async () => {
  await initBlake3()
  reference = await createBLAKE3(256)
})

describe('BLAKE3', () => {
  it('matches the published digests', () => {
    expect(hex(blake3(new Uint8Array(0)))).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262')
    expect(hex(blake3(new TextEncoder().encode('abc')))).toBe('6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
  })

  it('agrees with hash-wasm on the official vector lengths (input byte i = i mod 251)', () => {
    for (const n of [0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 4096, 4097, 5120, 5121, 6144, 6145, 7168, 7169, 8192, 8193, 16384, 31744, 102400]) {
      const input = Uint8Array.from({ length: n }, (_, i) => i % 251)
      expect(hex(blake3(input)), `length ${n}`).toBe(ref(input))
    }
  })

  it('agrees with hash-wasm on random inputs, whole and in parts (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 1e6 }), (n, cut, seed) => {
      const data = pseudoRandomBytes(n, seed)
      const at = Math.min(cut, n)
      expect(hex(blake3(data))).toBe(ref(data))
      expect(hex(blake3(data.subarray(0, at), data.subarray(at)))).toBe(ref(data))
    }), { numRuns: 60 })
  })
})

describe('shard ids', () => {
  it('are CIDv1 raw over BLAKE3-256 and verify their bytes', () => {
    const data = pseudoRandomBytes(5000, 3)
    const cid = shardCid(data)
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(0x55)
    expect(cid.multihash.code).toBe(0x1e)
    expect(cid.toString()).toMatch(/^b[a-z2-7]+$/)
    expect(parseShardCid(cid.toString()).equals(cid)).toBe(true)
    expect(parseShardCid(cid.bytes).equals(cid)).toBe(true)
    expect(matchesCid(cid, data)).toBe(true)
    const other = data.slice(); other[4999]! ^= 1
    expect(matchesCid(cid, other)).toBe(false)
  })

  it('refuses anything else with MalformedDataError', () => {
    for (const bad of ['', 'hello', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']) {
      expect(() => parseShardCid(bad)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    }
  })
})
