/** The stored form of a reputation book (src/net/reputation-format.ts): round trip, version, bounds, hostile files. */
import { describe, expect, it } from 'vitest'
import { encodeCbor } from '../../src/core/cbor.ts'
import { AVAILABILITY_SLOTS, encodeReputation, parseReputation, REPUTATION_FILE_MAX_PEERS, type PeerRecord } from '../../src/net/reputation-format.ts'

const NOW = 1_700_000_000_000
const ID = '12D3KooWGzpJv3kYqZ4oJmRk7w3nZkdUQsiv9yeoJXsRRVW6Vz3R'

function record (over: Partial<PeerRecord> = {}): PeerRecord {
  const up = new Uint8Array(AVAILABILITY_SLOTS)
  const total = new Uint8Array(AVAILABILITY_SLOTS)
  up[3] = 4
  total[3] = 6
  return { good: 3.5, bad: 21.25, at: NOW - 5000, seen: NOW - 1000, endorsed: true, latencyMs: 42, latencyAt: NOW - 2000, slot: 77_000, up, total, ...over }
}

function tuple (over: Record<number, unknown> = {}): unknown[] {
  const t: unknown[] = [ID, 3500, 21250, NOW, NOW, 1, 42, NOW, 77_000, new Uint8Array(AVAILABILITY_SLOTS), new Uint8Array(AVAILABILITY_SLOTS)]
  for (const [i, v] of Object.entries(over)) t[Number(i)] = v
  return t
}

const file = (peers: unknown[], extra: Record<string, unknown> = {}): Uint8Array => encodeCbor({ v: 1, peers, ...extra })

function parseError (bytes: Uint8Array): string {
  try {
    parseReputation(bytes, NOW)
  } catch (err) {
    return (err as Error).name
  }
  return 'parsed'
}

describe('reputation file', () => {
  it('round-trips records in order, evidence to a thousandth', () => {
    const a = record()
    const b = record({ good: 1, bad: 1, endorsed: false, latencyMs: 0, latencyAt: 0 })
    const parsed = parseReputation(encodeReputation([[ID, a], ['QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', b]]), NOW)
    expect(parsed.map(([id]) => id)).toEqual([ID, 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'])
    expect(parsed[0]?.[1]).toEqual(a)
    expect(parsed[1]?.[1]).toEqual(b)
    expect(parseReputation(encodeReputation([[ID, record({ good: 1.23456 })]]), NOW)[0]?.[1].good).toBe(1.235)
  })

  it('refuses another version, unknown fields and malformed records', () => {
    expect(parseError(encodeCbor({ v: 2, peers: [] }))).toBe('UnsupportedVersionError')
    expect(parseError(file([], { extra: 1 }))).toBe('MalformedDataError')
    expect(parseError(file([tuple()]))).toBe('parsed')
    for (const bad of [
      tuple({ 0: '' }), tuple({ 0: 'not a peer id!' }), tuple({ 0: 'x'.repeat(129) }),
      tuple({ 1: 999 }), tuple({ 2: 1.5 }), tuple({ 5: 2 }), tuple({ 6: -1 }),
      tuple({ 9: new Uint8Array(3) }), tuple({ 10: 'slots' }),
      tuple().slice(0, 10), 'record'
    ]) expect(parseError(file([bad]))).toBe('MalformedDataError')
    // more online samples than samples
    const up = new Uint8Array(AVAILABILITY_SLOTS).fill(2)
    expect(parseError(file([tuple({ 9: up })]))).toBe('MalformedDataError')
  })

  it('bounds what it reads: records, bytes and nesting', () => {
    expect(parseError(file(Array.from({ length: REPUTATION_FILE_MAX_PEERS + 1 }, () => 0)))).toBe('MalformedDataError')
    expect(parseError(file([[[[[[1]]]]]]))).toBe('MalformedDataError')
  })

  it('caps time stamps from a clock that ran ahead, and keeps the later of two records of one peer', () => {
    const [[, r] = ['', record()]] = parseReputation(file([tuple({ 3: NOW + 1e9, 4: NOW + 1e9, 7: NOW + 1e9 })]), NOW)
    expect([r.at, r.seen, r.latencyAt]).toEqual([NOW, NOW, NOW])
    const twice = parseReputation(file([tuple({ 1: 5000 }), tuple({ 0: 'QmAnother1' }), tuple({ 1: 7000 })]), NOW)
    expect(twice.map(([id, x]) => [id, x.good])).toEqual([['QmAnother1', 3.5], [ID, 7]])
  })
})
