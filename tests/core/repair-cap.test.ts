/**
 * Repair capabilities (src/core/repair-cap.ts): round trip, strict parsing,
 * signature and expiry, any bit flip in the payload or the signature
 * refused, oversized and costly inputs refused before they are decoded.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ed25519 } from '@noble/curves/ed25519.js'
import { encodeCbor } from '../../src/core/cbor.ts'
import { shardCid } from '../../src/core/hash.ts'
import {
  encodeRepairCap, findCapShard, isRepairer, MAX_CAP_LIFETIME_MS, MAX_CAP_STRIPES, MAX_REPAIR_CAP_BYTES, parseRepairCap, repairCapPreimage,
  signRepairCap, verifyRepairCap, type RepairCap
} from '../../src/core/repair-cap.ts'
import { signerFromSecretKey, type Signer } from '../../src/core/signature.ts'

const NOW = Date.UTC(2026, 0, 1)
const DAY = 24 * 60 * 60 * 1000

function id (seed: number): Uint8Array {
  return shardCid(Uint8Array.of(seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff)).bytes
}

function makeCap (signer: Signer, options: { stripes?: number, k?: number, m?: number, seq?: number, exp?: number } = {}): RepairCap {
  const k = options.k ?? 4
  const m = options.m ?? 2
  let next = 1
  return {
    key: signer.publicKey,
    seq: options.seq ?? 1,
    exp: options.exp ?? NOW + 90 * DAY,
    k,
    m,
    manifest: { id: id(0), size: 700, copies: 3 },
    stripes: Array.from({ length: options.stripes ?? 2 }, () => ({ size: 1024, ids: Array.from({ length: k + m }, () => id(next++)) })),
    repairers: [Uint8Array.of(0, 0x24, 8, 1, 0x12, 0x20, ...new Uint8Array(32).fill(7)), Uint8Array.of(0, 0x24, 8, 1, 0x12, 0x20, ...new Uint8Array(32).fill(9))]
  }
}

const owner = signerFromSecretKey(ed25519.utils.randomSecretKey())

const arbitraryCap = fc.record({
  seq: fc.nat(),
  exp: fc.integer({ min: NOW + 1, max: NOW + MAX_CAP_LIFETIME_MS }),
  k: fc.integer({ min: 1, max: 8 }),
  m: fc.integer({ min: 1, max: 4 }),
  stripes: fc.integer({ min: 1, max: 5 })
}).map(o => makeCap(owner, o))

const name = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as Error).name }
  return undefined
}

describe('repair capabilities', () => {
  it('round trip: what is encoded parses back the same, and verifies', async () => {
    await fc.assert(fc.asyncProperty(arbitraryCap, async cap => {
      const signed = await signRepairCap(cap, owner)
      expect(parseRepairCap(signed.bytes)).toEqual(cap)
      expect(verifyRepairCap(signed, { now: NOW })).toEqual(cap)
      expect(encodeRepairCap(parseRepairCap(signed.bytes))).toEqual(signed.bytes)
    }), { numRuns: 30 })
  })

  it('refuses any bit flipped in the payload or the signature', async () => {
    const signed = await signRepairCap(makeCap(owner, { stripes: 1 }), owner)
    const total = (signed.bytes.byteLength + signed.sig.byteLength) * 8
    fc.assert(fc.property(fc.integer({ min: 0, max: total - 1 }), bit => {
      const bytes = signed.bytes.slice()
      const sig = signed.sig.slice()
      const byte = bit >> 3
      if (byte < bytes.byteLength) bytes[byte]! ^= 1 << (bit & 7)
      else sig[byte - bytes.byteLength]! ^= 1 << (bit & 7)
      const refused = name(() => verifyRepairCap({ bytes, sig }, { now: NOW }))
      expect(['MalformedDataError', 'UnsupportedVersionError', 'NotAllowedError', 'StaleRecordError']).toContain(refused)
    }), { numRuns: 400 })
  })

  it('is signed over the domain-separated payload by its own key only', async () => {
    const cap = makeCap(owner)
    const other = signerFromSecretKey(ed25519.utils.randomSecretKey())
    await expect(signRepairCap(cap, other)).rejects.toMatchObject({ name: 'InvalidParametersError' })
    const bytes = encodeRepairCap(cap)
    // K_f's signature over the bare payload (no domain) is not a capability signature
    const bare = await owner.sign(bytes)
    expect(() => verifyRepairCap({ bytes, sig: bare }, { now: NOW })).toThrow(expect.objectContaining({ name: 'NotAllowedError', details: expect.objectContaining({ reason: 'bad-signature' }) }))
    // another key's signature over the right preimage neither
    const forged = await other.sign(repairCapPreimage(bytes))
    expect(() => verifyRepairCap({ bytes, sig: forged }, { now: NOW })).toThrow(expect.objectContaining({ name: 'NotAllowedError' }))
  })

  it('refuses an expired capability, and one reaching past the lifetime cap', async () => {
    const expired = await signRepairCap(makeCap(owner, { exp: NOW }), owner)
    expect(() => verifyRepairCap(expired, { now: NOW })).toThrow(expect.objectContaining({ name: 'StaleRecordError', details: expect.objectContaining({ reason: 'expired' }) }))
    const far = await signRepairCap(makeCap(owner, { exp: NOW + MAX_CAP_LIFETIME_MS + 2 * DAY }), owner)
    expect(() => verifyRepairCap(far, { now: NOW })).toThrow(expect.objectContaining({ name: 'NotAllowedError', details: expect.objectContaining({ reason: 'too-long' }) }))
  })

  it('parses strictly: unknown fields, wrong id counts, bad ids, duplicate or too many repairers, another version', () => {
    const cap = makeCap(owner)
    const base = (): Record<string, unknown> => ({
      v: 1, key: cap.key, seq: 1, exp: cap.exp, k: 4, m: 2, manifest: cap.manifest, stripes: cap.stripes, repairers: cap.repairers
    })
    expect(name(() => parseRepairCap(encodeCbor(base())))).toBeUndefined()
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ ...base(), extra: 1 }, 'MalformedDataError'],
      [{ ...base(), v: 2 }, 'UnsupportedVersionError'],
      [{ ...base(), stripes: [{ size: 1024, ids: cap.stripes[0]!.ids.slice(1) }] }, 'MalformedDataError'],
      [{ ...base(), stripes: [] }, 'MalformedDataError'],
      [{ ...base(), stripes: [{ size: 1024, ids: [...cap.stripes[0]!.ids.slice(1), new Uint8Array(36)] }] }, 'MalformedDataError'],
      [{ ...base(), manifest: { ...cap.manifest, id: id(5).slice(0, 35) } }, 'MalformedDataError'],
      [{ ...base(), repairers: [cap.repairers[0], cap.repairers[0]] }, 'MalformedDataError'],
      [{ ...base(), repairers: [1, 2, 3, 4, 5].map(i => Uint8Array.of(i)) }, 'MalformedDataError'],
      [{ ...base(), repairers: [] }, 'MalformedDataError'],
      [{ ...base(), k: 40, m: 30 }, 'MalformedDataError'],
      [{ ...base(), key: new Uint8Array(31) }, 'MalformedDataError']
    ]
    for (const [map, expected] of refusals) expect(name(() => parseRepairCap(encodeCbor(map)))).toBe(expected)
    expect(() => encodeRepairCap({ ...cap, repairers: [] })).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
  })

  it('refuses oversized input by its length, and a costly structure before decoding it', () => {
    const big = new Uint8Array(MAX_REPAIR_CAP_BYTES + 1)
    expect(() => parseRepairCap(big)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    // more maps than the stripes' cap allows for: refused by the structure walk
    const manyStripes = encodeCbor({ v: 1, stripes: Array.from({ length: 2 * MAX_CAP_STRIPES + 4 }, () => ({})) })
    expect(() => parseRepairCap(manyStripes)).toThrow(expect.objectContaining({ name: 'MalformedDataError', details: expect.objectContaining({ reason: 'structure' }) }))
    // ~4 MiB of one-byte items in one list: far more items than any honest capability has
    const manyItems = encodeCbor({ v: 1, stripes: [{ ids: new Array(MAX_REPAIR_CAP_BYTES - 64).fill(0) }] })
    expect(manyItems.byteLength).toBeLessThanOrEqual(MAX_REPAIR_CAP_BYTES)
    expect(() => parseRepairCap(manyItems)).toThrow(expect.objectContaining({ name: 'MalformedDataError', details: expect.objectContaining({ reason: 'structure' }) }))
    // deep nesting
    let deep: unknown = 0
    for (let i = 0; i < 10; i++) deep = [deep]
    expect(() => parseRepairCap(encodeCbor({ v: 1, stripes: deep }))).toThrow(expect.objectContaining({ details: expect.objectContaining({ reason: 'structure' }) }))
  })

  it('holds a capability of the largest size within its caps', async () => {
    // 16,384 stripes of 4 + 2: the largest file a capability covers at the default coding
    const cap = makeCap(owner, { stripes: MAX_CAP_STRIPES })
    const signed = await signRepairCap(cap, owner)
    expect(signed.bytes.byteLength).toBeLessThanOrEqual(MAX_REPAIR_CAP_BYTES)
    const parsed = verifyRepairCap(signed, { now: NOW })
    expect(parsed.stripes.length).toBe(MAX_CAP_STRIPES)
    const last = cap.stripes[MAX_CAP_STRIPES - 1]!
    expect(findCapShard(parsed, last.ids[5]!)).toEqual({ stripe: MAX_CAP_STRIPES - 1, index: 5, size: 1024 })
  })

  it('finds shard ids and repairers', () => {
    const cap = makeCap(owner)
    expect(findCapShard(cap, cap.stripes[1]!.ids[2]!)).toEqual({ stripe: 1, index: 2, size: 1024 })
    expect(findCapShard(cap, cap.manifest.id)).toEqual({ stripe: -1, index: 0, size: 700 })
    expect(findCapShard(cap, id(999))).toBeUndefined()
    expect(isRepairer(cap, cap.repairers[1]!)).toBe(true)
    expect(isRepairer(cap, Uint8Array.of(1, 2, 3))).toBe(false)
  })
})
