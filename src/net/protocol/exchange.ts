/**
 * One request and one response per stream, for both sides.
 *
 * Server (`serveStream`), for every inbound stream:
 *   1. a banned peer's stream is reset and its connections dropped;
 *   2. the limiter admits the request or it is answered RateLimitedError;
 *   3. one request frame is read (the operation's size cap, reserved with
 *      the limiter when its length is announced; the first byte within
 *      `firstByteTimeoutMs`, then progress every `progressTimeoutMs`, all
 *      within `timeout`), then decoded and handled by the protocol; the
 *      reserved bytes are given back once it is handled. Any failure becomes
 *      a typed error answer, and failures the peer is to blame for add
 *      misbehaviour points (a refusal because the node is busy with others
 *      is not one);
 *   4. the answer is written, the stream closed and the limiter slot freed;
 *      a peer that does not close its end within CLOSE_GRACE gets a reset
 *      (libp2p's per-connection stream limit bounds such leftovers).
 *      Nothing here throws: a bad peer costs at most one aborted stream.
 *
 * Client (`sendRequest`): opens a stream (never on a limited, i.e. relayed,
 * connection), writes the request and closes its writable end while already
 * reading the answer, so an early refusal is seen at once. Every step runs
 * under one deadline: TimeoutError when it passes, AbortedError when the
 * caller's signal fires. An answer, once begun, must keep arriving (the
 * same progress watch as the server's).
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import { RateLimitedError } from '../../core/errors.ts'
import { offenceOf, type PeerLimiter, type Ticket } from '../limits.ts'
import type { ConnectionManagerSlice } from './components.ts'
import { CLOSE_GRACE, DEFAULT_FIRST_BYTE_TIMEOUT, DEFAULT_PROGRESS_TIMEOUT, MIN_PROGRESS_BYTES } from './constants.ts'
import { encodeFailure } from './envelope.ts'
import { abortError, deadline, raceSignal, readFrame, writeFrame } from './frame.ts'

export interface RequestContext {
  /** the remote peer */
  peer: PeerId
  /** aborts when the request's time is up */
  signal: AbortSignal
}

export interface ServeOptions {
  limiter: PeerLimiter
  /** cap of a request frame body */
  maxRequestBytes: number
  /** ms for reading and handling one request, and again for writing its answer */
  timeout: number
  /** ms for the request's first byte (default DEFAULT_FIRST_BYTE_TIMEOUT) */
  firstByteTimeoutMs?: number
  /** ms within which an incomplete request must bring MIN_PROGRESS_BYTES more (default DEFAULT_PROGRESS_TIMEOUT) */
  progressTimeoutMs?: number
  log: Logger
  /** decode and handle one request frame; returns the encoded answer */
  handle: (frame: Uint8Array, context: RequestContext) => Promise<Uint8Array>
  /** close every connection to a peer that was just banned (or came back while banned) */
  drop: (peer: PeerId) => void
}

export async function serveStream (stream: Stream, connection: Connection, options: ServeOptions): Promise<void> {
  const { limiter, log } = options
  const peer = connection.remotePeer
  const key = peer.toString()
  if (limiter.isBanned(key)) {
    log('refusing a stream from banned peer %p', peer)
    stream.abort(new RateLimitedError('Refused: this peer is banned for a while', { reason: 'banned' }))
    options.drop(peer)
    return
  }
  let ticket: Ticket | undefined
  let drained = false
  let banned = false
  let answer: Uint8Array
  const signal = deadline(options.timeout)
  try {
    ticket = limiter.admit(key)
    const frame = await readFrame(stream, {
      maxBytes: options.maxRequestBytes,
      signal,
      onLength: ticket.reserve,
      firstByteTimeoutMs: options.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT,
      progressTimeoutMs: options.progressTimeoutMs ?? DEFAULT_PROGRESS_TIMEOUT,
      minProgressBytes: MIN_PROGRESS_BYTES
    })
    drained = true
    limiter.charge(key, frame.byteLength)
    answer = await options.handle(frame, { peer, signal })
  } catch (caught) {
    // the store reports its own cancellation as AbortedError: say why
    const err = signal.aborted && (caught as Error)?.name === 'AbortedError' ? abortError(signal) : caught
    answer = encodeFailure(err)
    // a slow request is the peer's fault; a slow answer is ours
    const offence = drained && (err as Error)?.name === 'TimeoutError' ? undefined : offenceOf(err)
    log('request from %p failed: %s%s', peer, (err as Error)?.message, offence === undefined ? '' : ` (${offence})`)
    if (offence !== undefined) banned = limiter.penalize(key, offence)
  }
  // the request is handled or dropped: its bytes no longer count against the node
  ticket?.releaseBytes()
  try {
    const writeSignal = deadline(options.timeout)
    await writeFrame(stream, answer, writeSignal)
    limiter.charge(key, answer.byteLength)
    if (!drained) await stream.closeRead({ signal: writeSignal })
    await stream.close({ signal: writeSignal })
    // answered: the request no longer counts against the peer while its end lingers
    ticket?.release()
    if (!banned) await settle(stream, CLOSE_GRACE)
  } catch (err) {
    log('answering %p failed: %s', peer, (err as Error)?.message)
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  } finally {
    ticket?.release()
  }
  if (banned) {
    log.error('banning peer %p for misbehaving', peer)
    options.drop(peer)
  }
}

/** Wait up to `ms` for the peer to close its end too, then reset the stream. */
async function settle (stream: Stream, ms: number): Promise<void> {
  if (stream.status !== 'open' && stream.status !== 'closing') return
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => {
      stream.removeEventListener('close', done)
      stream.abort(new Error('The peer did not close its end of the stream'))
      resolve()
    }, ms)
    function done (): void {
      clearTimeout(timer)
      resolve()
    }
    stream.addEventListener('close', done, { once: true })
  })
}

export interface SendRequestOptions {
  /** ms for the whole exchange */
  timeout: number
  /** cap of the answer frame body */
  maxResponseBytes: number
  /** ms within which an answer, once begun, must bring MIN_PROGRESS_BYTES more (default DEFAULT_PROGRESS_TIMEOUT) */
  progressTimeoutMs?: number
  signal?: AbortSignal
}

/** Send one request frame to `peer` on `protocol` and return the answer frame. */
export async function sendRequest (connectionManager: ConnectionManagerSlice, peer: PeerId, protocol: string, body: Uint8Array, options: SendRequestOptions): Promise<Uint8Array> {
  const signal = deadline(options.timeout, options.signal)
  let stream: Stream
  try {
    stream = await raceSignal(connectionManager.openStream(peer, protocol, { signal, runOnLimitedConnection: false }), signal)
  } catch (err) {
    throw signal.aborted ? abortError(signal) : err
  }
  let sent = false
  const sending = (async () => {
    await writeFrame(stream, body, signal)
    await stream.close({ signal })
    sent = true
  })()
  // a failed write fails the exchange at once: the abort ends the read below with the same error
  sending.catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) })
  try {
    // no first-byte limit: the holder may take the whole deadline to handle the request
    const answer = await readFrame(stream, {
      maxBytes: options.maxResponseBytes,
      signal,
      progressTimeoutMs: options.progressTimeoutMs ?? DEFAULT_PROGRESS_TIMEOUT,
      minProgressBytes: MIN_PROGRESS_BYTES
    })
    // answered before the request was fully sent (a refusal): stop sending
    if (!sent) stream.abort(new Error('Answered before the request was sent'))
    return answer
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
