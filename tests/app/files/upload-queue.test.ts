import { describe, expect, it } from 'vitest'
import { AbortedError, AlreadyExistsError, QuotaExceededError } from '../../../src/core/errors.ts'
import type { MeshProgressEvent, PutResult } from '../../../src/mesh/types.ts'
import { UploadQueue, type PutFunction } from '../../../src/app/files/upload-queue.ts'

interface Call {
  name: string
  type?: string
  signal: AbortSignal
  onProgress: (e: MeshProgressEvent) => void
  resolve: (r: PutResult) => void
  reject: (err: unknown) => void
}

/** A put that waits until the test settles it; an abort rejects it like the mesh does. */
function fakeMesh (index: Set<string> = new Set()): { put: PutFunction, calls: Call[], running: () => number, max: () => number, index: Set<string> } {
  const calls: Call[] = []
  let running = 0
  let max = 0
  const put: PutFunction = async (_data, options) => {
    running++
    max = Math.max(max, running)
    try {
      if (index.has(options.name)) throw new AlreadyExistsError('A file with this name is already in the index')
      return await new Promise<PutResult>((resolve, reject) => {
        const call: Call = { ...options, resolve, reject }
        calls.push(call)
        options.signal.addEventListener('abort', () => { reject(new AbortedError()) })
      })
    } finally {
      running--
    }
  }
  return { put, calls, running: () => running, max: () => max, index }
}

const blob = (size: number): Blob => new Blob([new Uint8Array(size)])
const tick = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }
const ok = (key: string, warnings: string[] = []): PutResult => ({ key, warnings })

describe('UploadQueue', () => {
  it('uploads two at a time, in order, until all are done', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    queue.add(['a', 'b', 'c', 'd', 'e'].map(name => ({ data: blob(10), name })))
    await tick()
    expect(mesh.calls.map(c => c.name)).toEqual(['a', 'b'])
    expect(queue.items.map(i => i.status)).toEqual(['uploading', 'uploading', 'queued', 'queued', 'queued'])
    for (let i = 0; i < 5; i++) {
      mesh.calls[i]?.resolve(ok(`key-${i}`))
      await tick()
      expect(mesh.running()).toBeLessThanOrEqual(2)
    }
    await queue.idle()
    expect(mesh.calls.map(c => c.name)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(mesh.max()).toBe(2)
    expect(queue.items.every(i => i.status === 'done' && i.fraction === 1)).toBe(true)
    expect(queue.items.map(i => i.key)).toEqual(['key-0', 'key-1', 'key-2', 'key-3', 'key-4'])
    expect(queue.totals()).toMatchObject({ files: 5, done: 5, active: 0, queued: 0, fraction: 1, rate: 0 })
  })

  it('honours another concurrency', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [], concurrency: 3 })
    queue.add(Array.from({ length: 7 }, (_, i) => ({ data: blob(1), name: `f${i}` })))
    await tick()
    expect(mesh.calls).toHaveLength(3)
    for (let i = 0; i < 7; i++) { mesh.calls[i]?.resolve(ok(`k${i}`)); await tick() }
    await queue.idle()
    expect(mesh.max()).toBe(3)
    expect(() => new UploadQueue({ put: mesh.put, taken: () => [], concurrency: 0 })).toThrow(RangeError)
  })

  it('passes the type and tags, and no empty type', async () => {
    const mesh = fakeMesh()
    const seen: unknown[] = []
    const queue = new UploadQueue({ put: async (data, o) => { seen.push({ name: o.name, type: o.type, tags: o.tags }); return await mesh.put(data, o) }, taken: () => [] })
    queue.add([{ data: blob(1), name: 'a.png', type: 'image/png', tags: ['x'] }, { data: blob(1), name: 'b', type: '' }])
    await tick()
    expect(seen).toEqual([{ name: 'a.png', type: 'image/png', tags: ['x'] }, { name: 'b', type: undefined, tags: undefined }])
  })

  it('a cancelled queued file never starts', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    const [, , c] = queue.add(['a', 'b', 'c'].map(name => ({ data: blob(1), name })))
    queue.cancel(c as number)
    expect(queue.items[2]?.status).toBe('cancelled')
    mesh.calls[0]?.resolve(ok('ka'))
    mesh.calls[1]?.resolve(ok('kb'))
    await queue.idle()
    expect(mesh.calls.map(x => x.name)).toEqual(['a', 'b'])
    expect(queue.totals()).toMatchObject({ done: 2, cancelled: 1 })
  })

  it('cancelling a running file aborts its put, and its slot frees only once the put has stopped', async () => {
    const mesh = fakeMesh()
    // a put that takes its time to wind down after the abort
    let release: () => void = () => {}
    const slowStop: PutFunction = async (data, o) => {
      try { return await mesh.put(data, o) } catch (err) {
        await new Promise<void>(resolve => { release = resolve })
        throw err
      }
    }
    const queue = new UploadQueue({ put: slowStop, taken: () => [] })
    const [a] = queue.add(['a', 'b', 'c'].map(name => ({ data: blob(1), name })))
    await tick()
    queue.cancel(a as number)
    expect(mesh.calls[0]?.signal.aborted).toBe(true)
    expect(queue.items[0]?.status).toBe('cancelling')
    await tick()
    expect(mesh.calls).toHaveLength(2) // c waits: a still holds its slot
    release()
    await tick()
    expect(queue.items[0]?.status).toBe('cancelled')
    expect(mesh.calls.map(x => x.name)).toEqual(['a', 'b', 'c'])
    mesh.calls[1]?.resolve(ok('kb'))
    mesh.calls[2]?.resolve(ok('kc'))
    await queue.idle()
    expect(queue.items.map(i => i.status)).toEqual(['cancelled', 'done', 'done'])
  })

  it('cancel all stops the running and the queued', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    queue.add(['a', 'b', 'c', 'd'].map(name => ({ data: blob(1), name })))
    await tick()
    queue.cancelAll()
    await queue.idle()
    expect(mesh.calls.map(c => c.signal.aborted)).toEqual([true, true])
    expect(queue.items.map(i => i.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled'])
    expect(queue.totals()).toMatchObject({ cancelled: 4, bytesTotal: 0 })
  })

  it('a name in the index becomes "name (2).ext"', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => ['a.jpg', 'a (2).jpg'] })
    queue.add([{ data: blob(1), name: 'a.jpg' }])
    await tick()
    expect(mesh.calls[0]?.name).toBe('a (3).jpg')
    expect(queue.items[0]).toMatchObject({ requested: 'a.jpg', name: 'a (3).jpg' })
  })

  it('two files of one name in flight together get different names', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    queue.add([{ data: blob(1), name: 'photos/a.jpg' }, { data: blob(1), name: 'photos/a.jpg' }])
    await tick()
    expect(mesh.calls.map(c => c.name)).toEqual(['photos/a.jpg', 'photos/a (2).jpg'])
  })

  it('when the index refuses a name, tries the next one', async () => {
    // the index knows names the queue was not told about (another tab added them)
    const mesh = fakeMesh(new Set(['x.txt', 'x (2).txt']))
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    queue.add([{ data: blob(5), name: 'x.txt' }])
    await tick()
    expect(mesh.calls.map(c => c.name)).toEqual(['x (3).txt'])
    mesh.calls[0]?.resolve(ok('k'))
    await queue.idle()
    expect(queue.items[0]).toMatchObject({ status: 'done', name: 'x (3).txt', requested: 'x.txt' })
  })

  it('other errors fail the file with a readable message; retry queues it again', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    const [id] = queue.add([{ data: blob(3), name: 'big.bin' }])
    await tick()
    mesh.calls[0]?.reject(new QuotaExceededError('Storage quota exceeded'))
    await queue.idle()
    expect(queue.items[0]).toMatchObject({ status: 'failed', errorName: 'QuotaExceededError' })
    expect(queue.items[0]?.error).toMatch(/room/)
    expect(mesh.calls).toHaveLength(1)
    expect(queue.totals()).toMatchObject({ failed: 1, bytesTotal: 0 })

    queue.retry(id as number)
    await tick()
    expect(queue.items[0]).toMatchObject({ status: 'uploading', fraction: 0 })
    expect(queue.items[0]?.error).toBeUndefined()
    mesh.calls[1]?.resolve(ok('k', ['Only 3 peers can keep data']))
    await queue.idle()
    expect(queue.items[0]).toMatchObject({ status: 'done', key: 'k', warnings: ['Only 3 peers can keep data'] })
  })

  it('clearFinished keeps only what is still queued or running', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    queue.add(['a', 'b', 'c'].map(name => ({ data: blob(1), name })))
    await tick()
    mesh.calls[0]?.resolve(ok('ka'))
    await tick()
    queue.clearFinished()
    expect(queue.items.map(i => i.requested)).toEqual(['b', 'c'])
  })

  it('items are copies', async () => {
    const queue = new UploadQueue({ put: fakeMesh().put, taken: () => [] })
    queue.add([{ data: blob(1), name: 'a' }])
    const items = queue.items
    if (items[0] !== undefined) items[0].name = 'changed'
    expect(queue.items[0]?.name).toBe('a')
  })

  it('reports progress, speed and time left from put events', async () => {
    let now = 0
    const mesh = fakeMesh()
    let changes = 0
    const queue = new UploadQueue({ put: mesh.put, taken: () => [], now: () => now, shardsPerStripe: () => 6, onChange: () => { changes++ } })
    const size = 8_000_000 // two stripes of 4 MB
    queue.add([{ data: blob(size), name: 'movie.mp4' }])
    await tick()
    const call = mesh.calls[0] as Call
    now = 1000
    call.onProgress({ type: 'put:encoded', bytesDone: 4_000_000, bytesTotal: size })
    // a quarter: half of the bytes encoded, nothing stored yet
    expect(queue.items[0]?.fraction).toBeCloseTo(0.25)
    expect(queue.items[0]?.rate).toBeCloseTo(2_000_000) // 2 MB of progress in 1 s
    expect(queue.items[0]?.eta).toBeCloseTo(3) // 6 MB left at 2 MB/s
    now = 2000
    call.onProgress({ type: 'put:encoded', bytesDone: 8_000_000, bytesTotal: size })
    for (let s = 1; s <= 6; s++) call.onProgress({ type: 'put:stored', shardsStored: s, stripesCommitted: 0 })
    // encoded all (0.5) + one stripe of two stored (0.25)
    expect(queue.items[0]?.fraction).toBeCloseTo(0.75)
    expect(queue.items[0]?.shardsStored).toBe(6)
    expect(queue.items[0]?.rate).toBeCloseTo(3_000_000)
    expect(queue.items[0]?.eta).toBeCloseTo(2_000_000 / 3_000_000)
    const totals = queue.totals()
    expect(totals).toMatchObject({ files: 1, active: 1, bytesTotal: size })
    expect(totals.bytesDone).toBeCloseTo(6_000_000)
    expect(totals.fraction).toBeCloseTo(0.75)
    expect(totals.rate).toBeCloseTo(3_000_000)
    expect(totals.eta).toBeCloseTo(2 / 3)
    // every shard of both stripes stored, but the put has not returned: not yet 100 %
    call.onProgress({ type: 'put:stored', shardsStored: 12, stripesCommitted: 2 })
    expect(queue.items[0]?.fraction).toBeLessThan(1)
    expect(queue.items[0]?.fraction).toBeGreaterThan(0.99)
    call.resolve(ok('k'))
    await queue.idle()
    expect(queue.items[0]).toMatchObject({ fraction: 1, rate: 0 })
    expect(queue.items[0]?.eta).toBeUndefined()
    expect(changes).toBeGreaterThan(5)
  })

  it('progress never goes backwards and ignores events after a cancel', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    const [id] = queue.add([{ data: blob(100), name: 'a' }])
    await tick()
    const call = mesh.calls[0] as Call
    call.onProgress({ type: 'put:encoded', bytesDone: 100, bytesTotal: 100 })
    const before = queue.items[0]?.fraction ?? 0
    call.onProgress({ type: 'put:encoded', bytesDone: 50, bytesTotal: 100 })
    expect(queue.items[0]?.fraction).toBe(before)
    queue.cancel(id as number)
    call.onProgress({ type: 'put:stored', shardsStored: 6, stripesCommitted: 1 })
    expect(queue.items[0]?.shardsStored).toBe(0)
  })

  it('overall progress counts queued files but not failed or cancelled ones', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    const [, , c] = queue.add([{ data: blob(100), name: 'a' }, { data: blob(300), name: 'b' }, { data: blob(600), name: 'c' }])
    await tick()
    mesh.calls[0]?.resolve(ok('ka'))
    await tick()
    expect(queue.totals()).toMatchObject({ bytesTotal: 1000, bytesDone: 100, fraction: 0.1 })
    queue.cancel(c as number)
    await tick()
    expect(queue.totals()).toMatchObject({ bytesTotal: 400, bytesDone: 100, fraction: 0.25 })
  })

  it('an empty file is done at 100 %', async () => {
    const mesh = fakeMesh()
    const queue = new UploadQueue({ put: mesh.put, taken: () => [] })
    queue.add([{ data: blob(0), name: 'empty' }])
    await tick()
    mesh.calls[0]?.resolve(ok('k'))
    await queue.idle()
    expect(queue.totals()).toMatchObject({ bytesTotal: 0, fraction: 1 })
  })
})
