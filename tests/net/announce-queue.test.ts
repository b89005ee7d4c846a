/**
 * The announce queue: never waits, deduplicates, bounds concurrency, spaces
 * starts, drops beyond its cap, counts failures, and stops cleanly.
 */
import { describe, it, expect } from 'vitest'
import { AnnounceQueue, announcer } from '../../src/net/announce-queue.ts'
import { providerKey } from '../../src/net/dht-keys.ts'
import { shardCid } from '../../src/core/hash.ts'
import { initBlake3 } from '../../src/core/hash.ts'

/** Tasks that finish only when released, recording how many ran at once. */
function gated (): { task: () => Promise<void>, release: () => void, started: number, maxRunning: number } {
  const state = { started: 0, running: 0, maxRunning: 0, waiters: [] as Array<() => void> }
  return {
    task: async () => {
      state.started++
      state.running++
      state.maxRunning = Math.max(state.maxRunning, state.running)
      await new Promise<void>(resolve => state.waiters.push(resolve))
      state.running--
    },
    release: () => { for (const w of state.waiters.splice(0)) w() },
    get started () { return state.started },
    get maxRunning () { return state.maxRunning }
  }
}

const tick = async (ms = 0): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('AnnounceQueue', () => {
  it('runs at most `concurrency` announcements at once and never waits in add()', async () => {
    const queue = new AnnounceQueue({ concurrency: 2, interval: 0 })
    const g = gated()
    for (let i = 0; i < 10; i++) expect(queue.add(`k${i}`, g.task)).toBe(true)
    await tick()
    expect(g.started).toBe(2)
    expect(queue.stats).toMatchObject({ pending: 8, running: 2 })
    while (queue.stats.pending + queue.stats.running > 0) { g.release(); await tick() }
    await queue.onIdle()
    expect(g.started).toBe(10)
    expect(g.maxRunning).toBe(2)
    expect(queue.stats).toMatchObject({ announced: 10, failed: 0, dropped: 0 })
  })

  it('queues a key once while it waits or runs', async () => {
    const queue = new AnnounceQueue({ concurrency: 1, interval: 0 })
    const g = gated()
    expect(queue.add('a', g.task)).toBe(true)
    expect(queue.add('b', g.task)).toBe(true)
    await tick()
    expect(queue.add('a', g.task)).toBe(false) // running
    expect(queue.add('b', g.task)).toBe(false) // waiting
    while (queue.stats.pending + queue.stats.running > 0) { g.release(); await tick() }
    expect(g.started).toBe(2)
    expect(queue.add('a', g.task)).toBe(true) // done: may be announced again
    g.release()
    queue.stop()
  })

  it('spaces the starts by `interval`', async () => {
    const queue = new AnnounceQueue({ concurrency: 4, interval: 40 })
    const starts: number[] = []
    for (let i = 0; i < 4; i++) queue.add(`k${i}`, async () => { starts.push(Date.now()) })
    await queue.onIdle()
    expect(starts).toHaveLength(4)
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(35)
  })

  it('drops what exceeds `maxPending`, and counts failures without stopping', async () => {
    const queue = new AnnounceQueue({ concurrency: 1, interval: 0, maxPending: 3 })
    const g = gated()
    queue.add('first', g.task)
    await tick() // running, no longer pending
    expect([1, 2, 3, 4, 5].map(i => queue.add(`k${i}`, async () => { if (i === 2) throw new Error('no route') }))).toEqual([true, true, true, false, false])
    expect(queue.stats.dropped).toBe(2)
    g.release()
    await queue.onIdle()
    expect(queue.stats).toMatchObject({ announced: 3, failed: 1, dropped: 2, pending: 0, running: 0 })
  })

  it('gives each announcement a deadline, and stop() aborts what runs and refuses more', async () => {
    const queue = new AnnounceQueue({ concurrency: 2, interval: 0, timeout: 30 })
    const aborted: string[] = []
    const hang = (name: string) => async ({ signal }: { signal: AbortSignal }) => {
      await new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => { aborted.push(name); reject(signal.reason) }))
    }
    queue.add('slow', hang('slow'))
    await queue.onIdle()
    expect(aborted).toEqual(['slow'])
    expect(queue.stats.failed).toBe(1)

    const long = new AnnounceQueue({ concurrency: 1, interval: 0, timeout: 60_000 })
    long.add('running', hang('running'))
    long.add('waiting', hang('waiting'))
    await tick()
    long.stop()
    await long.onIdle()
    await tick()
    expect(aborted).toEqual(['slow', 'running'])
    expect(long.add('later', hang('later'))).toBe(false)
  })

  it('refuses bad settings', () => {
    expect(() => new AnnounceQueue({ concurrency: 0 })).toThrow(RangeError)
    expect(() => new AnnounceQueue({ interval: -1 })).toThrow(RangeError)
    expect(() => new AnnounceQueue({ maxPending: 1.5 })).toThrow(RangeError)
  })

  it('announcer() provides the shard\'s DHT key, once per node and shard', async () => {
    await initBlake3()
    const provided: string[] = []
    const node = { peerId: 'node-a', contentRouting: { provide: async (key: { toString: () => string }) => { provided.push(key.toString()) } } }
    const queue = new AnnounceQueue({ interval: 0 })
    const announce = announcer(node, queue)
    const id = shardCid(new Uint8Array([1, 2, 3]))
    announce(id)
    announce(id.toString())
    await queue.onIdle()
    expect(provided).toEqual([providerKey(id).toString()])
  })
})
