/**
 * The service worker's download side (DownloadRegistry), the MessageChannel
 * pump and the request filters, outside a worker. The same pump runs in
 * Chromium in save.browser.test.ts.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { DownloadRegistry } from '../../src/app/pwa/download-registry.ts'
import { DOWNLOAD_REQUEST, downloadIdOf, parseDownloadRequest, randomDownloadId, ID_PATTERN, type DownloadRequest } from '../../src/app/pwa/download-protocol.ts'
import { pumpToPort, streamFromPort, DEFAULT_HIGH_WATER_MARK } from '../../src/app/pwa/port-stream.ts'
import { isLive, NAVIGATION_DENYLIST } from '../../src/app/pwa/routes.ts'
import { chunkedSource, expectedBytes, nextMessage, readAll, sameBytes, until } from './helpers.ts'

const ORIGIN = 'http://127.0.0.1:8080'
const opened: MessagePort[] = []

function channel (): { page: MessagePort, worker: MessagePort } {
  const { port1, port2 } = new MessageChannel()
  opened.push(port1, port2)
  return { page: port1, worker: port2 }
}

afterEach(() => {
  for (const p of opened.splice(0)) p.close()
})

function request (id: string, port: MessagePort, extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return { type: DOWNLOAD_REQUEST, id, name: 'résumé 📄.pdf', port, ...extra }
}

const url = (id: string): URL => new URL(`/__download/${id}`, ORIGIN)

describe('download protocol', () => {
  it('makes random 128-bit ids', () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomDownloadId()))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(id).toMatch(ID_PATTERN)
  })

  it('accepts only well-formed requests', () => {
    const { worker } = channel()
    const id = randomDownloadId()
    expect(parseDownloadRequest(request(id, worker))).toBeDefined()
    expect(parseDownloadRequest(request(id, worker, { size: 10 }))).toBeDefined()
    for (const bad of [
      null, 'x', {},
      { ...request(id, worker), type: 'SKIP_WAITING' },
      { ...request(id, worker), id: 'ABC' },
      { ...request(id, worker), id: `${id}/x` },
      { ...request(id, worker), name: 42 },
      { ...request(id, worker), size: -1 },
      { ...request(id, worker), size: 1.5 },
      { ...request(id, worker), port: {} },
      { ...request(id, worker), stream: 'bytes' }
    ]) expect(parseDownloadRequest(bad)).toBeUndefined()
  })

  it('finds ids only under /__download/ of the same origin', () => {
    expect(downloadIdOf(url('abc'), ORIGIN)).toBe('abc')
    expect(downloadIdOf(new URL('/files', ORIGIN), ORIGIN)).toBeUndefined()
    expect(downloadIdOf(new URL('/__download/abc', 'http://evil.example'), ORIGIN)).toBeUndefined()
  })
})

describe('DownloadRegistry', () => {
  it('answers a registered id once, with download headers and the page stream', async () => {
    const registry = new DownloadRegistry({ origin: ORIGIN })
    const { page, worker } = channel()
    const id = randomDownloadId()
    const source = chunkedSource(5, 1000)
    const ready = nextMessage(page, m => m.type === 'ready')
    expect(registry.register(request(id, worker, { stream: source.stream, size: 5000 }))).toBe(true)
    await ready

    const started = nextMessage(page, m => m.type === 'started')
    const response = registry.respond(url(id))
    expect(response?.status).toBe(200)
    await started
    expect(response?.headers.get('content-disposition')).toBe('attachment; filename="resume _.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf')
    expect(response?.headers.get('content-type')).toBe('application/octet-stream')
    expect(response?.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response?.headers.get('content-length')).toBe('5000')
    expect(sameBytes(await readAll(response?.body as ReadableStream<Uint8Array>), expectedBytes(5, 1000))).toBe(true)

    expect(registry.respond(url(id))?.status).toBe(404)
    expect(registry.size).toBe(0)
  })

  it('answers 404 for ids nobody registered and ignores other URLs', () => {
    const registry = new DownloadRegistry({ origin: ORIGIN })
    const missing = registry.respond(url(randomDownloadId()))
    expect(missing?.status).toBe(404)
    expect(missing?.headers.get('x-content-type-options')).toBe('nosniff')
    expect(missing?.headers.get('content-security-policy')).toContain('sandbox')
    expect(registry.respond(new URL('/index.html', ORIGIN))).toBeUndefined()
    expect(registry.respond(new URL(`/__download/${randomDownloadId()}`, 'http://other.example'))).toBeUndefined()
  })

  it('keeps nothing for messages that are not download requests', () => {
    const registry = new DownloadRegistry({ origin: ORIGIN })
    expect(registry.register({ type: 'SKIP_WAITING' })).toBe(false)
    expect(registry.register({ type: 'datamesh:keepalive/1' })).toBe(false)
    expect(registry.size).toBe(0)
  })

  it('pulls the bytes over the port when no stream was transferred', async () => {
    const registry = new DownloadRegistry({ origin: ORIGIN })
    const { page, worker } = channel()
    const id = randomDownloadId()
    const source = chunkedSource(20, 777)
    const ready = nextMessage(page, m => m.type === 'ready')
    registry.register(request(id, worker))
    await ready
    const pumping = pumpToPort(source.stream, page)
    const response = registry.respond(url(id))
    expect(response?.headers.has('content-length')).toBe(false)
    expect(sameBytes(await readAll(response?.body as ReadableStream<Uint8Array>), expectedBytes(20, 777))).toBe(true)
    await pumping
  })

  it('drops a request nobody fetches in time: the stream is cancelled and the page told', async () => {
    const registry = new DownloadRegistry({ origin: ORIGIN, ttlMs: 30 })
    const { page, worker } = channel()
    const id = randomDownloadId()
    const source = chunkedSource(3, 10)
    const cancel = nextMessage(page, m => m.type === 'cancel')
    registry.register(request(id, worker, { stream: source.stream }))
    expect((await cancel).reason).toBe('never fetched')
    expect(source.cancelled()).toEqual({ reason: 'never fetched' })
    expect(registry.respond(url(id))?.status).toBe(404)
  })

  it('drops a request the page aborts before the download started', async () => {
    const registry = new DownloadRegistry({ origin: ORIGIN })
    const { page, worker } = channel()
    const id = randomDownloadId()
    const source = chunkedSource(3, 10)
    registry.register(request(id, worker, { stream: source.stream }))
    page.postMessage({ type: 'abort' })
    await until(() => registry.size === 0)
    expect(source.cancelled()).toBeDefined()
    expect(registry.respond(url(id))?.status).toBe(404)
  })
})

describe('MessageChannel pump', () => {
  it('carries every byte in order', async () => {
    const { page, worker } = channel()
    const source = chunkedSource(50, 4096)
    const pumping = pumpToPort(source.stream, page)
    expect(sameBytes(await readAll(streamFromPort(worker)), expectedBytes(50, 4096))).toBe(true)
    await pumping
  })

  it('reads the source only as fast as the receiver consumes (backpressure)', async () => {
    const { page, worker } = channel()
    const source = chunkedSource(1000, 64)
    void pumpToPort(source.stream, page).catch(() => {})
    const received = streamFromPort(worker)
    await until(() => source.pulled() >= DEFAULT_HIGH_WATER_MARK)
    await new Promise(resolve => setTimeout(resolve, 100))
    // nobody reads `received`: only its queue was filled
    expect(source.pulled()).toBeLessThanOrEqual(DEFAULT_HIGH_WATER_MARK + 1)

    const reader = received.getReader()
    for (let i = 0; i < 10; i++) await reader.read()
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(source.pulled()).toBeGreaterThanOrEqual(10)
    expect(source.pulled()).toBeLessThanOrEqual(10 + DEFAULT_HIGH_WATER_MARK + 1)
    await reader.cancel()
  })

  it('cancels the source when the receiver cancels', async () => {
    const { page, worker } = channel()
    const source = chunkedSource(1000, 64)
    const pumping = pumpToPort(source.stream, page)
    const reader = streamFromPort(worker).getReader()
    await reader.read()
    await reader.cancel(new Error('download cancelled by the user'))
    await expect(pumping).rejects.toMatchObject({ name: 'AbortError' })
    expect(source.cancelled()).toBeDefined()
  })

  it('errors the receiver when the sender aborts, and cancels the source', async () => {
    const { page, worker } = channel()
    const source = chunkedSource(1000, 64)
    const controller = new AbortController()
    const pumping = pumpToPort(source.stream, page, { signal: controller.signal })
    const reader = streamFromPort(worker).getReader()
    await reader.read()
    controller.abort()
    await expect(pumping).rejects.toMatchObject({ name: 'AbortError' })
    await expect(async () => { for (;;) if ((await reader.read()).done) break }).rejects.toThrow('aborted')
    expect(source.cancelled()).toBeDefined()
  })

  it('passes a source error on to the receiver', async () => {
    const { page, worker } = channel()
    const source = chunkedSource(10, 64, { failAt: 3 })
    const pumped = expect(pumpToPort(source.stream, page)).rejects.toThrow('source failed at chunk 3')
    await expect(readAll(streamFromPort(worker))).rejects.toThrow('source failed at chunk 3')
    await pumped
  })
})

describe('requests the worker leaves to the network', () => {
  it('are the relay endpoints, same-origin only', () => {
    for (const p of ['/network.json', '/health', '/metrics', '/metrics/x']) expect(isLive(new URL(p, ORIGIN), ORIGIN), p).toBe(true)
    for (const p of ['/', '/index.html', '/assets/index.js', '/healthy', '/network.jsonx']) expect(isLive(new URL(p, ORIGIN), ORIGIN), p).toBe(false)
    expect(isLive(new URL('/health', 'http://other.example'), ORIGIN)).toBe(false)
  })

  it('never get the app shell as a navigation fallback, nor do downloads', () => {
    const denied = (path: string): boolean => NAVIGATION_DENYLIST.some(r => r.test(path))
    for (const p of ['/network.json', '/health', '/metrics', '/health?x=1', `/__download/${randomDownloadId()}`]) expect(denied(p), p).toBe(true)
    for (const p of ['/', '/index.html', '/files', '/?x=1', '/healthy']) expect(denied(p), p).toBe(false)
  })
})
