/**
 * A bounded collection shared fairly between peers and addresses: the
 * relay's reservations and a DHT server's records and provider records.
 *
 * Every item is charged to the peer that brought it and to a *source*: the
 * address it came from (`addressSource`), or the peer itself when its
 * address does not count (a relayed connection; a loopback or private
 * address unless the operator counts those: behind a reverse proxy every
 * client arrives from the proxy's address). Limits:
 *
 * - `perPeer` and `perSource` items at most; past either, an item the caller
 *   calls stale (a reservation whose peer left) of that peer or source is
 *   evicted, else the new one is refused;
 * - `max` items in all; when full, a stale item is evicted, else the oldest
 *   item of the largest source, but only when that source holds at least
 *   two more than the newcomer's source does now (after the swap it is still
 *   no smaller): a source can only push out a larger one, so fresh peer ids
 *   from one address cannot push out anyone else's.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { isPrivateHost, parseIPv6 } from './private-host.ts'

export interface FairShareLimits {
  /** most items held */
  max: number
  /** most items charged to one peer */
  perPeer: number
  /** most items charged to one source (an address) */
  perSource: number
}

export type Admission =
  | { ok: true, evict?: string }
  | { ok: false, reason: 'peer' | 'source' | 'full' }

interface Charge { peer: string, source: string }

export class FairShare {
  readonly limits: Readonly<FairShareLimits>
  /** insertion order is age: oldest first */
  readonly #items = new Map<string, Charge>()
  readonly #byPeer = new Map<string, Set<string>>()
  readonly #bySource = new Map<string, Set<string>>()

  constructor (limits: FairShareLimits) {
    for (const [name, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`FairShare: ${name} must be a whole number >= 1`)
    }
    this.limits = Object.freeze({ ...limits })
  }

  get size (): number { return this.#items.size }
  has (id: string): boolean { return this.#items.has(id) }
  chargeOf (id: string): Readonly<Charge> | undefined { return this.#items.get(id) }
  countOfPeer (peer: string): number { return this.#byPeer.get(peer)?.size ?? 0 }
  countOfSource (source: string): number { return this.#bySource.get(source)?.size ?? 0 }

  /**
   * May `id` be added, charged to `peer` and `source`? An item already held
   * is always admitted (a refresh). `evict`, when given, must be removed
   * before adding.
   */
  admit (id: string, peer: string, source: string, stale: (id: string) => boolean = () => false): Admission {
    if (this.#items.has(id)) return { ok: true }
    const firstStale = (ids: Iterable<string> | undefined): string | undefined => {
      for (const x of ids ?? []) if (stale(x)) return x
      return undefined
    }
    if (this.countOfPeer(peer) >= this.limits.perPeer) {
      const evict = firstStale(this.#byPeer.get(peer))
      return evict !== undefined ? { ok: true, evict } : { ok: false, reason: 'peer' }
    }
    if (this.countOfSource(source) >= this.limits.perSource) {
      const evict = firstStale(this.#bySource.get(source))
      return evict !== undefined ? { ok: true, evict } : { ok: false, reason: 'source' }
    }
    if (this.#items.size < this.limits.max) return { ok: true }
    const evict = firstStale(this.#items.keys())
    if (evict !== undefined) return { ok: true, evict }
    let largest: Set<string> | undefined
    for (const ids of this.#bySource.values()) if (largest === undefined || ids.size > largest.size) largest = ids
    if (largest !== undefined && largest.size >= this.countOfSource(source) + 2) {
      return { ok: true, evict: largest.values().next().value as string }
    }
    return { ok: false, reason: 'full' }
  }

  /** Charge `id` (a no-op when it is held). Callers admit first. */
  add (id: string, peer: string, source: string): void {
    if (this.#items.has(id)) return
    this.#items.set(id, { peer, source })
    const into = (map: Map<string, Set<string>>, k: string): void => {
      let set = map.get(k)
      if (set === undefined) map.set(k, set = new Set())
      set.add(id)
    }
    into(this.#byPeer, peer)
    into(this.#bySource, source)
  }

  remove (id: string): boolean {
    const charge = this.#items.get(id)
    if (charge === undefined) return false
    this.#items.delete(id)
    const out = (map: Map<string, Set<string>>, k: string): void => {
      const set = map.get(k)
      set?.delete(id)
      if (set?.size === 0) map.delete(k)
    }
    out(this.#byPeer, charge.peer)
    out(this.#bySource, charge.source)
    return true
  }

  /** Items by source, each oldest first. */
  bySource (): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#bySource
  }
}

/**
 * Up to `limit` of `items` (each with its source), newest first and taken
 * in turns from each source, so one source cannot fill the list while
 * others have items.
 */
export function fairPick<T> (items: ReadonlyArray<{ item: T, source: string }>, limit: number): T[] {
  const queues = new Map<string, T[]>()
  for (let i = items.length - 1; i >= 0; i--) {
    const { item, source } = items[i] as { item: T, source: string }
    let q = queues.get(source)
    if (q === undefined) queues.set(source, q = [])
    q.push(item)
  }
  const out: T[] = []
  for (let round = 0; out.length < limit && queues.size > 0; round++) {
    for (const [source, q] of queues) {
      if (out.length >= limit) break
      const next = q[round]
      if (next === undefined) { queues.delete(source); continue }
      out.push(next)
    }
  }
  return out
}

export interface SourceOptions {
  /** count loopback and private addresses as addresses (default: each such peer is its own source) */
  countPrivate?: boolean
}

/**
 * The source an address is charged to: `ip4:<address>`, `ip6:<first 64
 * bits>` (one host usually has a whole /64), or `peer:<id>` when the
 * address does not say who is behind it (relayed, unknown, or loopback and
 * private unless counted).
 */
export function addressSource (remoteAddr: Multiaddr | undefined, peer: string, options: SourceOptions = {}): string {
  const own = `peer:${peer}`
  if (remoteAddr === undefined) return own
  const components = remoteAddr.getComponents()
  if (components.some(c => c.name === 'p2p-circuit')) return own
  const first = components[0]
  if (first?.value === undefined) return own
  if (first.name === 'ip4' || first.name === 'ip6') {
    if (isPrivateHost(first.value) && options.countPrivate !== true) return own
    if (first.name === 'ip4') return `ip4:${first.value}`
    const groups = parseIPv6(first.value)
    return groups === undefined ? own : `ip6:${groups.slice(0, 4).map(g => g.toString(16)).join(':')}`
  }
  if (first.name === 'dns' || first.name === 'dns4' || first.name === 'dns6') return `host:${first.value.toLowerCase()}`
  return own
}
