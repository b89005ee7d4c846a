/**
 * Saves a stream of bytes as a file on the user's device, without holding
 * the whole file in memory where the browser allows it. Three ways, tried in
 * this order:
 *
 * 1. `picker`: the File System Access save dialog; bytes stream straight
 *    into the chosen file. Closing the dialog rejects with an AbortError.
 * 2. `service-worker`: the page hands the stream to its service worker
 *    (download-protocol.ts) and a hidden iframe opens a one-time
 *    /__download/<id> URL the worker answers with that stream as an
 *    attachment; the browser's own download manager writes the file.
 * 3. `blob`: the bytes are collected into a Blob and a link to it clicked.
 *
 * Nothing is sent to a server on any of them, and on none does the file's
 * own type reach the browser: the bytes are application/octet-stream, saved
 * as an attachment or through a `download` link.
 */
import { cleanFileName, DOWNLOAD_TYPE } from './disposition.ts'
import { DOWNLOAD_PATH, DOWNLOAD_REQUEST, KEEPALIVE, KEEPALIVE_MS, randomDownloadId, type DownloadRequest, type WorkerMessage } from './download-protocol.ts'
import { DownloadStartError, SaveUnavailableError } from './errors.ts'
import { pumpToPort } from './port-stream.ts'

export type SaveVia = 'picker' | 'service-worker' | 'blob'

export interface SaveMeta {
  name: string
  /**
   * The file's MIME type as its owner gave it. Not used for saving: every
   * way hands the browser the bytes as DOWNLOAD_TYPE under `name`, since a
   * type chosen by a file's sender must never decide how they are handled.
   */
  type?: string
  /** the length in bytes, when known: the browser then shows real progress */
  size?: number
}

export interface SaveOptions {
  signal?: AbortSignal
  /**
   * Use this way only (tests). `service-worker-port` is the service-worker
   * way with the bytes pumped over a MessageChannel even where streams are
   * transferable.
   */
  via?: SaveVia | 'service-worker-port'
}

/** how long the service worker has to acknowledge, then to start, a download before it counts as unavailable */
export const START_TIMEOUT_MS = 10_000
/** how long a Blob URL outlives its click: revoking it at once can cut the download short in some browsers */
export const REVOKE_AFTER_MS = 40_000
/** how long the download iframe outlives the end of the stream */
const FRAME_LINGER_MS = 1_000

interface FilePickerWindow {
  showSaveFilePicker?: (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>
}

/**
 * Saves `stream` as the file `meta.name`. Resolves with the way used once
 * every byte is handed over (written to the file, to the worker's response
 * or to the Blob). Aborting `options.signal` cancels the stream and rejects
 * with the signal's reason; any failure cancels the stream.
 */
export async function saveStream (stream: ReadableStream<Uint8Array>, meta: SaveMeta, options: { signal?: AbortSignal, via?: SaveOptions['via'] } = {}): Promise<SaveVia> {
  const { signal, via } = options
  try {
    signal?.throwIfAborted()
    switch (via) {
      case undefined: return await saveAnyWay(stream, meta, signal)
      case 'picker': await toPicker(stream, meta, signal); return 'picker'
      case 'blob': await toBlob(stream, meta, signal); return 'blob'
      case 'service-worker':
      case 'service-worker-port': {
        const worker = await downloadWorker()
        if (worker === undefined) throw new SaveUnavailableError('No service worker controls this page', { via })
        await toServiceWorker(stream, meta, worker, via === 'service-worker' && canTransferStreams(), signal)
        return 'service-worker'
      }
    }
  } catch (err) {
    if (!stream.locked) stream.cancel(err).catch(() => {})
    throw err
  }
}

async function saveAnyWay (stream: ReadableStream<Uint8Array>, meta: SaveMeta, signal: AbortSignal | undefined): Promise<SaveVia> {
  if (hasPicker()) {
    try {
      await toPicker(stream, meta, signal)
      return 'picker'
    } catch (err) {
      // the dialog needs a recent click; without one, the next way needs none
      if (!isDOMException(err, 'SecurityError', 'NotAllowedError')) throw err
    }
  }
  const worker = await downloadWorker()
  if (worker !== undefined) {
    try {
      await toServiceWorker(stream, meta, worker, canTransferStreams(), signal)
      return 'service-worker'
    } catch (err) {
      // the worker never touched the stream: the Blob way still can
      if (!(err instanceof DownloadStartError)) throw err
    }
  }
  await toBlob(stream, meta, signal)
  return 'blob'
}

function isDOMException (err: unknown, ...names: string[]): boolean {
  return err instanceof DOMException && names.includes(err.name)
}

function hasPicker (): boolean {
  return typeof (window as FilePickerWindow).showSaveFilePicker === 'function'
}

async function toPicker (stream: ReadableStream<Uint8Array>, meta: SaveMeta, signal: AbortSignal | undefined): Promise<void> {
  const show = (window as FilePickerWindow).showSaveFilePicker
  if (show === undefined) throw new SaveUnavailableError('This browser has no save dialog for web pages', { via: 'picker' })
  const handle = await show.call(window, { suggestedName: cleanFileName(meta.name) })
  signal?.throwIfAborted()
  const writable = await handle.createWritable()
  // an abort or a failure aborts the writable, which discards the partial file
  await stream.pipeTo(writable, { signal })
}

/** The active service worker of a page it controls, or undefined. */
async function downloadWorker (): Promise<ServiceWorker | undefined> {
  if (!('serviceWorker' in navigator) || navigator.serviceWorker.controller === null) return undefined
  const registration = await navigator.serviceWorker.getRegistration()
  return registration?.active ?? undefined
}

let transferable: boolean | undefined

/** Whether a ReadableStream can be transferred with postMessage (not in every browser). */
export function canTransferStreams (): boolean {
  if (transferable === undefined) {
    const { port1, port2 } = new MessageChannel()
    try {
      const probe = new ReadableStream()
      port1.postMessage(probe, [probe])
      transferable = true
    } catch {
      transferable = false
    } finally {
      port1.close()
      port2.close()
    }
  }
  return transferable
}

/** Resolves when the worker sends `type` on `port`; rejects on timeout, abort or cancel. */
async function expect (port: MessagePort, type: 'ready' | 'started', signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const done = (err?: unknown): void => {
      clearTimeout(timer)
      port.removeEventListener('message', onMessage)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onMessage = (event: MessageEvent<WorkerMessage>): void => {
      if (event.data.type === type) done()
      else if (event.data.type === 'cancel') done(new DOMException(`The download was cancelled: ${event.data.reason}`, 'AbortError'))
    }
    const onAbort = (): void => { done(signal?.reason) }
    const timer = setTimeout(() => { done(new DownloadStartError(undefined, { waitingFor: type })) }, START_TIMEOUT_MS)
    port.addEventListener('message', onMessage)
    port.start()
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function downloadFrame (src: string): HTMLIFrameElement {
  const frame = document.createElement('iframe')
  frame.hidden = true
  // no scripts: should the worker ever be bypassed, whatever loads stays inert
  frame.setAttribute('sandbox', 'allow-downloads allow-same-origin')
  frame.src = src
  document.body.append(frame)
  return frame
}

async function toServiceWorker (stream: ReadableStream<Uint8Array>, meta: SaveMeta, worker: ServiceWorker, transfer: boolean, signal: AbortSignal | undefined): Promise<void> {
  const id = randomDownloadId()
  const { port1: port, port2 } = new MessageChannel()
  const bridge = transfer ? new TransformStream<Uint8Array, Uint8Array>() : undefined
  const request: DownloadRequest = { type: DOWNLOAD_REQUEST, id, name: meta.name, size: meta.size, port: port2, stream: bridge?.readable }
  worker.postMessage(request, bridge === undefined ? [port2] : [port2, bridge.readable])
  const keepalive = setInterval(() => { worker.postMessage({ type: KEEPALIVE }) }, KEEPALIVE_MS)
  let frame: HTMLIFrameElement | undefined
  let started = false
  try {
    await expect(port, 'ready', signal)
    frame = downloadFrame(`${DOWNLOAD_PATH}${id}`)
    await expect(port, 'started', signal)
    started = true
    // the worker's first pull follows `started` in a later task; this
    // continuation runs in the same microtask checkpoint, so the pump listens in time
    if (bridge === undefined) await pumpToPort(stream, port, { signal })
    else await stream.pipeTo(bridge.writable, { signal })
  } catch (err) {
    if (!started) port.postMessage({ type: 'abort' })
    throw err
  } finally {
    clearInterval(keepalive)
    const leftover = frame
    setTimeout(() => { leftover?.remove() }, FRAME_LINGER_MS)
    port.close()
  }
}

async function toBlob (stream: ReadableStream<Uint8Array>, meta: SaveMeta, signal: AbortSignal | undefined): Promise<void> {
  const chunks: Uint8Array[] = []
  const reader = stream.getReader()
  const onAbort = (): void => { reader.cancel(signal?.reason).catch(() => {}) }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    reader.releaseLock()
  }
  signal?.throwIfAborted()
  const url = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: DOWNLOAD_TYPE }))
  const link = document.createElement('a')
  link.href = url
  link.download = cleanFileName(meta.name)
  link.rel = 'noopener'
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => { URL.revokeObjectURL(url) }, REVOKE_AFTER_MS)
}
