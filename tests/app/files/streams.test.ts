import { describe, expect, it } from 'vitest'
import { countBytes, lazyStream } from '../../../src/app/files/streams.ts'
import { readAll, streamOf } from './byte-streams.ts'

describe('countBytes', () => {
  it('reports the running total and passes the bytes through', async () => {
    const seen: number[] = []
    const out = await readAll(countBytes(streamOf(new Uint8Array(20).fill(1)), n => { seen.push(n) }))
    expect(out).toEqual(new Uint8Array(20).fill(1))
    expect(seen).toEqual([8, 16, 20])
  })
})

describe('lazyStream', () => {
  it('opens its source on the first read only, then passes every byte', async () => {
    let opened = 0
    const s = lazyStream(async () => { opened++; return streamOf(new Uint8Array(20).fill(3)) })
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(opened).toBe(0)
    expect(await readAll(s)).toEqual(new Uint8Array(20).fill(3))
    expect(opened).toBe(1)
  })

  it('cancelled before a read, never opens; after, cancels the source', async () => {
    let opened = 0
    const never = lazyStream(async () => { opened++; return streamOf(new Uint8Array(1)) })
    await never.cancel()
    expect(opened).toBe(0)

    let cancelled = false
    const s = lazyStream(async () => streamOf(new Uint8Array(100), 8, () => { cancelled = true }))
    const reader = s.getReader()
    await reader.read()
    await reader.cancel()
    expect(cancelled).toBe(true)
  })

  it('a source that fails to open errors the stream with its error', async () => {
    const s = lazyStream(async () => { throw Object.assign(new Error('No file named x'), { name: 'NotFoundError' }) })
    await expect(readAll(s)).rejects.toMatchObject({ name: 'NotFoundError' })
  })
})
