/**
 * The LeaseKeeper's schedule, driven by a fake clock: a run at once (the
 * owner has just unlocked), then one a day; a failed run is tried again an
 * hour later; runs never overlap (runNow joins the one under way); stop
 * aborts the run under way and ends the schedule. And the lease a store
 * asks for: now + leaseMs (30 days unless configured).
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_LEASE_MS, LEASE_RENEW_INTERVAL_MS, LEASE_RETRY_MS, LeaseKeeper, storeLease } from '../../src/mesh/lease-keeper.ts'
import { FakeClock } from '../net/fake-clock.ts'

const hour = 60 * 60 * 1000
const day = 24 * hour

describe('LeaseKeeper', () => {
  it('renews at once, then daily', async () => {
    const clock = new FakeClock(0)
    const runs: number[] = []
    const keeper = new LeaseKeeper({ clock, renew: async () => { runs.push(clock.now()); return runs.length } }).start()
    await clock.advance(0)
    expect(runs).toEqual([0])
    await clock.advance(day - 1)
    expect(runs).toEqual([0])
    await clock.advance(1)
    expect(runs).toEqual([0, day])
    await clock.advance(5 * day)
    expect(runs).toEqual([0, day, 2 * day, 3 * day, 4 * day, 5 * day, 6 * day])
    expect(keeper.last).toEqual({ ok: true, result: 7, at: 6 * day })
    keeper.stop()
    expect(clock.sleepers).toBe(0)
    await clock.advance(3 * day)
    expect(runs).toHaveLength(7)
    expect(LEASE_RENEW_INTERVAL_MS).toBe(day)
  })

  it('tries a failed run again an hour later, and reports each outcome', async () => {
    const clock = new FakeClock(0)
    let fail = 2
    const outcomes: boolean[] = []
    const keeper = new LeaseKeeper({
      clock,
      renew: async () => { if (fail-- > 0) throw new Error('no peers yet'); return 'ok' },
      onResult: o => { outcomes.push(o.ok) }
    }).start()
    await clock.advance(0)
    await clock.advance(LEASE_RETRY_MS)
    await clock.advance(LEASE_RETRY_MS)
    expect(outcomes).toEqual([false, false, true])
    await clock.advance(day - 1)
    expect(outcomes).toHaveLength(3)
    await clock.advance(1)
    expect(outcomes).toEqual([false, false, true, true])
    keeper.stop()
  })

  it('never overlaps runs: runNow joins the one under way; stop aborts it', async () => {
    const clock = new FakeClock(0)
    let started = 0
    let release: (() => void) | undefined
    let seen: AbortSignal | undefined
    const keeper = new LeaseKeeper({
      clock,
      renew: async (signal) => {
        started++
        seen = signal
        await new Promise<void>(resolve => { release = resolve })
        return started
      }
    }).start()
    await clock.advance(0)
    expect(started).toBe(1)
    const joined = keeper.runNow()
    expect(started).toBe(1)
    release?.()
    expect(await joined).toBe(1)
    const alone = keeper.runNow() // nothing under way: a run of its own
    expect(started).toBe(2)
    keeper.stop()
    expect(seen?.aborted).toBe(true)
    release?.()
    expect(await alone).toBe(2)
  })

  it('a store asks for now + leaseMs', () => {
    const ctx = { now: () => 1000, config: {} as { leaseMs?: number } }
    expect(storeLease(ctx as never)).toEqual({ lease: 1000 + DEFAULT_LEASE_MS })
    expect(DEFAULT_LEASE_MS).toBe(30 * day)
    ctx.config.leaseMs = 5 * day
    expect(storeLease(ctx as never, new Uint8Array(32))).toEqual({ lease: 1000 + 5 * day, renewer: new Uint8Array(32) })
    ctx.config.leaseMs = 10
    expect(() => storeLease(ctx as never)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
  })
})
