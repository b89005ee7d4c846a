/**
 * The peers of a run and their churn (./trace.ts): who is online, who left
 * for good (and the new peer that takes its place), who lost what it held.
 * The world (./world.ts) is told of each change through `PopulationEvents`.
 */
import { ReputationBook } from '../src/net/reputation.ts'
import type { EventQueue } from './clock.ts'
import type { SimConfig } from './config.ts'
import { logNormal, sample, streamRng, type Rng } from './rng.ts'
import { dataLossAfter, downPeriod, drawTabKind, expectedUptime, leavesAfterSession, lifetime, upPeriod, type PeerKind } from './trace.ts'

/** a book's save delay: later than any run ends */
const NEVER_MS = 10 * 365 * 24 * 3600_000

export interface SimPeer {
  index: number
  id: string
  kind: PeerKind
  online: boolean
  departed: boolean
  /** bytes it accepts in all */
  room: number
  /** bytes of shards it was given */
  used: number
  /** round trip to it (ms) */
  latencyMs: number
  /** storage peers: the node's own reputation book (the real one, on the virtual clock) */
  book?: ReputationBook
}

export interface PopulationEvents {
  /** the peer lost everything it held (silently) */
  dataLost: (peer: SimPeer) => void
  /** the peer left for good (what it held is gone) */
  departed: (peer: SimPeer) => void
}

export class Population {
  readonly peers: SimPeer[] = []
  readonly storage: SimPeer[] = []
  readonly byId = new Map<string, SimPeer>()
  /** online tabs, for drawing candidates in O(1) */
  readonly #onlineTabs: SimPeer[] = []
  readonly #slot = new Map<SimPeer, number>()
  readonly #q: EventQueue
  readonly #c: SimConfig
  readonly #rng: Rng
  readonly #events: PopulationEvents
  departures = 0
  dataLosses = 0

  constructor (q: EventQueue, config: SimConfig, events: PopulationEvents, storageRoom: number) {
    this.#q = q
    this.#c = config
    this.#rng = streamRng(config.seed, 'churn')
    this.#events = events
    const storageCount = Math.max(config.repairersPerFile, Math.round(config.peers * config.trace.storageShare))
    const storageIds = Array.from({ length: storageCount }, (_, i) => `s${i}`)
    for (const id of storageIds) {
      const peer = this.#add(id, 'storage', storageRoom / storageCount)
      // persistence is not simulated: the save timer is set beyond any run
      peer.book = new ReputationBook({ clock: q, self: id, trusted: storageIds.filter(s => s !== id), saveDelayMs: NEVER_MS })
      this.storage.push(peer)
    }
    while (this.peers.length < config.peers) this.#add(`t${this.peers.length}`, drawTabKind(this.#rng, config.trace))
    for (const peer of this.peers) this.#start(peer, this.#rng() < expectedUptime(config.trace, peer.kind))
  }

  get onlineTabCount (): number { return this.#onlineTabs.length }

  /** Up to `count` online tabs at random. */
  onlineTabs (count: number): SimPeer[] {
    if (count >= this.#onlineTabs.length) return [...this.#onlineTabs]
    const out = new Set<SimPeer>()
    while (out.size < count) out.add(this.#onlineTabs[Math.floor(this.#rng() * this.#onlineTabs.length)] as SimPeer)
    return [...out]
  }

  /** Everyone online now (storage peers and tabs). */
  onlineIds (): Set<string> {
    const ids = new Set<string>()
    for (const p of this.storage) if (p.online) ids.add(p.id)
    for (const p of this.#onlineTabs) ids.add(p.id)
    return ids
  }

  /** Online tabs at random for a file's owner. */
  anyOnlineTab (): SimPeer | undefined {
    return sample(this.#rng, this.#onlineTabs, 1)[0]
  }

  #add (id: string, kind: PeerKind, room?: number): SimPeer {
    const storage = kind === 'storage'
    const peer: SimPeer = {
      index: this.peers.length,
      id,
      kind,
      online: false,
      departed: false,
      room: room ?? logNormal(this.#rng, this.#c.tabRoomMedianBytes, 0.7),
      used: 0,
      latencyMs: storage ? 20 + this.#rng() * 60 : Math.min(2000, logNormal(this.#rng, 80, 0.6))
    }
    this.peers.push(peer)
    this.byId.set(id, peer)
    return peer
  }

  #start (peer: SimPeer, online: boolean): void {
    const rng = this.#rng
    const trace = this.#c.trace
    if (online) this.#up(peer)
    else this.#q.after(downPeriod(rng, trace, peer.kind) * rng(), () => { this.#up(peer) })
    const life = lifetime(rng, trace, peer.kind)
    if (Number.isFinite(life)) this.#q.after(life, () => { this.#depart(peer) })
    const loss = dataLossAfter(rng, trace, peer.kind)
    if (Number.isFinite(loss)) {
      this.#q.after(loss, () => {
        if (peer.departed) return
        this.dataLosses++
        this.#events.dataLost(peer)
      })
    }
  }

  #up (peer: SimPeer): void {
    if (peer.departed) return
    this.#setOnline(peer, true)
    this.#q.after(upPeriod(this.#rng, this.#c.trace, peer.kind), () => { this.#down(peer) })
  }

  #down (peer: SimPeer): void {
    if (peer.departed) return
    this.#setOnline(peer, false)
    if (leavesAfterSession(this.#rng, this.#c.trace, peer.kind)) {
      this.#depart(peer)
      return
    }
    this.#q.after(downPeriod(this.#rng, this.#c.trace, peer.kind), () => { this.#up(peer) })
  }

  #depart (peer: SimPeer): void {
    if (peer.departed) return
    this.#setOnline(peer, false)
    peer.departed = true
    this.departures++
    this.#events.departed(peer)
    // a new peer takes its place: the population stays steady
    const next = this.#add(`t${this.peers.length}`, drawTabKind(this.#rng, this.#c.trace))
    this.#start(next, true)
  }

  #setOnline (peer: SimPeer, online: boolean): void {
    if (peer.online === online) return
    peer.online = online
    if (peer.kind === 'storage') return
    if (online) {
      this.#slot.set(peer, this.#onlineTabs.length)
      this.#onlineTabs.push(peer)
    } else {
      const i = this.#slot.get(peer) as number
      const last = this.#onlineTabs.pop() as SimPeer
      if (last !== peer) {
        this.#onlineTabs[i] = last
        this.#slot.set(last, i)
      }
      this.#slot.delete(peer)
    }
  }
}
