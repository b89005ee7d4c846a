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
}

type Source = AsyncIterable<Uint8Array | Uint8ArrayList>
type Chunk = Uint8Array | Uint8ArrayList

/** Read one frame followed by the end of the peer's writes. */
export async function readFrame (stream: Stream, options: ReadFrameOptions): Promise<Uint8Array> {
  return await raceSignal(readOne(streamSource(stream), options), options.signal)
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
