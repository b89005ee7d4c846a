/**
 * Frozen sample: a node's reputation book as stored (reputation-v1.json),
 * version 1 of src/net/reputation-format.ts. A relay, a storage peer or a
 * tab upgraded to a later build opens the book an earlier build saved:
 * it must read to the recorded values, and today's encoder must give the
 * same bytes for them (the format is canonical dag-cbor).
 */
import { describe, it, expect } from 'vitest'
import { encodeReputation, parseReputation, type PeerRecord } from '../../src/net/reputation-format.ts'
import { ReputationBook, memoryReputationStorage, systemReputationClock } from '../../src/net/reputation.ts'
import { fromHex, toHex } from '../fixtures/formats/samples.ts'
import v1 from '../fixtures/formats/reputation-v1.json'

const bytes = fromHex(v1.hex)
const expected: Array<[string, PeerRecord]> = v1.records.map(r => [r.id, {
  good: r.good, bad: r.bad, at: r.at, seen: r.seen, endorsed: r.endorsed, latencyMs: r.latencyMs, latencyAt: r.latencyAt, slot: r.slot, up: fromHex(r.upHex), total: fromHex(r.totalHex)
}])
/** a clock after every stamp in the sample (parse caps stamps at `now`) */
const LATER_MS = 1_800_000_000_000

describe('reputation book, version 1 (frozen sample)', () => {
  it('reads to the recorded records, in order', () => {
    const records = parseReputation(bytes, LATER_MS)
    expect(records.map(([id]) => id)).toEqual(expected.map(([id]) => id))
    for (const [i, [, record]] of records.entries()) {
      const [, want] = expected[i] as [string, PeerRecord]
      expect({ ...record, up: toHex(record.up), total: toHex(record.total) }).toEqual({ ...want, up: toHex(want.up), total: toHex(want.total) })
    }
  })

  it('is what today\'s encoder writes for those records', () => {
    expect(toHex(encodeReputation(expected))).toBe(v1.hex)
  })

  it('opens as a book: the endorsed, well-observed peer scores high, the new one near its prior (an hour of decay toward 50)', async () => {
    const storage = memoryReputationStorage()
    storage.bytes = bytes
    const book = await ReputationBook.open({ storage, clock: { ...systemReputationClock, now: () => v1.records[1]!.seen } })
    const [fresh, known] = v1.records.map(r => book.score(r.id))
    expect(fresh).toBeGreaterThanOrEqual(40)
    expect(fresh).toBeLessThan(40.1)
    expect(known).toBeGreaterThan(80)
  })
})
