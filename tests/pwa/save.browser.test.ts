/**
 * saveStream in Chromium without a service worker: the Blob way, the save
 * dialog way (against a stand-in showSaveFilePicker), the choice between
 * them, and the worker's download side fed through real postMessage
 * transfers. The worker way end to end needs the built app (sw.js).
 */
import { describe, it, expect, vi, afterEach } from 'vitest'
import { saveStream, canTransferStreams, REVOKE_AFTER_MS } from '../../src/app/pwa/save.ts'
import { DownloadRegistry } from '../../src/app/pwa/download-registry.ts'
import { DOWNLOAD_REQUEST, randomDownloadId, type DownloadRequest } from '../../src/app/pwa/download-protocol.ts'
import { pumpToPort, streamFromPort } from '../../src/app/pwa/port-stream.ts'
import { chunkedSource, expectedBytes, nextMessage, readAll, sameBytes } from './helpers.ts'

interface Clicked { href: string, download: string, inDocument: boolean }

/** stops link clicks from downloading and records them, with the Blobs behind object URLs */
function watchBlobLinks (): { clicked: Clicked[], blobs: Map<string, Blob>, revoked: string[] } {
  const clicked: Clicked[] = []
  const blobs = new Map<string, Blob>()
  const revoked: string[] = []
  const create = URL.createObjectURL.bind(URL)
  vi.spyOn(URL, 'createObjectURL').mockImplementation((obj: Blob | MediaSource) => {
    const url = create(obj)
    if (obj instanceof Blob) blobs.set(url, obj)
    return url
  })
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url: string) => { revoked.push(url) })
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ href: this.href, download: this.download, inDocument: this.isConnected })
  })
  return { clicked, blobs, revoked }
}

type PickerWindow = Window & { showSaveFilePicker?: (options?: { suggestedName?: string }) => Promise<unknown> }

/** a stand-in save dialog whose file collects what is written */
function fakePicker (behaviour: { reject?: DOMException } = {}): { written: Uint8Array[], options: Array<{ suggestedName?: string }>, aborted: () => boolean } {
  const written: Uint8Array[] = []
  const options: Array<{ suggestedName?: string }> = []
  let aborted = false
  ;(window as PickerWindow).showSaveFilePicker = async (opts = {}) => {
    options.push(opts)
    if (behaviour.reject !== undefined) throw behaviour.reject
    return {
      createWritable: async () => new WritableStream<Uint8Array>({
        write (chunk) { written.push(chunk) },
        abort () { aborted = true }
      })
    }
  }
  return { written, options, aborted: () => aborted }
}

function concat (chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.byteLength }
  return out
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
  delete (window as PickerWindow).showSaveFilePicker
})

describe('saveStream: Blob', () => {
  it('collects the stream, clicks a download link with the name, and revokes the URL later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const links = watchBlobLinks()
    const source = chunkedSource(8, 10_000)
    expect(await saveStream(source.stream, { name: 'résumé 📄.pdf', type: 'application/pdf' }, { via: 'blob' })).toBe('blob')

    expect(links.clicked).toHaveLength(1)
    const [click] = links.clicked
    expect(click?.download).toBe('résumé 📄.pdf')
    expect(click?.inDocument).toBe(true)
    expect(document.querySelector(`a[href="${click?.href}"]`)).toBeNull()
    const blob = links.blobs.get(click?.href ?? '')
    // the owner's type is not the Blob's: a download link never hands the browser a sender's type
    expect(blob?.type).toBe('application/octet-stream')
    expect(sameBytes(new Uint8Array(await (blob as Blob).arrayBuffer()), expectedBytes(8, 10_000))).toBe(true)

    expect(links.revoked).toEqual([])
    vi.advanceTimersByTime(REVOKE_AFTER_MS)
    expect(links.revoked).toEqual([click?.href])
  })

  it('offers a clean name for names with path separators or nothing left', async () => {
    const links = watchBlobLinks()
    await saveStream(chunkedSource(1, 1).stream, { name: 'a/b\\c.txt' }, { via: 'blob' })
    await saveStream(chunkedSource(1, 1).stream, { name: '\u0000' }, { via: 'blob' })
    expect(links.clicked.map(c => c.download)).toEqual(['a_b_c.txt', 'download'])
  })

  it('stops on abort: rejects with the reason, cancels the stream, downloads nothing', async () => {
    const links = watchBlobLinks()
    const controller = new AbortController()
    let pulls = 0
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      pull (c) {
        if (++pulls === 5) controller.abort(new DOMException('stop', 'AbortError'))
        c.enqueue(new Uint8Array(100))
      },
      cancel () { cancelled = true }
    }, { highWaterMark: 0 })
    await expect(saveStream(stream, { name: 'x' }, { via: 'blob', signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError', message: 'stop' })
    expect(cancelled).toBe(true)
    expect(links.clicked).toEqual([])
  })

  it('rejects at once, cancelling the stream, when the signal is already aborted', async () => {
    const source = chunkedSource(3, 10)
    await expect(saveStream(source.stream, { name: 'x' }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    expect(source.cancelled()).toBeDefined()
  })
})

describe('saveStream: save dialog', () => {
  it('streams into the chosen file', async () => {
    const picker = fakePicker()
    const source = chunkedSource(16, 4096)
    expect(await saveStream(source.stream, { name: 'data.bin', size: 16 * 4096 })).toBe('picker')
    expect(picker.options).toEqual([{ suggestedName: 'data.bin' }])
    expect(sameBytes(concat(picker.written), expectedBytes(16, 4096))).toBe(true)
  })

  it('rejects with AbortError and cancels the stream when the user closes the dialog', async () => {
    fakePicker({ reject: new DOMException('The user aborted a request.', 'AbortError') })
    const links = watchBlobLinks()
    const source = chunkedSource(4, 10)
    await expect(saveStream(source.stream, { name: 'x' })).rejects.toMatchObject({ name: 'AbortError' })
    expect(source.cancelled()).toBeDefined()
    expect(links.clicked).toEqual([])
  })

  it('falls back to another way when the dialog needs a click the page no longer has', async () => {
    fakePicker({ reject: new DOMException('Must be handling a user gesture to show a file picker.', 'SecurityError') })
    const links = watchBlobLinks()
    // no service worker controls the test page, so the Blob way follows
    expect(await saveStream(chunkedSource(2, 10).stream, { name: 'x.txt' })).toBe('blob')
    expect(links.clicked.map(c => c.download)).toEqual(['x.txt'])
  })

  it('aborts the file (discarding it) when the signal aborts mid-way', async () => {
    const picker = fakePicker()
    const controller = new AbortController()
    let pulls = 0
    const stream = new ReadableStream<Uint8Array>({
      pull (c) {
        if (++pulls === 3) controller.abort()
        c.enqueue(new Uint8Array(10))
      }
    }, { highWaterMark: 0 })
    await expect(saveStream(stream, { name: 'x' }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
    expect(picker.aborted()).toBe(true)
  })
})

describe('saveStream: forced ways that are not there', () => {
  it('says so with SaveUnavailableError and cancels the stream', async () => {
    for (const via of ['picker', 'service-worker', 'service-worker-port'] as const) {
      const source = chunkedSource(2, 10)
      await expect(saveStream(source.stream, { name: 'x' }, { via })).rejects.toMatchObject({ name: 'SaveUnavailableError' })
      expect(source.cancelled(), via).toBeDefined()
    }
  })
})

describe('the worker side fed through real postMessage transfers', () => {
  const ORIGIN = location.origin

  /** posts `request` through a MessageChannel (cloning and transferring like page to worker) and registers what arrives */
  async function deliver (registry: DownloadRegistry, request: DownloadRequest, transfer: Transferable[]): Promise<void> {
    const { port1, port2 } = new MessageChannel()
    const arrived = new Promise<unknown>(resolve => { port2.onmessage = e => { resolve(e.data) } })
    port1.postMessage(request, transfer)
    expect(registry.register(await arrived)).toBe(true)
    port1.close()
    port2.close()
  }

  it('transfers streams in this browser', () => {
    expect(canTransferStreams()).toBe(true)
  })

  it('answers with a transferred stream', async () => {
    const registry = new DownloadRegistry({ origin: ORIGIN })
    const { port1: page, port2: worker } = new MessageChannel()
    const source = chunkedSource(32, 16_384)
    const bridge = new TransformStream<Uint8Array, Uint8Array>()
    const id = randomDownloadId()
    const ready = nextMessage(page, m => m.type === 'ready')
    await deliver(registry, { type: DOWNLOAD_REQUEST, id, name: 'a.bin', size: 32 * 16_384, port: worker, stream: bridge.readable }, [worker, bridge.readable])
    await ready
    const response = registry.respond(new URL(`/__download/${id}`, ORIGIN))
    const piping = source.stream.pipeTo(bridge.writable)
    expect(response?.headers.get('content-length')).toBe(String(32 * 16_384))
    expect(sameBytes(await readAll(response?.body as ReadableStream<Uint8Array>), expectedBytes(32, 16_384))).toBe(true)
    await piping
    page.close()
  })

  it('answers with bytes pumped over the port', async () => {
    const registry = new DownloadRegistry({ origin: ORIGIN })
    const { port1: page, port2: worker } = new MessageChannel()
    const source = chunkedSource(64, 16_384)
    const id = randomDownloadId()
    const ready = nextMessage(page, m => m.type === 'ready')
    await deliver(registry, { type: DOWNLOAD_REQUEST, id, name: 'a.bin', port: worker }, [worker])
    await ready
    const pumping = pumpToPort(source.stream, page)
    const response = registry.respond(new URL(`/__download/${id}`, ORIGIN))
    expect(sameBytes(await readAll(response?.body as ReadableStream<Uint8Array>), expectedBytes(64, 16_384))).toBe(true)
    await pumping
    page.close()
  })

  it('pumps with backpressure between real ports', async () => {
    const { port1, port2 } = new MessageChannel()
    const source = chunkedSource(10_000, 1024)
    const pumping = pumpToPort(source.stream, port1).catch((err: unknown) => err)
    const reader = streamFromPort(port2).getReader()
    for (let i = 0; i < 20; i++) await reader.read()
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(source.pulled()).toBeLessThan(40)
    await reader.cancel()
    expect(await pumping).toMatchObject({ name: 'AbortError' })
    expect(source.cancelled()).toBeDefined()
    port1.close()
    port2.close()
  })
})
