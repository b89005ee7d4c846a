/**
 * /datamesh/bandwidth/2.0.0: measure raw stream throughput to a peer (the
 * network view's bandwidth test, and the benchmarks' raw baseline).
 *
 * Request: an 8-byte big-endian header, the top bit set for a download and
 * the other 63 bits the byte count L. An upload follows it with exactly L
 * bytes; either way the client then closes its writable end.
 *
 * Answer: one frame (../protocol/frame.ts) holding the response envelope
 * (../protocol/envelope.ts), of at most 8 KiB:
 *   upload    { v: 1, ok: true, bytes: <bytes received> }, once all L bytes
 *             and the client's end have arrived;
 *   download  { v: 1, ok: true, bytes: L }, then exactly L raw bytes, then
 *             the server closes;
 *   failure   { v: 1, ok: false, error } (any time before data is sent):
 *             RateLimitedError (the peer limiter refused the stream, or the
 *             peer's byte balance does not cover L, or a test is already
 *             running for this peer or `maxConcurrent` on this node),
 *             InvalidParametersError (L over `maxBytes`), MalformedDataError
 *             (a short header, or more than L bytes), TimeoutError (nothing
 *             arrived for DEFAULT_PROGRESS_TIMEOUT).
 *
 * The server runs under the node's shared PeerLimiter (../limits.ts): each
 * test takes a stream slot, and its L bytes are charged to the peer's byte
 * bucket before anything moves, so eight request bytes cannot make a node
 * send more than the peer's byte budget; at most one test per peer and
 * `maxConcurrent` per node run at once, and an upload is never read past L.
 * The client reports the bytes that actually moved: for an upload the
 * count the server acknowledged, for a download the bytes it received
 * (fewer than asked if the server stopped short; more is an error).
 * Never on relayed connections.
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import { DataMeshError, InvalidParametersError, MalformedDataError, RateLimitedError, TimeoutError } from '../../core/errors.ts'
import { MiB } from '../../core/bytes.ts'
import { offenceOf, PeerLimiter, type LimitsInit, type Ticket } from '../limits.ts'
import type { ProtocolComponents } from '../protocol/components.ts'
import { CLOSE_GRACE, DEFAULT_PROGRESS_TIMEOUT, SMALL_ANSWER_MAX } from '../protocol/constants.ts'
import { answerLimits, decodeResponse, encodeFailure, encodeOk } from '../protocol/envelope.ts'
import { abortError, deadline, raceSignal, readFrame, streamSource, writeFrame } from '../protocol/frame.ts'

export const BANDWIDTH_PROTOCOL = '/datamesh/bandwidth/2.0.0'
const DOWNLOAD = 0x8000_0000
const HEADER_BYTES = 8
const CHUNK = 64 * 1024
/** { v, ok, bytes }, or an error answer */
const ANSWER_LIMITS = answerLimits(SMALL_ANSWER_MAX, { maxItems: 7, maxContainers: 1, maxDepth: 2, maxTextBytes: 8, maxByteStringBytes: 0 })

export interface BandwidthInit {
  /** largest transfer one request may ask for (default 64 MiB; above the limiter's byte burst, none would pass) */
  maxBytes?: number
  /** ms for a whole test (default 120 s) */
  timeout?: number
  /** tests served at once on this node (default 2) */
  maxConcurrent?: number
  /** the node's shared limiter, or settings for one of its own */
  limiter?: PeerLimiter
  limits?: Partial<LimitsInit>
}

export interface BandwidthResult {
  /** bytes that moved, as measured: acknowledged by the peer (upload) or received (download) */
  bytes: number
  ms: number
  /** 10^6 bytes per second, of `bytes` */
  MBps: number
}

export interface BandwidthService {
  upload: (peer: PeerId, bytes: number, options?: { signal?: AbortSignal }) => Promise<BandwidthResult>
  download: (peer: PeerId, bytes: number, options?: { signal?: AbortSignal }) => Promise<BandwidthResult>
}

function header (bytes: number, download: boolean): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES)
  const v = new DataView(h.buffer)
  v.setUint32(0, Math.floor(bytes / 2 ** 32) | (download ? DOWNLOAD : 0))
  v.setUint32(4, bytes >>> 0)
  return h
}

function parse (head: Uint8Array): { bytes: number, download: boolean } {
  const v = new DataView(head.buffer, head.byteOffset, HEADER_BYTES)
  const hi = v.getUint32(0)
  return { download: (hi & DOWNLOAD) !== 0, bytes: (hi & ~DOWNLOAD) * 2 ** 32 + v.getUint32(4) }
}

async function send (stream: Stream, bytes: number, signal: AbortSignal): Promise<void> {
  const block = new Uint8Array(CHUNK)
  for (let sent = 0; sent < bytes; sent += CHUNK) {
    if (!stream.send(block.subarray(0, Math.min(CHUNK, bytes - sent)))) await raceSignal(stream.onDrain({ signal }), signal)
  }
}

/**
 * The stream's bytes after its first `skip`, counted and dropped until the
 * peer's end: `onPrefix` gets the first `skip` bytes once they are in and
 * returns how many may follow; one more is MalformedDataError
 * ('trailing-data'), and a gap of `idleMs` with nothing arriving is
 * TimeoutError ('stalled').
 */
async function drain (stream: Stream, skip: number, idleMs: number, signal: AbortSignal, onPrefix: (prefix: Uint8Array) => number): Promise<number> {
  const prefix = new Uint8Array(skip)
  let have = 0
  let count = 0
  let max = 0
  const idle = new AbortController()
  let timer = setTimeout(() => { idle.abort(new TimeoutError('The peer stopped sending', { reason: 'stalled' })) }, idleMs)
  const both = AbortSignal.any([signal, idle.signal])
  try {
    await raceSignal((async () => {
      for await (const chunk of streamSource(stream)) {
        clearTimeout(timer)
        timer = setTimeout(() => { idle.abort(new TimeoutError('The peer stopped sending', { reason: 'stalled' })) }, idleMs)
        let bytes = chunk.subarray()
        if (have < skip) {
          const take = Math.min(skip - have, bytes.byteLength)
          prefix.set(bytes.subarray(0, take), have)
          have += take
          bytes = bytes.subarray(take)
          if (have === skip) max = onPrefix(prefix)
        }
        count += bytes.byteLength
        if (count > max) throw new MalformedDataError(`More than the ${max} bytes announced`, { reason: 'trailing-data' })
      }
    })(), both)
  } finally {
    clearTimeout(timer)
  }
  if (have < skip) throw new MalformedDataError('The stream ended before its header', { reason: 'truncated' })
  return count
}

class Bandwidth implements BandwidthService {
  readonly #c: ProtocolComponents
  readonly #max: number
  readonly #timeout: number
  readonly #maxConcurrent: number
  readonly #limiter: PeerLimiter
  readonly #log: Logger
  /** peers with a test running here */
  readonly #running = new Set<string>()

  constructor (components: ProtocolComponents, init: BandwidthInit) {
    this.#c = components
    this.#max = init.maxBytes ?? 64 * MiB
    this.#timeout = init.timeout ?? 120_000
    this.#maxConcurrent = init.maxConcurrent ?? 2
    this.#limiter = init.limiter ?? new PeerLimiter(init.limits)
    this.#log = components.logger.forComponent('datamesh:net:bandwidth')
  }

  async start (): Promise<void> {
    await this.#c.registrar.handle(BANDWIDTH_PROTOCOL, (stream, connection) => { void this.#serve(stream, connection) }, { maxInboundStreams: 2, maxOutboundStreams: 2, runOnLimitedConnection: false })
  }

  async stop (): Promise<void> {
    await this.#c.registrar.unhandle(BANDWIDTH_PROTOCOL)
  }

  async #serve (stream: Stream, connection: Connection): Promise<void> {
    const key = connection.remotePeer.toString()
    if (this.#limiter.isBanned(key)) {
      stream.abort(new RateLimitedError('Refused: this peer is banned for a while', { reason: 'banned' }))
      return
    }
    const signal = deadline(this.#timeout)
    let ticket: Ticket | undefined
    let mine = false
    let drained = false
    let sending = false
    try {
      if (this.#running.has(key)) throw new RateLimitedError('A bandwidth test with this peer is already running', { reason: 'bandwidth-per-peer', retryAfter: 1000 })
      if (this.#running.size >= this.#maxConcurrent) throw new RateLimitedError('Bandwidth tests are running with other peers: retry later', { reason: 'bandwidth', retryAfter: 1000, scope: 'node' })
      ticket = this.#limiter.admit(key)
      this.#running.add(key)
      mine = true
      let download = false
      let expected = 0
      // an upload's body is counted as it comes, and never read past L
      const received = await drain(stream, HEADER_BYTES, DEFAULT_PROGRESS_TIMEOUT, signal, head => {
        const asked = parse(head)
        if (asked.bytes > this.#max) throw new InvalidParametersError(`A bandwidth test moves at most ${this.#max} bytes`, { bytes: asked.bytes, maxBytes: this.#max })
        this.#limiter.take(key, asked.bytes)
        download = asked.download
        expected = asked.bytes
        return download ? 0 : expected
      })
      drained = true
      if (download ? received !== 0 : received !== expected) {
        throw new MalformedDataError(download ? 'A download request carries no body' : `Announced ${expected} bytes, sent ${received}`, { reason: 'truncated' })
      }
      await writeFrame(stream, encodeOk({ bytes: download ? expected : received }), signal)
      sending = true
      if (download) await send(stream, expected, signal)
      await stream.close({ signal })
    } catch (caught) {
      const err = signal.aborted && !(caught instanceof DataMeshError) ? abortError(signal) : caught
      this.#log('bandwidth test from %p failed: %s', connection.remotePeer, (err as Error)?.message)
      const offence = offenceOf(err)
      if (offence !== undefined) this.#limiter.penalize(key, offence)
      if (sending) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      } else {
        try {
          const closing = deadline(CLOSE_GRACE)
          await writeFrame(stream, encodeFailure(err), closing)
          if (!drained) await stream.closeRead({ signal: closing })
          await stream.close({ signal: closing })
        } catch {
          stream.abort(err instanceof Error ? err : new Error(String(err)))
        }
      }
    } finally {
      ticket?.release()
      if (mine) this.#running.delete(key)
    }
  }

  #check (bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > this.#max) throw new InvalidParametersError(`A bandwidth test moves 0 to ${this.#max} bytes`, { bytes })
  }

  async upload (peer: PeerId, bytes: number, options: { signal?: AbortSignal } = {}): Promise<BandwidthResult> {
    this.#check(bytes)
    const signal = deadline(this.#timeout, options.signal)
    const t0 = performance.now()
    const stream = await raceSignal(this.#c.connectionManager.openStream(peer, BANDWIDTH_PROTOCOL, { signal }), signal)
    let sent = false
    const sending = (async () => {
      stream.send(header(bytes, false))
      await send(stream, bytes, signal)
      await stream.close({ signal })
      sent = true
    })()
    // a refusal can come before everything is sent: the abort ends the read below with the same error
    sending.catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) })
    try {
      const answer = await readFrame(stream, { maxBytes: ANSWER_LIMITS.maxBytes, signal })
      if (!sent) stream.abort(new Error('Answered before the upload was sent'))
      const acknowledged = readAnswer(answer)
      if (acknowledged > bytes) throw new MalformedDataError(`The peer acknowledged ${acknowledged} of ${bytes} bytes sent`)
      return result(acknowledged, performance.now() - t0)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  async download (peer: PeerId, bytes: number, options: { signal?: AbortSignal } = {}): Promise<BandwidthResult> {
    this.#check(bytes)
    const signal = deadline(this.#timeout, options.signal)
    const t0 = performance.now()
    const stream = await raceSignal(this.#c.connectionManager.openStream(peer, BANDWIDTH_PROTOCOL, { signal }), signal)
    try {
      stream.send(header(bytes, true))
      await stream.close({ signal })
      const count = await receiveDownload(stream, bytes, signal)
      return result(count, performance.now() - t0)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }
}

/** The `bytes` of an ok answer, or the answered error thrown. */
function readAnswer (frame: Uint8Array): number {
  return decodeResponse(frame, ANSWER_LIMITS, 'bandwidth answer', r => r.int('bytes', 0, Number.MAX_SAFE_INTEGER))
}

/** Read a download's answer frame, then count the raw bytes after it (at most `bytes`). */
async function receiveDownload (stream: Stream, bytes: number, signal: AbortSignal): Promise<number> {
  let head: Uint8Array = new Uint8Array(0)
  let answered = false
  let count = 0
  await raceSignal((async () => {
    for await (const chunk of streamSource(stream)) {
      let data = chunk.subarray()
      if (!answered) {
        head = concat(head, data)
        const frame = splitFrame(head)
        if (frame === undefined) continue
        const announced = readAnswer(frame.body)
        if (announced !== bytes) throw new MalformedDataError(`The peer announced ${announced} of ${bytes} bytes`)
        answered = true
        data = frame.rest
      }
      count += data.byteLength
      if (count > bytes) throw new MalformedDataError(`Received more than the ${bytes} bytes asked for`, { reason: 'trailing-data' })
    }
  })(), signal)
  if (!answered) {
    if (head.byteLength > 0) throw new MalformedDataError('The stream ended in the middle of the answer', { reason: 'truncated' })
    throw new MalformedDataError('The stream ended before the answer', { reason: 'empty' })
  }
  return count
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

/** The frame at the start of `bytes` and what follows it, once it is complete (its varint prefix is at most 2 bytes: 8 KiB). */
function splitFrame (bytes: Uint8Array): { body: Uint8Array, rest: Uint8Array } | undefined {
  let length = 0
  let prefix = 0
  for (let i = 0; ; i++) {
    if (i === bytes.byteLength) return undefined
    const b = bytes[i] as number
    length += (b & 0x7f) * 128 ** i
    if ((b & 0x80) === 0) { prefix = i + 1; break }
    if (i === 1) throw new MalformedDataError('The answer is too large', { reason: 'oversize' })
  }
  if (length > ANSWER_LIMITS.maxBytes) throw new MalformedDataError('The answer is too large', { reason: 'oversize' })
  if (bytes.byteLength < prefix + length) return undefined
  return { body: bytes.subarray(prefix, prefix + length), rest: bytes.subarray(prefix + length) }
}

function result (bytes: number, ms: number): BandwidthResult {
  return { bytes, ms: Math.round(ms * 10) / 10, MBps: Math.round(bytes / 1e3 / Math.max(ms, 0.001) * 10) / 10 }
}

/** The request header's codec and the answer's decoder, as the module header specifies them. */
export { header as encodeBandwidthHeader, parse as parseBandwidthHeader, readAnswer as decodeBandwidthAnswer }

export function bandwidth (init: BandwidthInit = {}): (components: ProtocolComponents) => BandwidthService {
  return (components) => new Bandwidth(components, init)
}
