/**
 * Which peers can keep data: connected peers that answer /datamesh/info with
 * room to spare (relays and store-less clients answer nothing or free = 0),
 * plus this node when it contributes a store. Answers are cached for
 * `infoTtl`, failures for a fifth of it, and puts starting together share
 * one request per peer, so listing candidates stays cheap. Each answer's
 * round trip is a latency sample for this node's reputation book.
 *
 * In what order they are used (`rankCandidates`) is a matter of reputation
 * (src/net/reputation.ts), never of what a peer says it is or how much room
 * it claims (room only filters: a peer that cannot take a shard is not
 * asked to):
 * - denied peers: never;
 * - good peers (score >= REPUTATION.goodScore): first, in a random order
 *   weighted by score above the floor, so the best peer is likelier to be
 *   chosen but never takes everything;
 * - fair peers (floor <= score < good; new peers start here): next, in the
 *   same weighted random order;
 * - poor peers (score < REPUTATION.floorScore): only when asked for
 *   (`includePoor`), last, best first: placement uses them only when no one
 *   else can take a shard (./placement.ts).
 */
import type { PeerId } from '@libp2p/interface'
import { AbortedError } from '../core/errors.ts'
import type { NodeInfo } from '../net/protocol/info-messages.ts'
import type { InfoService } from '../net/info/index.ts'
import type { ShardStore } from '../store/types.ts'
import { REPUTATION, type ReputationBook, type ReputationView } from '../net/reputation.ts'
import type { TypedEvents } from './events.ts'
import type { MeshEvents, MeshLibp2p } from './types.ts'

const second = 1000
/** info is one small frame: a peer slower than this is not worth placing data on */
const INFO_TIMEOUT = 5 * second

export interface Candidate {
  peerId: string
  /** what the peer says it is: shown, never used to rank */
  nodeType: NodeInfo['nodeType']
  /** bytes it still accepts (as last reported) */
  free: number
  /** this node's own store */
  self: boolean
}

/** A uniform random number in [0, 1); injectable so that tests and the simulation can seed it. */
export type Rng = () => number

export type Tier = 'good' | 'fair' | 'poor'

/** Where a score puts a peer (see the module comment). */
export function tierOf (score: number): Tier {
  return score >= REPUTATION.goodScore ? 'good' : score >= REPUTATION.floorScore ? 'fair' : 'poor'
}

export interface RankOptions {
  reputation: ReputationView
  rng?: Rng
  /** keep the peers below the floor, last (default: left out) */
  includePoor?: boolean
}

/**
 * `candidates` in the order to use them: never a denied peer; good peers,
 * then fair ones, each tier in a random order weighted by score above the
 * floor (Efraimidis-Spirakis keys); then, with `includePoor`, poor ones,
 * best first.
 */
export function rankCandidates<T extends { peerId: string }> (candidates: readonly T[], options: RankOptions): T[] {
  const { reputation, rng = Math.random } = options
  const keyed = candidates.filter(c => !reputation.isDenied(c.peerId)).map(c => {
    const score = reputation.score(c.peerId)
    const tier = tierOf(score)
    // u^(1/w), larger first: a weighted sample without replacement
    const key = tier === 'poor' ? score : Math.max(rng(), Number.MIN_VALUE) ** (1 / (score - REPUTATION.floorScore + 1))
    return { c, tier: TIER_ORDER[tier], key }
  })
  return keyed
    .filter(k => options.includePoor === true || k.tier !== TIER_ORDER.poor)
    .sort((a, b) => a.tier - b.tier || b.key - a.key)
    .map(k => k.c)
}

const TIER_ORDER: Record<Tier, number> = { good: 0, fair: 1, poor: 2 }

interface Cached {
  at: number
  info?: NodeInfo
}

export interface PeerDirectoryInit {
  libp2p: MeshLibp2p
  info: InfoService
  store?: ShardStore
  events: TypedEvents<MeshEvents>
  infoTtl: number
  requestTimeout: number
  /** told each info answer's round trip */
  reputation?: Pick<ReputationBook, 'recordLatency'>
}

export class PeerDirectory {
  readonly #init: PeerDirectoryInit
  readonly #cache = new Map<string, Cached>()
  readonly #asking = new Map<string, Promise<NodeInfo | undefined>>()

  constructor (init: PeerDirectoryInit) {
    this.#init = init
  }

  get self (): string {
    return this.#init.libp2p.peerId.toString()
  }

  /** A peer's info (cached), or undefined when it does not answer. */
  async info (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<NodeInfo | undefined> {
    const id = peer.toString()
    const now = Date.now()
    const cached = this.#cache.get(id)
    const ttl = cached?.info === undefined ? this.#init.infoTtl / 5 : this.#init.infoTtl
    if (cached !== undefined && now - cached.at < ttl) return cached.info
    let asking = this.#asking.get(id)
    if (asking === undefined) {
      // not cancelled by one caller's signal: others may be waiting for the same answer
      asking = this.#ask(peer, id, now).finally(() => { this.#asking.delete(id) })
      this.#asking.set(id, asking)
    }
    return await (options.signal === undefined ? asking : raceAbort(asking, options.signal))
  }

  async #ask (peer: PeerId, id: string, now: number): Promise<NodeInfo | undefined> {
    let info: NodeInfo | undefined
    try {
      const started = Date.now()
      info = await this.#init.info.info(peer, { signal: AbortSignal.timeout(Math.min(INFO_TIMEOUT, this.#init.requestTimeout)) })
      this.#init.reputation?.recordLatency(id, Date.now() - started)
    } catch (err) {
      this.#init.events.dispatch('peer:failed', { peer: id, op: 'info', error: errorName(err) })
    }
    this.#cache.set(id, info === undefined ? { at: now } : { at: now, info })
    return info
  }

  /** Info already known, without asking. */
  known (peer: string): NodeInfo | undefined {
    return this.#cache.get(peer)?.info
  }

  /** Forget what a peer said (after it refused a store, say). */
  forget (peer: string): void {
    this.#cache.delete(peer)
  }

  /**
   * Connected peers (and this node, with a store) that can keep data, in no
   * particular order (placement ranks them). With `includeFull`, also those
   * with no room left (they may hold shards: for reads, deletes and audits).
   * Denied peers are listed too: they may hold shards from before.
   */
  async candidates (options: { signal?: AbortSignal, includeFull?: boolean } = {}): Promise<Candidate[]> {
    const usable = (info: NodeInfo): boolean => info.nodeType !== 'relay' && (info.free > 0 || (options.includeFull === true && (info.quota > 0 || info.shards > 0)))
    const peers = this.#init.libp2p.getPeers()
    const found = await Promise.all(peers.map(async (peer): Promise<Candidate | undefined> => {
      const info = await this.info(peer, options.signal !== undefined ? { signal: options.signal } : {})
      if (info === undefined || !usable(info)) return undefined
      return { peerId: peer.toString(), nodeType: info.nodeType, free: info.free, self: false }
    }))
    const list = found.filter((c): c is Candidate => c !== undefined)
    const store = this.#init.store
    if (store !== undefined) {
      const signal = options.signal !== undefined ? { signal: options.signal } : {}
      const [local, usage] = await Promise.all([this.#init.info.localInfo(signal), store.usage(signal)])
      const free = Math.min(Math.max(0, usage.quota - usage.bytes), Number.MAX_SAFE_INTEGER)
      if (free > 0 || options.includeFull === true) list.push({ peerId: this.self, nodeType: local.nodeType, free, self: true })
    }
    return list.sort((a, b) => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
  }
}

/** `promise`, or AbortedError as soon as `signal` aborts. */
async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw new AbortedError()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(new AbortedError()) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/** `signal` (if any) combined with a timeout. */
export function withTimeout (signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout])
}

export function errorName (err: unknown): string {
  return err instanceof Error ? err.name : 'Error'
}
