/**
 * Per-peer limits and misbehaviour scoring for the DataMesh protocol servers.
 *
 * - Requests: a token bucket per peer (`requestsPerSecond`, burst
 *   `requestBurst`); a request needs one token.
 * - Bytes: a token bucket per peer (`bytesPerSecond`, burst `bytesBurst`).
 *   A request is admitted only while the peer's byte balance is positive;
 *   the request and response sizes are charged afterwards, so the balance
 *   may go negative and a peer that just moved a large shard waits until it
 *   is repaid.
 * - Concurrency: at most `maxStreamsPerPeer` requests in progress per peer
 *   and `maxStreams` per node, and at most `maxInflightBytesPerPeer` (per
 *   peer) and `maxInflightBytes` (per node) of announced request bodies
 *   being received or handled at once (bounds memory).
 * - Fair shares: a peer may hold more than `fairStreams` streams, or more
 *   than `fairInflightBytes` of request bodies, only while the rest of the
 *   node is otherwise idle: while all other peers together hold no more
 *   than one fair share. So a few peer ids that announce large frames and
 *   then stall cannot take the node-wide budgets: the first takes at most
 *   its per-peer caps, each other one a fair share, and with the defaults
 *   six such peers still leave room for everybody else (64 MiB + 5 × 32 MiB
 *   of 256 MiB; 8 + 5 × 6 of 64 streams). The read timeouts of exchange.ts
 *   free a stalled reservation within seconds.
 * - Misbehaviour: offences add points (OFFENCE_POINTS); points decay by
 *   `scoreDecayPerSecond`. A peer reaching `banThreshold` is banned for
 *   `banDuration`: the service closes its connections and refuses its
 *   streams until then. Its score restarts at zero after the ban. An
 *   optional listener is told of each offence counted (the node's
 *   reputation book keeps them longer: src/net/reputation.ts).
 *
 * Refusals are RateLimitedError (details.reason, details.retryAfter in ms,
 * and details.scope: 'peer' when the peer went past its own limits, 'node'
 * when the node is busy with others). Only a peer-scoped refusal counts as
 * an offence: an honest peer refused because others fill the node is never
 * scored for it. The limiter only counts; closing connections is the
 * service's job.
 * Memory is bounded: at most `maxTrackedPeers` peers are tracked, idle ones
 * are forgotten first.
 */
import { DataMeshError, RateLimitedError } from '../core/errors.ts'
import { MiB } from '../core/bytes.ts'

const second = 1000
const minute = 60 * second

export interface LimitsInit {
  requestsPerSecond: number
  requestBurst: number
  bytesPerSecond: number
  bytesBurst: number
  maxStreamsPerPeer: number
  maxStreams: number
  /** streams a peer may hold while other peers hold more than this many together */
  fairStreams: number
  maxInflightBytesPerPeer: number
  maxInflightBytes: number
  /** request bytes a peer may hold while other peers hold more than this much together */
  fairInflightBytes: number
  banThreshold: number
  scoreDecayPerSecond: number
  banDuration: number
  maxTrackedPeers: number
}

export const DEFAULT_LIMITS: Readonly<LimitsInit> = Object.freeze({
  /**
   * a reader asks each holder once or twice per stripe; a tab storing a few
   * hundred small files a second sends each holder a few hundred batched
   * store requests (at most two at a time); concurrency is bounded below
   */
  requestsPerSecond: 500,
  requestBurst: 1000,
  /** above the ~55 MB/s one WebSocket connection carries on the project's machines */
  bytesPerSecond: 64 * MiB,
  bytesBurst: 128 * MiB,
  /** parallel transfers from one peer (a stripe's shards go to distinct peers) */
  maxStreamsPerPeer: 8,
  maxStreams: 64,
  /** two store-many and a read window of four stripes (a shard each) at once */
  fairStreams: 6,
  /** four frames of the largest shard (a writer keeps at most two stripes and two batches going per holder) */
  maxInflightBytesPerPeer: 64 * MiB,
  /** 16 MiB frames at most: 16 of them being received at once */
  maxInflightBytes: 256 * MiB,
  /** an eighth of the node: two frames of the largest shard */
  fairInflightBytes: 32 * MiB,
  /** ten malformed frames, or four bad signatures */
  banThreshold: 100,
  /** a point every 10 s: an occasional glitch is forgotten within minutes */
  scoreDecayPerSecond: 0.1,
  banDuration: 10 * minute,
  maxTrackedPeers: 10_000
})

export type Offence = 'malformed' | 'oversize' | 'bad-signature' | 'corrupt' | 'timeout' | 'rate'

export const OFFENCE_POINTS: Readonly<Record<Offence, number>> = Object.freeze({
  malformed: 10,
  oversize: 25,
  'bad-signature': 25,
  /** noise authenticates the channel, so corrupt bytes were sent corrupt */
  corrupt: 10,
  /** slow or stalled request (slowloris) */
  timeout: 5,
  /** kept asking while refused */
  rate: 1
})

/** The offence a failed request shows, if the peer is to blame for it. */
export function offenceOf (err: unknown): Offence | undefined {
  if (!(err instanceof DataMeshError)) return undefined
  const reason = err.details.reason
  switch (err.name) {
    case 'MalformedDataError': return reason === 'oversize' ? 'oversize' : 'malformed'
    case 'NotAllowedError': return reason === 'bad-signature' ? 'bad-signature' : undefined
    case 'CorruptShardError': return reason === 'sent-corrupt' ? 'corrupt' : undefined
    case 'TimeoutError': return 'timeout'
    // refused because the node is busy with others: not this peer's doing
    case 'RateLimitedError': return err.details.scope === 'node' ? undefined : 'rate'
    default: return undefined
  }
}

/** A request in progress; release it exactly once when done. */
export interface Ticket {
  /** Reserve room for an announced request body; RateLimitedError when the peer or the node is full. */
  reserve: (bytes: number) => void
  /** Give back the reserved bytes (the body was handled, or dropped), keeping the stream slot. */
  releaseBytes: () => void
  /** Give back the stream slot and any reserved bytes. */
  release: () => void
}

interface PeerState {
  requests: number
  bytes: number
  refilled: number
  streams: number
  inflightBytes: number
  score: number
  scored: number
  bannedUntil: number
}

/** Told of every offence counted against a peer (a reputation book keeps them: src/net/reputation.ts). */
export type OffenceListener = (peer: string, offence: Offence | number, points: number) => void

export class PeerLimiter {
  readonly limits: Readonly<LimitsInit>
  readonly #peers = new Map<string, PeerState>()
  readonly #now: () => number
  readonly #onOffence: OffenceListener | undefined
  #streams = 0
  #inflightBytes = 0

  constructor (init: Partial<LimitsInit> = {}, now: () => number = Date.now, onOffence?: OffenceListener) {
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...init })
    this.#now = now
    this.#onOffence = onOffence
  }

  isBanned (peer: string): boolean {
    const state = this.#peers.get(peer)
    return state !== undefined && state.bannedUntil > this.#now()
  }

  /** Admit one request from `peer`, or throw RateLimitedError. */
  admit (peer: string): Ticket {
    const now = this.#now()
    const state = this.#state(peer, now)
    const { limits } = this
    if (state.bannedUntil > now) throw refuse('banned', state.bannedUntil - now)
    if (state.streams >= limits.maxStreamsPerPeer) throw refuse('streams-per-peer', 100)
    if (this.#streams >= limits.maxStreams) throw refuse('streams', 100, 'node')
    if (state.streams >= limits.fairStreams && this.#streams - state.streams > limits.fairStreams) throw refuse('streams-fair-share', 100, 'node')
    this.#refill(state, now)
    if (state.requests < 1) throw refuse('requests', Math.ceil((1 - state.requests) / limits.requestsPerSecond * second))
    if (state.bytes <= 0) throw refuse('bytes', Math.ceil((1 - state.bytes) / limits.bytesPerSecond * second))
    state.requests -= 1
    state.streams++
    this.#streams++
    let reserved = 0
    let released = false
    const releaseBytes = (): void => {
      this.#inflightBytes -= reserved
      state.inflightBytes -= reserved
      reserved = 0
    }
    return {
      reserve: (bytes: number) => {
        if (released) return
        const held = state.inflightBytes + bytes
        if (held > limits.maxInflightBytesPerPeer) throw refuse('inflight-bytes-per-peer', 100)
        if (this.#inflightBytes + bytes > limits.maxInflightBytes) throw refuse('inflight-bytes', 100, 'node')
        if (held > limits.fairInflightBytes && this.#inflightBytes - state.inflightBytes > limits.fairInflightBytes) {
          throw refuse('inflight-fair-share', 100, 'node')
        }
        this.#inflightBytes += bytes
        state.inflightBytes += bytes
        reserved += bytes
      },
      releaseBytes,
      release: () => {
        if (released) return
        released = true
        releaseBytes()
        state.streams--
        this.#streams--
      }
    }
  }

  /**
   * Charge `bytes` up front, before moving them: RateLimitedError ('bytes')
   * unless the peer's balance covers them (for transfers the peer asks for
   * by size alone, such as a bandwidth test).
   */
  take (peer: string, bytes: number): void {
    const now = this.#now()
    const state = this.#state(peer, now)
    this.#refill(state, now)
    if (state.bytes < bytes) throw refuse('bytes', Math.ceil((bytes - state.bytes) / this.limits.bytesPerSecond * second))
    state.bytes -= bytes
  }

  /** Charge bytes moved for `peer` against its byte bucket. */
  charge (peer: string, bytes: number): void {
    const now = this.#now()
    const state = this.#state(peer, now)
    this.#refill(state, now)
    state.bytes -= bytes
  }

  /** Add points for an offence (or a number of points); true when this bans the peer. */
  penalize (peer: string, offence: Offence | number): boolean {
    const points = typeof offence === 'number' ? offence : OFFENCE_POINTS[offence]
    if (!(points > 0)) return false
    const now = this.#now()
    const state = this.#state(peer, now)
    if (state.bannedUntil > now) return false
    try { this.#onOffence?.(peer, offence, points) } catch { /* a listener must not break the limiter */ }
    state.score = this.#decayed(state, now) + points
    state.scored = now
    if (state.score < this.limits.banThreshold) return false
    state.bannedUntil = now + this.limits.banDuration
    state.score = 0
    return true
  }

  /** The peer's current misbehaviour score. */
  score (peer: string): number {
    const state = this.#peers.get(peer)
    return state === undefined ? 0 : this.#decayed(state, this.#now())
  }

  stats (): { peers: number, streams: number, inflightBytes: number } {
    return { peers: this.#peers.size, streams: this.#streams, inflightBytes: this.#inflightBytes }
  }

  #decayed (state: PeerState, now: number): number {
    return Math.max(0, state.score - (now - state.scored) / second * this.limits.scoreDecayPerSecond)
  }

  #refill (state: PeerState, now: number): void {
    const elapsed = Math.max(0, now - state.refilled) / second
    state.refilled = now
    state.requests = Math.min(this.limits.requestBurst, state.requests + elapsed * this.limits.requestsPerSecond)
    state.bytes = Math.min(this.limits.bytesBurst, state.bytes + elapsed * this.limits.bytesPerSecond)
  }

  #state (peer: string, now: number): PeerState {
    let state = this.#peers.get(peer)
    if (state === undefined) {
      if (this.#peers.size >= this.limits.maxTrackedPeers) this.#forgetIdle(now)
      state = { requests: this.limits.requestBurst, bytes: this.limits.bytesBurst, refilled: now, streams: 0, inflightBytes: 0, score: 0, scored: now, bannedUntil: 0 }
      this.#peers.set(peer, state)
    }
    return state
  }

  /** Drop peers with nothing worth remembering; if none qualify, the oldest idle entries. */
  #forgetIdle (now: number): void {
    for (const [peer, state] of this.#peers) {
      if (state.streams === 0 && state.bannedUntil <= now && this.#decayed(state, now) === 0) this.#peers.delete(peer)
    }
    if (this.#peers.size < this.limits.maxTrackedPeers) return
    for (const [peer, state] of this.#peers) {
      if (this.#peers.size < this.limits.maxTrackedPeers) break
      if (state.streams === 0) this.#peers.delete(peer)
    }
  }
}

function refuse (reason: string, retryAfter: number, scope: 'peer' | 'node' = 'peer'): RateLimitedError {
  const message = reason === 'banned'
    ? 'Refused: this peer misbehaved and is banned for a while'
    : scope === 'node' ? 'This node is busy: retry later' : 'Too many requests: retry later'
  return new RateLimitedError(message, { reason, retryAfter, scope })
}
