/**
 * Streamed downloads through the service worker, version 1: how the page
 * hands a ReadableStream to the worker, which answers a navigation with it as
 * a file download. Nothing goes to a server: the response body is the page's
 * stream.
 *
 * 1. The page posts a DownloadRequest to the active worker with a fresh
 *    MessagePort and, where streams are transferable, the stream itself.
 * 2. The worker keeps it under its random id and says `ready` on the port.
 * 3. The page navigates a hidden iframe to DOWNLOAD_PATH + id. The worker
 *    answers that request once (an unknown or used id gets 404) with the
 *    stream and download headers (disposition.ts: always
 *    application/octet-stream as an attachment; the request carries no
 *    type), and says `started`.
 * 4. Without a transferred stream the bytes come over the port, pulled: the
 *    worker asks for `count` more chunks (`pull`) whenever its response wants
 *    more, the page answers with up to that many `chunk`s, then `end` or
 *    `error` (port-stream.ts).
 * 5. `cancel` (worker to page): the browser cancelled the download.
 *    `abort` (page to worker): drop the request before it started.
 *    A request not fetched within REQUEST_TTL_MS is dropped and its stream
 *    cancelled.
 * 6. While a download runs the page posts KEEPALIVE to the worker now and
 *    then: each message event keeps an otherwise idle worker alive.
 */

export const DOWNLOAD_REQUEST = 'datamesh:download/1'
export const KEEPALIVE = 'datamesh:keepalive/1'
/** the same-origin path prefix the worker answers downloads under */
export const DOWNLOAD_PATH = '/__download/'
/** ids are 128 random bits in lower-case hex */
export const ID_PATTERN = /^[0-9a-f]{32}$/

/** a registered download the iframe does not fetch in this time is dropped */
export const REQUEST_TTL_MS = 60_000
/** how often the page pings the worker during a download (browsers stop idle workers after about 30 s) */
export const KEEPALIVE_MS = 10_000

export interface DownloadRequest {
  type: typeof DOWNLOAD_REQUEST
  id: string
  name: string
  size?: number
  port: MessagePort
  /** present where ReadableStream is transferable; otherwise the bytes come over `port` */
  stream?: ReadableStream<Uint8Array>
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'started' }
  /** send `count` more chunks */
  | { type: 'pull', count: number }
  | { type: 'cancel', reason: string }

export type PageMessage =
  | { type: 'chunk', chunk: Uint8Array }
  | { type: 'end' }
  | { type: 'error', message: string }
  | { type: 'abort' }

export function randomDownloadId (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

/** The request in a message event's data, or undefined when it is not a well-formed one. */
export function parseDownloadRequest (data: unknown): DownloadRequest | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as Partial<Record<keyof DownloadRequest, unknown>>
  if (d.type !== DOWNLOAD_REQUEST) return undefined
  if (typeof d.id !== 'string' || !ID_PATTERN.test(d.id)) return undefined
  if (typeof d.name !== 'string') return undefined
  if (d.size !== undefined && (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)) return undefined
  if (!(d.port instanceof MessagePort)) return undefined
  if (d.stream !== undefined && !(d.stream instanceof ReadableStream)) return undefined
  return d as DownloadRequest
}

/** The download id a same-origin URL asks for, or undefined when it is not a download URL. */
export function downloadIdOf (url: URL, origin: string): string | undefined {
  if (url.origin !== origin || !url.pathname.startsWith(DOWNLOAD_PATH)) return undefined
  return url.pathname.slice(DOWNLOAD_PATH.length)
}
