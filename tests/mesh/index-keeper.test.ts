/** IndexKeeper with a fake clock: a sync at once, then hourly; failures retried sooner, doubling; stop ends it and aborts the sync under way. */
import { describe, expect, it } from 'vitest'
import { IndexKeeper, INDEX_SYNC_INTERVAL_MS, INDEX_SYNC_RETRY_MIN_MS, type KeeperClock } from '../../src/mesh/index-keeper.ts'

function fakeClock (): KeeperClock & { advance: (ms: number) => Promise<void>, pending: () => number[] } {
  let now = 0
  let next = 1
  const timers = new Map<number, { at: number, fn: () => void }>()
  return {
    setTimeout: (fn, ms) => { const id = next++; timers.set(id, { at: now + ms, fn }); return id },
    clearTimeout: (id) => { timers.delete(id as number) },
    pending: () => [...timers.values()].map(t => t.at - now),
    advance: async (ms) => {
      const until = now + ms
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0]
        if (due === undefined) break
        timers.delete(due[0])
        now = due[1].at
        due[1].fn()
        // let the sync's promise settle before the next timer
        for (let i = 0; i < 10; i++) await Promise.resolve()
      }
      now = until
    }
  }
}

describe('IndexKeeper', () => {
  it('syncs at once, then every interval', async () => {
    const clock = fakeClock()
    let syncs = 0
    const keeper = new IndexKeeper({ sync: async () => { syncs++ }, clock }).start()
    await clock.advance(0)
    expect(syncs).toBe(1)
    expect(clock.pending()).toEqual([INDEX_SYNC_INTERVAL_MS])
    await clock.advance(INDEX_SYNC_INTERVAL_MS - 1)
    expect(syncs).toBe(1)
    await clock.advance(1)
    expect(syncs).toBe(2)
    keeper.stop()
    await clock.advance(10 * INDEX_SYNC_INTERVAL_MS)
    expect(syncs).toBe(2)
    expect(clock.pending()).toEqual([])
  })

  it('retries a failed sync after 30 s, doubling, never later than the interval, and reports outcomes', async () => {
    const clock = fakeClock()
    const outcomes: boolean[] = []
    let failing = 9
    const keeper = new IndexKeeper({
      sync: async () => { if (failing-- > 0) throw new Error('no DHT server yet') },
      clock,
      onResult: (o) => { outcomes.push(o.ok) }
    }).start()
    await clock.advance(0)
    const delays: number[] = []
    for (let i = 0; i < 9; i++) {
      delays.push(clock.pending()[0]!)
      await clock.advance(clock.pending()[0]!)
    }
    expect(delays.slice(0, 4)).toEqual([INDEX_SYNC_RETRY_MIN_MS, 2 * INDEX_SYNC_RETRY_MIN_MS, 4 * INDEX_SYNC_RETRY_MIN_MS, 8 * INDEX_SYNC_RETRY_MIN_MS])
    expect(Math.max(...delays)).toBe(INDEX_SYNC_INTERVAL_MS)
    expect(outcomes).toEqual([false, false, false, false, false, false, false, false, false, true])
    expect(keeper.failures).toBe(0)
    expect(clock.pending()).toEqual([INDEX_SYNC_INTERVAL_MS])
    keeper.stop()
  })

  it('aborts the sync under way when stopped, and reports nothing after', async () => {
    const clock = fakeClock()
    const outcomes: unknown[] = []
    let seen: AbortSignal | undefined
    const keeper = new IndexKeeper({
      sync: async (signal) => {
        seen = signal
        await new Promise((resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) })
      },
      clock,
      onResult: (o) => { outcomes.push(o) }
    }).start()
    await clock.advance(0)
    expect(seen?.aborted).toBe(false)
    keeper.stop()
    expect(seen?.aborted).toBe(true)
    await keeper.idle()
    expect(outcomes).toEqual([])
    expect(clock.pending()).toEqual([])
  })
})
