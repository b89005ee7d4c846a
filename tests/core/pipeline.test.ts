import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { encodeFile, decodeFile, toReadableStream, type ShardFetcher } from '../../src/core/pipeline.ts'
import { InlineCodec, type StripeCodec } from '../../src/core/codec.ts'
import { MiB } from '../../src/core/bytes.ts'
import { encodeToMemory, decodeToBytes, pseudoRandomBytes, collect, expectRejectName, SMALL, memoryFetcher, expectSameBytes } from './helpers.ts'

const S = SMALL.stripeSize
const G = SMALL.segmentSize

describe('pipeline round trips', () => {
  const boundaries = [0, 1, G - 1, G, G + 1, 2 * G, S - 1, S, S + 1, 2 * S - 1, 2 * S, 2 * S + 1, 3 * S + G + 7]
  for (const size of boundaries) {
    it(`restores ${size} bytes exactly`, async () => {
      const data = pseudoRandomBytes(size, size + 1)
      const stored = await encodeToMemory(data, { coding: SMALL })
      expect(stored.manifest.size).toBe(size)
      expect(stored.manifest.stripes.length).toBe(Math.max(1, Math.ceil(size / S)))
      expectSameBytes(await decodeToBytes(stored), data)
    })
  }

  it('restores random sizes from random chunked streams (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 5 * S }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 1000 }),
      async (size, chunk, seed) => {
        const data = pseudoRandomBytes(size, seed)
        const pieces: Uint8Array[] = []
        for (let o = 0; o < size; o += chunk) pieces.push(data.slice(o, o + chunk))
        const stream = new ReadableStream<Uint8Array>({ start (c) { pieces.forEach(p => c.enqueue(p)); c.close() } })
        const stored = await encodeToMemory(stream, { coding: SMALL })
        expectSameBytes(await decodeToBytes(stored), data)
      }), { numRuns: 40 })
  })

  it('reads Blob, ArrayBuffer and iterable sources the same way', async () => {
    const data = pseudoRandomBytes(2 * S + 5, 9)
    const fileKey = pseudoRandomBytes(32, 3)
    const ids = async (src: Parameters<typeof encodeToMemory>[0]): Promise<string[]> =>
      (await encodeToMemory(src, { coding: SMALL, fileKey })).manifest.stripes.flatMap(s => s.shards.map(String))
    const expected = await ids(data)
    expect(await ids(new Blob([data]))).toEqual(expected)
    expect(await ids(data.slice().buffer)).toEqual(expected)
    expect(await ids([data.subarray(0, 100), data.subarray(100)])).toEqual(expected)
    async function * gen (): AsyncGenerator<Uint8Array> { for (let i = 0; i < data.length; i += 777) yield data.subarray(i, i + 777) }
    expect(await ids(gen())).toEqual(expected)
  })

  it('uses the default 4 MiB stripes and 4+2 coding', async () => {
    const data = pseudoRandomBytes(4 * MiB + 300 * 1024, 5)
    const stored = await encodeToMemory(data)
    expect(stored.manifest.coding).toEqual({ k: 4, m: 2, stripeSize: 4 * MiB, segmentSize: 256 * 1024 })
    expect(stored.manifest.stripes).toHaveLength(2)
    expect(stored.shards.size).toBe(12)
    expectSameBytes(await decodeToBytes(stored), data)
  })

  for (const [k, m] of [[1, 1], [2, 1], [3, 3], [6, 3], [10, 4]] as const) {
    it(`works with k=${k}, m=${m} and any ${m} shards of every stripe missing`, async () => {
      const data = pseudoRandomBytes(2 * S + 333, k * 10 + m)
      const stored = await encodeToMemory(data, { coding: { ...SMALL, k, m } })
      for (let drop = 0; drop < 6; drop++) {
        // drop m pseudo-random distinct shards of each stripe (by position: with k = 1 both shards are equal)
        const missing = new Set<string>()
        stored.manifest.stripes.forEach((s, si) => {
          const order = [...s.shards.keys()].sort((a, b) => ((a * 7 + drop * 13 + si) % (k + m)) - ((b * 7 + drop * 13 + si) % (k + m)))
          order.slice(0, m).forEach(i => missing.add(`${si}:${i}`))
        })
        const fetcher: ShardFetcher = async ({ cid, stripe, shard }) => missing.has(`${stripe}:${shard}`) ? undefined : stored.shards.get(cid.toString())
        expectSameBytes(await decodeToBytes(stored, fetcher), data)
      }
    })
  }
})

describe('missing, corrupt and misplaced shards', () => {
  it('rebuilds a 4+2 stripe from every choice of 4 shards, and refuses 3', async () => {
    const data = pseudoRandomBytes(S - 100, 77)
    const stored = await encodeToMemory(data, { coding: SMALL })
    const ids = stored.manifest.stripes[0]!.shards.map(String)
    for (let a = 0; a < 6; a++) {
      for (let b = a + 1; b < 6; b++) {
        const gone = new Set([ids[a], ids[b]])
        expectSameBytes(await decodeToBytes(stored, async ({ cid }) => gone.has(cid.toString()) ? undefined : stored.shards.get(cid.toString())), data)
        for (let c = b + 1; c < 6; c++) {
          const three = new Set([ids[a], ids[b], ids[c]])
          const err = await expectRejectName(decodeToBytes(stored, async ({ cid }) => three.has(cid.toString()) ? undefined : stored.shards.get(cid.toString())), 'TooFewShardsError')
          expect((err as unknown as { details: { stripe: number } }).details.stripe).toBe(0)
        }
      }
    }
  })

  it('detects corrupt, truncated and swapped shards, reports them and uses parity', async () => {
    const data = pseudoRandomBytes(3 * S, 11)
    const stored = await encodeToMemory(data, { coding: SMALL })
    const st = stored.manifest.stripes
    const corrupt = st[0]!.shards[1]!.toString()
    const truncated = st[1]!.shards[0]!.toString()
    const swapA = st[2]!.shards[2]!.toString()
    const swapB = st[2]!.shards[3]!.toString()
    const reported: string[] = []
    const out = await decodeToBytes(stored, async ({ cid }) => {
      const id = cid.toString()
      const bytes = stored.shards.get(id)!
      if (id === corrupt) { const c = bytes.slice(); c[5]! ^= 1; return c }
      if (id === truncated) return bytes.subarray(0, bytes.length - 1)
      if (id === swapA) return stored.shards.get(swapB)
      if (id === swapB) return stored.shards.get(swapA)
      return bytes
    }, { onCorruptShard: r => reported.push(`${r.stripe}:${r.shard}`) })
    expectSameBytes(out, data)
    expect(reported.sort()).toEqual(['0:1', '1:0', '2:2', '2:3'])
  })

  it('gives TooFewShardsError when more than m shards of a stripe are corrupt', async () => {
    const stored = await encodeToMemory(pseudoRandomBytes(S, 2), { coding: SMALL })
    const bad = new Set(stored.manifest.stripes[0]!.shards.slice(0, 3).map(String))
    await expectRejectName(decodeToBytes(stored, async ({ cid }) => {
      const b = stored.shards.get(cid.toString())!
      return bad.has(cid.toString()) ? b.map(x => x ^ 0xff) : b
    }), 'TooFewShardsError')
  })

  it('treats a throwing holder like a missing shard', async () => {
    const data = pseudoRandomBytes(S + 1, 4)
    const stored = await encodeToMemory(data, { coding: SMALL })
    let calls = 0
    expect(await decodeToBytes(stored, async ({ cid, shard }) => {
      calls++
      if (shard === 0) throw new Error('peer vanished')
      return stored.shards.get(cid.toString())
    })).toEqual(data)
    expect(calls).toBe(10) // 5 per stripe: 4 data (one fails) + 1 parity
  })

  it('refuses the wrong file key with WrongKeyError', async () => {
    const stored = await encodeToMemory(pseudoRandomBytes(100, 1), { coding: SMALL })
    await expectRejectName(decodeToBytes({ ...stored, fileKey: pseudoRandomBytes(32, 99) }), 'WrongKeyError')
  })
})

describe('streaming behaviour', () => {
  it('keeps at most `window` stripes in flight and reports monotonic progress', async () => {
    const inner = new InlineCodec()
    let active = 0
    let peak = 0
    const codec: StripeCodec = {
      parallelism: 1,
      encode: async job => { active++; peak = Math.max(peak, active); try { return await inner.encode(job) } finally { active-- } },
      decode: async job => { active++; peak = Math.max(peak, active); try { return await inner.decode(job) } finally { active-- } },
      close: () => inner.close()
    }
    const data = pseudoRandomBytes(20 * S, 3)
    const progress: number[] = []
    const stored = await encodeToMemory(data, { coding: SMALL, codec, window: 3, onProgress: p => { progress.push(p.bytesDone); expect(p.bytesTotal).toBe(data.length) } })
    expect(peak).toBeLessThanOrEqual(3)
    expect(peak).toBeGreaterThan(1)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(progress.at(-1)).toBe(data.length)
    peak = 0
    const seen: number[] = []
    expectSameBytes(await decodeToBytes(stored, memoryFetcher(stored.shards), { codec, window: 2, onProgress: p => seen.push(p.bytesDone) }), data)
    expect(peak).toBeLessThanOrEqual(2)
    expect(seen.at(-1)).toBe(data.length)
  })

  it('streams through a ReadableStream and stops on abort', async () => {
    const data = pseudoRandomBytes(4 * S, 6)
    const stored = await encodeToMemory(data, { coding: SMALL })
    const stream = toReadableStream(decodeFile(stored.manifest, stored.fileKey, memoryFetcher(stored.shards)))
    const reader = stream.getReader()
    const parts: Uint8Array[] = []
    for (;;) { const r = await reader.read(); if (r.done) break; parts.push(r.value) }
    expectSameBytes(await collect(parts as unknown as AsyncIterable<Uint8Array>), data)
    const controller = new AbortController()
    const session = encodeFile(data, { coding: SMALL, signal: controller.signal })
    await session.stripes.next()
    controller.abort()
    await expectRejectName((async () => { for await (const _ of session.stripes) { /* drain */ } })(), 'AbortedError')
    expect(() => session.summary()).toThrow()
  })

  it('produces the same shards for the same key and data (deterministic, repairable)', async () => {
    const data = pseudoRandomBytes(S * 2 + 9, 8)
    const fileKey = pseudoRandomBytes(32, 1)
    const a = await encodeToMemory(data, { coding: SMALL, fileKey })
    const b = await encodeToMemory(data, { coding: SMALL, fileKey })
    expect([...a.shards.keys()]).toEqual([...b.shards.keys()])
  })
})
