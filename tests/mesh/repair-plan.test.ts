/**
 * Repair planning (src/mesh/repair-plan.ts): the stripe decision over every
 * status combination of a 4 + 2 stripe, and rendezvous ranking of repairers
 * (deterministic, spread evenly, stable when a repairer leaves).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { shardCid } from '../../src/core/hash.ts'
import { planStripe, rankRepairers, repairDelayMs, type ShardStatus } from '../../src/mesh/repair-plan.ts'

const STATUSES: ShardStatus[] = ['ok', 'unknown', 'lost']
const peer = (i: number): Uint8Array => Uint8Array.of(0, 0x24, 8, 1, 0x12, 0x20, ...new Uint8Array(32).fill(i))
const stripeId = (i: number): Uint8Array => shardCid(Uint8Array.of(i & 0xff, i >> 8)).bytes

describe('stripe decision', () => {
  it('repairs the lost shards of a 4 + 2 stripe as soon as one is lost, and only then', () => {
    for (let code = 0; code < 3 ** 6; code++) {
      const statuses = Array.from({ length: 6 }, (_, i) => STATUSES[Math.floor(code / 3 ** i) % 3] as ShardStatus)
      const lost = statuses.flatMap((s, i) => s === 'lost' ? [i] : [])
      const available = 6 - lost.length
      const decision = planStripe({ statuses, k: 4 })
      if (available < 4) expect(decision).toEqual({ action: 'unrecoverable', available })
      else if (lost.length === 0) expect(decision).toEqual({ action: 'none', available })
      else expect(decision).toEqual({ action: 'repair', available, recreate: lost })
    }
  })

  it('waits with a lower threshold until fewer shards remain', () => {
    const statuses: ShardStatus[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'lost']
    expect(planStripe({ statuses, k: 4, repairThreshold: 5 })).toEqual({ action: 'none', available: 7 })
    expect(planStripe({ statuses, k: 4 })).toEqual({ action: 'none', available: 7 })
    expect(planStripe({ statuses: ['ok', 'ok', 'ok', 'ok', 'ok', 'lost', 'lost', 'lost'], k: 4 })).toEqual({ action: 'repair', available: 5, recreate: [5, 6, 7] })
    expect(planStripe({ statuses, k: 4, repairThreshold: 7 })).toEqual({ action: 'repair', available: 7, recreate: [7] })
  })

  it('refuses inconsistent input with a typed error', () => {
    for (const input of [
      { statuses: ['ok', 'ok'] as ShardStatus[], k: 2 },
      { statuses: ['ok', 'ok', 'ok'] as ShardStatus[], k: 2, repairThreshold: 3 },
      { statuses: ['ok', 'ok', 'ok'] as ShardStatus[], k: 2, repairThreshold: 1 },
      { statuses: ['ok', 'maybe', 'ok'] as unknown as ShardStatus[], k: 2 }
    ]) expect(() => planStripe(input)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
  })
})

describe('rendezvous ranking of repairers', () => {
  it('gives every repairer the same order, whatever order it lists them in', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 60_000 }), fc.shuffledSubarray([1, 2, 3, 4], { minLength: 4, maxLength: 4 }), (s, order) => {
      const a = rankRepairers(stripeId(s), [1, 2, 3, 4].map(peer))
      const b = rankRepairers(stripeId(s), order.map(peer))
      expect(b).toEqual(a)
    }), { numRuns: 100 })
  })

  it('spreads stripes evenly, and a leaving repairer moves only its own stripes', () => {
    const peers = [1, 2, 3, 4].map(peer)
    const firsts = new Map<number, number>()
    let moved = 0
    const stripes = 2000
    for (let s = 0; s < stripes; s++) {
      const ranked = rankRepairers(stripeId(s), peers)
      const first = ranked[0]![6]!
      firsts.set(first, (firsts.get(first) ?? 0) + 1)
      const without = rankRepairers(stripeId(s), peers.filter(p => p[6] !== 4))
      if (first !== 4 && without[0]![6] !== first) moved++
      // the others keep their relative order
      expect(without).toEqual(ranked.filter(p => p[6] !== 4))
    }
    expect(moved).toBe(0)
    for (const count of firsts.values()) expect(Math.abs(count - stripes / 4)).toBeLessThan(stripes / 4 * 0.15)
  })

  it('starts the first repairer at once and each next one a backoff later', () => {
    const peers = [1, 2, 3].map(peer)
    const ranked = rankRepairers(stripeId(7), peers)
    expect(ranked.map(p => repairDelayMs(stripeId(7), peers, p, 600_000))).toEqual([0, 600_000, 1_200_000])
    expect(repairDelayMs(stripeId(7), peers, peer(9), 600_000)).toBeUndefined()
  })
})
