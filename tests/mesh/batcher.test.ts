/**
 * The store batcher: a lone store leaves at once; stores arriving while the
 * peer's requests are under way gather into the next one, within the
 * limits; each store settles with its own answer.
 */
import { describe, it, expect } from 'vitest'
import { StoreBatcher, type BatchItem } from '../../src/mesh/batcher.ts'
import { shardCid, initBlake3 } from '../../src/core/hash.ts'

await initBlake3()

interface Sent { peer: string, items: BatchItem[], answer: (results: Array<Error | undefined>) => void, fail: (err: Error) => void }

function fakeSend (): { sent: Sent[], send: (peer: string, items: BatchItem[]) => Promise<Array<Error | undefined>> } {
  const sent: Sent[] = []
  return {
    sent,
    send: async (peer, items) => await new Promise((resolve, reject) => { sent.push({ peer, items, answer: resolve, fail: reject }) })
  }
}

function item (n: number, size = 10): BatchItem {
  const bytes = new Uint8Array(size).fill(n)
  return { id: shardCid(bytes), bytes }
}

const tick = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 0)) }

describe('StoreBatcher', () => {
  it('sends the stores of one task together, and gathers those that arrive while requests are under way', async () => {
    const { sent, send } = fakeSend()
    const batcher = new StoreBatcher(send, { inFlight: 2, maxShards: 64, maxBytes: 1 << 20 })
    const items = Array.from({ length: 9 }, (_, i) => item(i))
    const store = async (i: BatchItem): Promise<void> => { await batcher.store('p', i.id, i.bytes) }
    // a put hands out its shard and its manifest copy in the same task: one request
    const done = [store(items[0]!), store(items[1]!)]
    await tick()
    expect(sent.map(s => s.items.length)).toEqual([2])
    // a lone store leaves at once while a second request fits
    done.push(store(items[2]!))
    await tick()
    expect(sent.map(s => s.items.length)).toEqual([2, 1])
    // both requests under way: the next stores wait, and leave together
    done.push(...items.slice(3).map(store))
    await tick()
    expect(sent).toHaveLength(2)
    expect(batcher.pending).toEqual({ requests: 2, waiting: 6 })
    sent[0]!.answer([undefined, undefined])
    await tick()
    expect(sent.map(s => s.items.length)).toEqual([2, 1, 6])
    expect(sent[2]!.items.map(i => i.id.toString())).toEqual(items.slice(3).map(i => i.id.toString()))
    sent[1]!.answer([undefined])
    sent[2]!.answer(sent[2]!.items.map(() => undefined))
    await Promise.all(done)
    expect(batcher.pending).toEqual({ requests: 0, waiting: 0 })
  })

  it('keeps one queue per peer', async () => {
    const { sent, send } = fakeSend()
    const batcher = new StoreBatcher(send, { inFlight: 1, maxShards: 64, maxBytes: 1 << 20 })
    const a = item(1)
    const b = item(2)
    const done = [batcher.store('p', a.id, a.bytes), batcher.store('q', b.id, b.bytes)]
    await tick()
    expect(sent.map(s => [s.peer, s.items.length])).toEqual([['p', 1], ['q', 1]])
    for (const s of sent) s.answer([undefined])
    await Promise.all(done)
  })

  it('keeps a request within maxShards and maxBytes, and sends a larger store alone', async () => {
    const { sent, send } = fakeSend()
    const batcher = new StoreBatcher(send, { inFlight: 1, maxShards: 3, maxBytes: 100 })
    const first = item(0)
    const rest = [item(1, 40), item(2, 40), item(3, 40), item(4, 500), item(5), item(6), item(7), item(8)]
    const done = [first, ...rest].map(async i => await batcher.store('p', i.id, i.bytes))
    await tick()
    const sizes = (): number[][] => sent.map(s => s.items.map(i => i.bytes.byteLength))
    for (let n = 1; n <= 5; n++) {
      sent[n - 1]!.answer(sent[n - 1]!.items.map(() => undefined))
      await tick()
    }
    await Promise.all(done)
    expect(sizes()).toEqual([[10, 40, 40], [40], [500], [10, 10, 10], [10]])
  })

  it('settles each store with its own answer, and all of a failed request with its error', async () => {
    const { sent, send } = fakeSend()
    const batcher = new StoreBatcher(send, { inFlight: 1, maxShards: 64, maxBytes: 1 << 20 })
    const [a, b, c, d] = [item(1), item(2), item(3), item(4)]
    const first = batcher.store('p', a!.id, a!.bytes)
    await tick()
    const second = batcher.store('p', b!.id, b!.bytes)
    const third = batcher.store('p', c!.id, c!.bytes)
    await tick()
    expect(sent.map(s => s.items.length)).toEqual([1])
    sent[0]!.answer([undefined])
    await first
    await tick()
    const refused = Object.assign(new Error('held for another owner'), { name: 'AlreadyExistsError' })
    sent[1]!.answer([refused, undefined])
    await expect(second).rejects.toBe(refused)
    await third
    const fourth = batcher.store('p', d!.id, d!.bytes)
    await tick()
    sent[2]!.fail(Object.assign(new Error('gone'), { name: 'TimeoutError' }))
    await expect(fourth).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(batcher.pending).toEqual({ requests: 0, waiting: 0 })
  })
})
