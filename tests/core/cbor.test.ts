/**
 * The structure check that runs before every dag-cbor decode: it must accept
 * everything dag-cbor accepts within the caps, count exactly, and refuse
 * amplification shapes (huge declared counts, deep nesting, indefinite
 * lengths, masses of empty containers) with a MalformedDataError before
 * anything is decoded.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { checkCborStructure, decodeCbor, decodeCborMap, encodeCbor, type CborStructure } from '../../src/core/cbor.ts'
import { DataMeshError, TamperedManifestError } from '../../src/core/errors.ts'
import { shardCid } from '../../src/core/hash.ts'

const OPEN: CborStructure = { maxItems: Number.MAX_SAFE_INTEGER, maxContainers: Number.MAX_SAFE_INTEGER, maxDepth: Number.MAX_SAFE_INTEGER, maxTextBytes: Number.MAX_SAFE_INTEGER, maxByteStringBytes: Number.MAX_SAFE_INTEGER }
const utf8 = (s: string): number => new TextEncoder().encode(s).byteLength

/** What the check should count, computed from the decoded value. */
function shape (v: unknown): { items: number, containers: number, depth: number, text: number, bytes: number } {
  const out = { items: 1, containers: 0, depth: 1, text: 0, bytes: 0 }
  const add = (child: ReturnType<typeof shape>): void => {
    out.items += child.items
    out.containers += child.containers
    out.depth = Math.max(out.depth, child.depth + 1)
    out.text = Math.max(out.text, child.text)
    out.bytes = Math.max(out.bytes, child.bytes)
  }
  if (typeof v === 'string') out.text = utf8(v)
  else if (v instanceof Uint8Array) out.bytes = v.byteLength
  else if (CID.asCID(v) != null) add({ items: 1, containers: 0, depth: 1, text: 0, bytes: (CID.asCID(v) as CID).bytes.byteLength + 1 }) // tag 42 around bytes
  else if (Array.isArray(v)) {
    out.containers = 1
    v.forEach(e => { add(shape(e)) })
  } else if (v !== null && typeof v === 'object') {
    out.containers = 1
    for (const [k, e] of Object.entries(v)) {
      add({ items: 1, containers: 0, depth: 1, text: utf8(k), bytes: 0 })
      add(shape(e))
    }
  }
  return out
}

const cid = shardCid(Uint8Array.of(1, 2, 3))
const value: fc.Arbitrary<unknown> = fc.letrec(tie => ({
  leaf: fc.oneof(
    fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 10 }), fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.constant(null), fc.constant(cid)
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 30 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 8 }))
})).node

/** A CBOR head in its shortest form, as dag-cbor requires. */
function head (major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n]
  if (n < 0x100) return [(major << 5) | 24, n]
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff]
  return [(major << 5) | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
}

function refusal (bytes: Uint8Array, caps: CborStructure): DataMeshError | undefined {
  try {
    checkCborStructure(bytes, caps, 'test')
    return undefined
  } catch (err) {
    expect(err).toBeInstanceOf(DataMeshError)
    expect((err as DataMeshError).name).toBe('MalformedDataError')
    return err as DataMeshError
  }
}

describe('checkCborStructure', () => {
  it('accepts every dag-cbor value at exactly its own counts, and refuses it one below any of them', () => {
    fc.assert(fc.property(value, v => {
      const bytes = encodeCbor(v)
      const s = shape(v)
      const exact: CborStructure = { maxItems: s.items, maxContainers: s.containers, maxDepth: s.depth, maxTextBytes: s.text, maxByteStringBytes: s.bytes }
      expect(refusal(bytes, exact)).toBeUndefined()
      if (s.items > 1) expect(refusal(bytes, { ...exact, maxItems: s.items - 1 })).toBeDefined()
      if (s.containers > 0) expect(refusal(bytes, { ...exact, maxContainers: s.containers - 1 })).toBeDefined()
      if (s.depth > 1) expect(refusal(bytes, { ...exact, maxDepth: s.depth - 1 })).toBeDefined()
      if (s.text > 0) expect(refusal(bytes, { ...exact, maxTextBytes: s.text - 1 })).toBeDefined()
      if (s.bytes > 0) expect(refusal(bytes, { ...exact, maxByteStringBytes: s.bytes - 1 })).toBeDefined()
    }), { numRuns: 500 })
  })

  it('never refuses what dag-cbor decodes, and refuses only with MalformedDataError', () => {
    const mutated = fc.tuple(value, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat()).map(([v, edits, cut]) => {
      const bytes = encodeCbor(v).slice()
      for (const [at, b] of edits) if (bytes.byteLength > 0) bytes[at % bytes.byteLength] = b
      return cut % 5 === 0 ? bytes.subarray(0, cut % (bytes.byteLength + 1)) : bytes
    })
    fc.assert(fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), bytes => {
      let decodes = true
      try { dagCbor.decode(bytes) } catch { decodes = false }
      const refused = refusal(bytes, OPEN)
      if (decodes) expect(refused).toBeUndefined()
    }), { numRuns: 2000 })
  })

  it.each([
    ['a count declared beyond the input', Uint8Array.of(...head(4, 1_000_000), 1, 2, 3)],
    ['a map count declared beyond the input', Uint8Array.of(...head(5, 2 ** 31), 0x61, 0x61, 1)],
    ['a 64-bit count', Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1)],
    ['a 64-bit byte string length', Uint8Array.of(0x5b, 0, 0, 0, 1, 0, 0, 0, 0, 1)],
    ['a string running past the end', Uint8Array.of(0x45, 1, 2)],
    ['an indefinite array', Uint8Array.of(0x9f, 1, 0xff)],
    ['an indefinite map', Uint8Array.of(0xbf, 0x61, 0x61, 1, 0xff)],
    ['an indefinite byte string', Uint8Array.of(0x5f, 0x41, 1, 0xff)],
    ['an indefinite text string', Uint8Array.of(0x7f, 0x61, 0x61, 0xff)],
    ['a stray break', Uint8Array.of(0x81, 0xff)],
    ['reserved additional information', Uint8Array.of(0x1c)],
    ['an indefinite integer', Uint8Array.of(0x1f)],
    ['trailing bytes', Uint8Array.of(0x01, 0x02)],
    ['nothing at all', new Uint8Array(0)],
    ['an array cut short', Uint8Array.of(0x83, 1, 2)],
    ['a head cut short', Uint8Array.of(0x19, 1)]
  ])('refuses %s', (_name, bytes) => {
    expect(refusal(bytes, OPEN)).toBeDefined()
  })

  it('refuses deep nesting without recursing (a million levels)', () => {
    const deep = new Uint8Array(1_000_001).fill(0x81)
    deep[deep.length - 1] = 0x80
    expect(refusal(deep, { ...OPEN, maxDepth: 64 })?.details).toMatchObject({ reason: 'structure', maxDepth: 64 })
    const tags = new Uint8Array(2 * 100_000 + 1)
    for (let i = 0; i < tags.length - 1; i += 2) { tags[i] = 0xd8; tags[i + 1] = 42 }
    expect(refusal(tags, { ...OPEN, maxDepth: 64 })).toBeDefined()
    // within the caps the walk is iterative too: no stack overflow
    expect(refusal(deep, { ...OPEN, maxDepth: deep.length })).toBeUndefined()
  })

  it('charges a declared count in full when its head is read', () => {
    // 100k empty maps: refused at the array head, long before they are walked
    const body = new Uint8Array(5 + 100_000).fill(0xa0)
    body.set(head(4, 100_000))
    expect(refusal(body, { ...OPEN, maxItems: 1000 })?.details).toMatchObject({ maxItems: 1000 })
  })
})

describe('decodeCborMap', () => {
  it('applies caller caps, then the default caps', () => {
    const bytes = encodeCbor({ a: [1, 2, 3], b: 'text' })
    // the map, 2 keys, the array and its 3 entries, 'text': 8 items, 3 deep
    expect(decodeCborMap(bytes, { maxBytes: 100, maxItems: 8, maxDepth: 3, maxTextBytes: 4 }, 'x')).toEqual({ a: [1, 2, 3], b: 'text' })
    expect(() => decodeCborMap(bytes, { maxBytes: 100, maxItems: 7 }, 'x')).toThrow(/too many items/)
    expect(() => decodeCborMap(bytes, { maxBytes: 100, maxContainers: 1 }, 'x')).toThrow(/too many arrays and maps/)
    expect(() => decodeCborMap(bytes, { maxBytes: 100, maxDepth: 2 }, 'x')).toThrow(/nested too deeply/)
    expect(() => decodeCborMap(bytes, { maxBytes: 100, maxTextBytes: 3 }, 'x')).toThrow(/text string/)
    expect(() => decodeCborMap(bytes, 10, 'x')).toThrow(/larger than 10 bytes/)
  })

  it('by default allows 256 items plus one per 2 bytes, 64 arrays and maps plus one per 16 bytes', () => {
    const emptyMaps = (n: number): Uint8Array => Uint8Array.of(0xa1, 0x61, 0x78, ...head(4, n), ...new Uint8Array(n).fill(0xa0))
    expect(Object.keys(decodeCborMap(emptyMaps(60), 1 << 20, 'x'))).toEqual(['x'])
    const err = (() => { try { decodeCborMap(emptyMaps(100_000), 16 << 20, 'x') } catch (e) { return e as DataMeshError } })()
    expect(err?.name).toBe('MalformedDataError')
    expect(err?.details).toMatchObject({ reason: 'structure' })
    const ints = Uint8Array.of(0xa1, 0x61, 0x78, ...head(4, 100_000), ...new Uint8Array(100_000).fill(1))
    expect(() => decodeCborMap(ints, 16 << 20, 'x')).toThrow(/too many items/)
    // an index-like shape (an id, small values, a map and a list per ~90 bytes) passes at any size
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ id: cid.toString(), n: i, s: 'ab', t: ['x', 'y', 'z'] }))
    expect((decodeCborMap(encodeCbor({ entries }), 16 << 20, 'x').entries as unknown[]).length).toBe(20_000)
  })

  it('decodeCbor reads any value under the same caps', () => {
    expect(decodeCbor(encodeCbor([1, 'a', null]), 100, 'x')).toEqual([1, 'a', null])
    expect(decodeCbor(encodeCbor(7), 100, 'x')).toBe(7)
    expect(() => decodeCbor(Uint8Array.of(...head(4, 100_000), ...new Uint8Array(100_000).fill(0x80)), 1 << 20, 'x')).toThrow(/too many/)
    expect(() => decodeCborMap(encodeCbor([1]), 100, 'x')).toThrow(/must be a map/)
  })

  it('throws the caller\'s error type for a structure refusal', () => {
    const fail = (message: string, details?: Record<string, unknown>): DataMeshError => new TamperedManifestError(message, details)
    expect(() => decodeCborMap(Uint8Array.of(0x9f, 0xff), 100, 'manifest', fail)).toThrow(TamperedManifestError)
  })
})
