/**
 * Frames: one unsigned-varint length prefix (it-length-prefixed, the
 * multiformats unsigned-varint spec) followed by that many bytes of dag-cbor.
 *
 * Every stream carries exactly one frame each way: the side that sends its
 * frame then closes its writable end, so a read is "one frame, then the end
 * of the peer's writes". More data after the frame, a length prefix over the
 * cap, a malformed prefix or a stream ending mid-frame are all
 * MalformedDataError (details.reason: 'oversize', 'bad-length', 'truncated',
 * 'empty', 'trailing-data'). A read that outlives its signal fails with
 * TimeoutError (or AbortedError when the caller cancelled).
 *
 * A read may also be watched for progress: the first byte must arrive
 * within `firstByteTimeoutMs`, and while the frame is incomplete every
 * window of `progressTimeoutMs` must bring `minProgressBytes` (or the rest
 * of the frame); once the frame is complete the peer must close its end
 * within one more window. A stalled read fails with TimeoutError
 * (details.reason 'stalled') long before the exchange's deadline, so a
 * peer that announces a large frame and sends nothing holds its
 * reservation for seconds, not for the whole exchange.
 */
import * as lp from 'it-length-prefixed'
import { setMaxListeners, type Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { AbortedError, DataMeshError, MalformedDataError, TimeoutError } from '../../core/errors.ts'

export interface ReadFrameOptions {
  /** largest frame body accepted, in bytes */
  maxBytes: number
  signal: AbortSignal
  /** called with the announced body length before the body is read; may throw to refuse */
  onLength?: (length: number) => void
  /** ms for the first byte to arrive (default: only `signal` limits the wait) */
  firstByteTimeoutMs?: number
  /** while the frame is incomplete, each window of this many ms must bring `minProgressBytes` (default: unwatched) */
  progressTimeoutMs?: number
  /** bytes each progress window must bring, or the rest of the frame when less (default 1) */
  minProgressBytes?: number
}

type Source = AsyncIterable<Uint8Array | Uint8ArrayList>
type Chunk = Uint8Array | Uint8ArrayList

/** Read one frame followed by the end of the peer's writes. */
export async function readFrame (stream: Stream, options: ReadFrameOptions): Promise<Uint8Array> {
  if (options.firstByteTimeoutMs === undefined && options.progressTimeoutMs === undefined) {
    return await raceSignal(readOne(streamSource(stream), options), options.signal)
  }
  const watch = new ProgressWatch(options)
  const signal = AbortSignal.any([options.signal, watch.signal])
  setMaxListeners(Infinity, signal)
  try {
    return await raceSignal(readOne(watch.counted(streamSource(stream)), {
      ...options,
      onLength: length => {
        options.onLength?.(length)
        watch.announced(length)
      }
    }), signal)
  } finally {
    watch.stop()
  }
}

/** Aborts its signal with TimeoutError('stalled') when a read stops making progress (see the module header). */
class ProgressWatch {
  readonly #controller = new AbortController()
  readonly #windowMs: number | undefined
  readonly #minBytes: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #received = 0
  #checked = 0
  #stopped = false
  /** bytes of the whole frame (prefix and body), once its length is known */
  #frameBytes: number | undefined

  constructor (options: ReadFrameOptions) {
    this.#windowMs = options.progressTimeoutMs
    this.#minBytes = Math.max(1, options.minProgressBytes ?? 1)
    // without a first-byte limit, the watch starts with the first byte
    this.#arm(options.firstByteTimeoutMs)
  }

  get signal (): AbortSignal {
    return this.#controller.signal
  }

  /** The body length is known: the frame is its varint prefix and the body. */
  announced (bodyBytes: number): void {
    this.#frameBytes = varintLength(bodyBytes) + bodyBytes
  }

  counted (source: Source): Source {
    const watch = this
    return {
      async * [Symbol.asyncIterator] () {
        for await (const chunk of source) {
          if (watch.#received === 0) watch.#firstByte()
          watch.#received += chunk.byteLength
          yield chunk
        }
      }
    }
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** The first window starts with the first byte. */
  #firstByte (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#arm(this.#windowMs)
  }

  #arm (ms: number | undefined): void {
    if (ms === undefined || this.#stopped) return
    this.#timer = setTimeout(() => { this.#check() }, ms)
  }

  #check (): void {
    const left = this.#frameBytes === undefined ? Infinity : this.#frameBytes - this.#received
    const got = this.#received - this.#checked
    // a frame completed in this window waits one more for the peer's end
    const need = this.#received === 0 ? 1 : left <= 0 ? (got > 0 ? 0 : Infinity) : Math.min(this.#minBytes, left)
    if (got < need) {
      const what = this.#received === 0 ? 'sent nothing' : left <= 0 ? 'did not close its end' : 'stopped sending'
      this.#controller.abort(new TimeoutError(`The peer ${what}`, { reason: 'stalled', received: this.#received }))
      return
    }
    this.#checked = this.#received
    this.#arm(this.#windowMs)
  }
}

/** Bytes of the unsigned-varint prefix announcing `n`. */
function varintLength (n: number): number {
  let bytes = 1
  while (n >= 128) { n = Math.floor(n / 128); bytes++ }
  return bytes
}

/**
 * The stream's data until the peer's writes end. Unlike the stream's own
 * async iterator (libp2p 3.3), this also ends when the peer closed its end
 * before we started listening: multistream-select reads ahead during
 * negotiation, sees the peer's end (so 'remoteCloseWrite' and 'end' fire
 * early), then puts the bytes it read past the protocol id back on the
 * stream. A short answer or request and its end often arrive that way.
 */
export function streamSource (stream: Stream): Source {
  return {
    [Symbol.asyncIterator]: () => {
      const queue: Chunk[] = []
      let ended = false
      let failure: Error | undefined
      let wake: (() => void) | undefined
      const notify = (): void => { const w = wake; wake = undefined; w?.() }
      const onMessage = (evt: { data: Chunk }): void => { queue.push(evt.data); notify() }
      const onEnd = (): void => { ended = true; notify() }
      const onClose = (evt: { error?: Error }): void => { ended = true; failure = evt.error; notify() }
      stream.addEventListener('message', onMessage)
      stream.addEventListener('end', onEnd)
      stream.addEventListener('close', onClose)
      const cleanup = (): void => {
        stream.removeEventListener('message', onMessage)
        stream.removeEventListener('end', onEnd)
        stream.removeEventListener('close', onClose)
      }
      // the end may have come before we listened, even with bytes still buffered
      if (stream.readableEnded || stream.remoteWriteStatus === 'closed') ended = true
      return {
        next: async (): Promise<IteratorResult<Chunk>> => {
          while (true) {
            const chunk = queue.shift()
            if (chunk !== undefined) return { value: chunk, done: false }
            if (failure !== undefined) { cleanup(); throw failure }
            // bytes put back by protocol negotiation are dispatched in a microtask: wait for them
            if (ended && stream.readBufferLength === 0) { cleanup(); return { value: undefined, done: true } }
            await new Promise<void>(resolve => { wake = resolve })
          }
        },
        async return (): Promise<IteratorResult<Chunk>> {
          cleanup()
          return { value: undefined, done: true }
        }
      }
    }
  }
}

async function readOne (source: Source, options: ReadFrameOptions): Promise<Uint8Array> {
  let frame: Uint8Array | undefined
  try {
    const decoderOptions: lp.DecoderOptions = { maxDataLength: options.maxBytes }
    if (options.onLength !== undefined) decoderOptions.onLength = options.onLength
    for await (const chunk of lp.decode(source, decoderOptions)) {
      if (frame !== undefined) throw new MalformedDataError('More than one frame on a stream', { reason: 'trailing-data' })
      frame = chunk.subarray()
    }
  } catch (err) {
    throw mapDecodeError(err, options.maxBytes)
  }
  if (frame === undefined) throw new MalformedDataError('The stream ended before a frame arrived', { reason: 'empty' })
  return frame
}

function mapDecodeError (err: unknown, maxBytes: number): unknown {
  if (err instanceof DataMeshError) return err
  const name = (err as { name?: unknown })?.name
  switch (name) {
    case 'InvalidDataLengthError':
      return new MalformedDataError(`Frame larger than ${maxBytes} bytes`, { reason: 'oversize', maxBytes })
    case 'InvalidDataLengthLengthError':
    case 'InvalidMessageLengthError':
      return new MalformedDataError('Malformed frame length prefix', { reason: 'bad-length' })
    case 'UnexpectedEOFError':
      return new MalformedDataError('The stream ended in the middle of a frame', { reason: 'truncated' })
    default:
      return err
  }
}

/** Queue one frame on the stream, waiting for the transport to drain when its buffer is full. */
export async function writeFrame (stream: Pick<Stream, 'send' | 'onDrain'>, body: Uint8Array, signal: AbortSignal): Promise<void> {
  // it-length-prefixed refuses bodies over 4 MiB unless told otherwise; callers cap sizes themselves
  if (!stream.send(lp.encode.single(body, { maxDataLength: body.byteLength }))) {
    await raceSignal(stream.onDrain({ signal }), signal)
  }
}

/** The typed error for an aborted signal: TimeoutError for a time limit, else AbortedError. */
export function abortError (signal: AbortSignal): DataMeshError {
  const reason: unknown = signal.reason
  if (reason instanceof DataMeshError) return reason
  if ((reason as { name?: unknown })?.name === 'TimeoutError') return new TimeoutError('The peer did not answer in time')
  return new AbortedError()
}

/** Settle with `promise`, or reject with abortError(signal) as soon as the signal aborts. */
export async function raceSignal<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {}) // a loser's later rejection is not unhandled
  if (signal.aborted) throw abortError(signal)
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(abortError(signal)) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } catch (err) {
    throw signal.aborted ? abortError(signal) : err
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/** A signal that aborts after `timeout` ms or when `signal` aborts, whichever is first. */
export function deadline (timeout: number, signal?: AbortSignal): AbortSignal {
  const timer = AbortSignal.timeout(timeout)
  const combined = signal === undefined ? timer : AbortSignal.any([timer, signal])
  setMaxListeners(Infinity, combined)
  return combined
}
