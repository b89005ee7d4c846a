/**
 * The service worker's side of streamed downloads (download-protocol.ts):
 * the requests pages registered, each answered once as a file download.
 * Needs only Request/Response, streams and MessagePort, so it runs (and is
 * tested) outside a worker too.
 */
import { downloadHeaders, INERT_HEADERS } from './disposition.ts'
import { downloadIdOf, parseDownloadRequest, REQUEST_TTL_MS, type DownloadRequest, type PageMessage, type WorkerMessage } from './download-protocol.ts'
import { streamFromPort } from './port-stream.ts'

interface Pending {
  request: DownloadRequest
  timer: ReturnType<typeof setTimeout>
  onMessage: (event: MessageEvent<PageMessage>) => void
}

export class DownloadRegistry {
  readonly #pending = new Map<string, Pending>()
  readonly #origin: string
  readonly #ttl: number

  constructor (init: { origin: string, ttlMs?: number }) {
    this.#origin = init.origin
    this.#ttl = init.ttlMs ?? REQUEST_TTL_MS
  }

  get size (): number { return this.#pending.size }

  /**
   * Keeps a download request from a message event's data and says `ready`
   * on its port. Returns false (and keeps nothing) for anything else.
   */
  register (data: unknown): boolean {
    const request = parseDownloadRequest(data)
    if (request === undefined) return false
    this.#drop(request.id, 'replaced')
    const onMessage = (event: MessageEvent<PageMessage>): void => {
      if (event.data.type === 'abort') this.#drop(request.id, 'aborted by the page')
    }
    request.port.addEventListener('message', onMessage)
    request.port.start()
    const timer = setTimeout(() => { this.#drop(request.id, 'never fetched') }, this.#ttl)
    this.#pending.set(request.id, { request, timer, onMessage })
    this.#post(request.port, { type: 'ready' })
    return true
  }

  /**
   * The response for a download URL: the registered stream with download
   * headers (the id is then used up), or 404 for an id nobody registered.
   * Undefined when `url` is not a download URL of this origin.
   */
  respond (url: URL): Response | undefined {
    const id = downloadIdOf(url, this.#origin)
    if (id === undefined) return undefined
    const pending = this.#pending.get(id)
    if (pending === undefined) {
      return new Response('No such download', { status: 404, headers: { ...INERT_HEADERS, 'content-type': 'text/plain; charset=utf-8' } })
    }
    this.#forget(id, pending)
    const { request } = pending
    // `started` goes out before the port stream exists, hence before its first pull
    this.#post(request.port, { type: 'started' })
    const body = request.stream ?? streamFromPort(request.port)
    return new Response(body, { status: 200, headers: downloadHeaders({ name: request.name, ...(request.size !== undefined ? { size: request.size } : {}) }) })
  }

  #forget (id: string, pending: Pending): void {
    clearTimeout(pending.timer)
    pending.request.port.removeEventListener('message', pending.onMessage)
    this.#pending.delete(id)
  }

  #drop (id: string, reason: string): void {
    const pending = this.#pending.get(id)
    if (pending === undefined) return
    this.#forget(id, pending)
    const { request } = pending
    if (request.stream !== undefined) request.stream.cancel(reason).catch(() => {})
    this.#post(request.port, { type: 'cancel', reason })
    request.port.close()
  }

  #post (port: MessagePort, message: WorkerMessage): void {
    port.postMessage(message)
  }
}
