/**
 * A node's reputation book: a score from 0 to 100 per peer, kept from what
 * this node observes itself, never from what a peer says about itself or
 * about others. How a score is computed, with every constant and its
 * reason, is ./reputation-model.ts; the stored form is ./reputation-format.ts;
 * availability samples come from ./reputation-monitor.ts.
 *
 * Observations: audits (`recordAudit`: passed, failed, late, lost), shards
 * served or corrupt and failed requests (`record`, from the mesh), protocol
 * offences (`recordOffence`, from the PeerLimiter), round trips
 * (`recordLatency`) and online/offline samples (`sampleAvailability`).
 *
 * Allow (trusted) and deny lists come from the operator or the person, each
 * run: a trusted peer starts at 80 (a peer already known gets that
 * endorsement added to its evidence once; failures still count against it);
 * a denied peer is never used for placement or repair, whatever its score.
 * This node itself is never tracked.
 *
 * Memory is bounded: at most `maxPeers` records, the least recently seen
 * forgotten first (a forgotten peer starts again as new, at 40: below the
 * good line, as any new peer id would). Records persist through a
 * `ReputationStorage` (IndexedDB in tabs, a file on Node, memory in tests),
 * saved `saveDelayMs` after a change (observations meanwhile share the
 * write), one save at a time. Time comes from an injected clock.
 */
import { Coalescer } from '../core/coalesce.ts'
import { encodeReputation, parseReputation, type PeerRecord } from './reputation-format.ts'
import {
  applyLatency, applySample, applyWeight, AUDIT_EVENTS, newRecord, offenceWeight, priorScore, REPUTATION, scoreOf, slotOf, windowOf,
  type AuditOutcome, type ReputationEvent
} from './reputation-model.ts'

export { REPUTATION, AUDIT_EVENTS, type AuditOutcome, type ReputationEvent }

/** What ranking needs (src/mesh/peers.ts): a score and the deny list. */
export interface ReputationView {
  score: (peer: string) => number
  isDenied: (peer: string) => boolean
}

/** Where a book is kept between runs. */
export interface ReputationStorage {
  load: () => Promise<Uint8Array | undefined>
  save: (bytes: Uint8Array) => Promise<void>
}

/** Timers a book uses; the default is the platform's (unref'd on Node, so a pending save never keeps a process alive). */
export interface ReputationClock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export const systemReputationClock: ReputationClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms) as unknown as { unref?: () => void }
    timer.unref?.()
    return timer
  },
  clearTimeout: (handle) => { clearTimeout(handle as ReturnType<typeof setTimeout>) }
}

/** A book kept in memory only (tests, a mesh made without a book). */
export function memoryReputationStorage (): ReputationStorage & { bytes?: Uint8Array } {
  const storage: ReputationStorage & { bytes?: Uint8Array } = {
    load: async () => storage.bytes?.slice(),
    save: async (bytes) => { storage.bytes = bytes.slice() }
  }
  return storage
}

/** One peer as the book sees it. */
export interface PeerReputation {
  /** 0-100 */
  score: number
  /** on the allow (trusted) or the deny list */
  trust?: 'trusted' | 'denied'
  /** share of the samples in the window that saw it online, once there are enough */
  availability?: number
  /** average round trip in ms, while recent */
  latencyMs?: number
  /** false: nothing observed yet, the score is its prior */
  tracked: boolean
}

export interface ReputationInit {
  storage?: ReputationStorage
  clock?: ReputationClock
  /** this node's own peer id: never tracked */
  self?: string
  trusted?: Iterable<string>
  denied?: Iterable<string>
  /** records kept (default REPUTATION.maxPeers, at most what a file holds) */
  maxPeers?: number
  saveDelayMs?: number
  /** a load or save failed: the book goes on in memory (and retries the save after the next change) */
  onError?: (err: unknown) => void
}

export class ReputationBook implements ReputationView {
  readonly #records = new Map<string, PeerRecord>()
  readonly #clock: ReputationClock
  readonly #storage: ReputationStorage
  readonly #self: string | undefined
  readonly #maxPeers: number
  readonly #saveDelayMs: number
  readonly #onError: (err: unknown) => void
  readonly #saves: Coalescer<void>
  #trusted = new Set<string>()
  #denied = new Set<string>()
  #dirty = false
  #timer: unknown
  #closed = false

  constructor (init: ReputationInit = {}) {
    this.#clock = init.clock ?? systemReputationClock
    this.#storage = init.storage ?? memoryReputationStorage()
    this.#self = init.self
    this.#maxPeers = Math.max(1, Math.min(init.maxPeers ?? REPUTATION.maxPeers, 20_000))
    this.#saveDelayMs = init.saveDelayMs ?? REPUTATION.saveDelayMs
    this.#onError = init.onError ?? (() => {})
    this.#saves = new Coalescer(async () => { await this.#save() })
    this.setDenied(init.denied ?? [])
    this.setTrusted(init.trusted ?? [])
  }

  /** A book holding what its storage kept (an unreadable store starts empty, reported through onError). */
  static async open (init: ReputationInit = {}): Promise<ReputationBook> {
    const book = new ReputationBook(init)
    await book.load()
    return book
  }

  /** Read the stored records; what was observed since the book was made wins over them. */
  async load (): Promise<void> {
    let stored: Array<[string, PeerRecord]>
    try {
      const bytes = await this.#storage.load()
      stored = bytes === undefined ? [] : parseReputation(bytes, this.#clock.now())
    } catch (err) {
      this.#onError(err)
      return
    }
    const nowSlot = slotOf(this.#clock.now())
    const observed = [...this.#records]
    this.#records.clear()
    for (const [id, record] of [...stored.slice(-this.#maxPeers), ...observed]) {
      if (id === this.#self || id === '') continue
      // slots written under a clock that ran ahead say nothing about now
      if (record.slot > nowSlot) { record.slot = nowSlot; record.up.fill(0); record.total.fill(0) }
      if (this.#trusted.has(id) && !record.endorsed) this.#endorse(record)
      this.#records.delete(id)
      this.#records.set(id, record)
    }
    this.#evict()
  }

  /** Records kept. */
  get size (): number { return this.#records.size }

  /** Peers with a record, least recently seen first. */
  tracked (): string[] { return [...this.#records.keys()] }

  /** Replace the allow list (trusted peers). A peer on both lists is denied. */
  setTrusted (peers: Iterable<string>): void {
    this.#trusted = new Set(peers)
    for (const id of this.#trusted) {
      const record = this.#records.get(id)
      if (record !== undefined && !record.endorsed) {
        this.#endorse(record)
        this.#changed()
      }
    }
  }

  /** Replace the deny list. */
  setDenied (peers: Iterable<string>): void {
    this.#denied = new Set(peers)
  }

  isTrusted (peer: string): boolean { return this.#trusted.has(peer) && !this.#denied.has(peer) }
  isDenied (peer: string): boolean { return this.#denied.has(peer) }

  record (peer: string, event: ReputationEvent): void {
    const record = this.#touch(peer)
    if (record === undefined) return
    applyWeight(record, REPUTATION.events[event], this.#clock.now())
    this.#changed()
  }

  /** An audit's outcome ('lost': the holder said honestly that it no longer has the shard). */
  recordAudit (peer: string, outcome: AuditOutcome): void {
    this.record(peer, AUDIT_EVENTS[outcome])
  }

  /** A protocol offence the PeerLimiter scored, in its points (src/net/limits.ts). */
  recordOffence (peer: string, points: number): void {
    if (!(points > 0)) return
    const record = this.#touch(peer)
    if (record === undefined) return
    applyWeight(record, offenceWeight(points), this.#clock.now())
    this.#changed()
  }

  /** One round trip to the peer, in ms. */
  recordLatency (peer: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return
    const record = this.#touch(peer)
    if (record === undefined) return
    applyLatency(record, ms, this.#clock.now())
    this.#changed()
  }

  /** The peer was (or was not) reachable just now. An offline sample of a peer without a record is dropped. */
  sampleAvailability (peer: string, online: boolean): void {
    const record = online ? this.#touch(peer) : this.#records.get(peer)
    if (record === undefined) return
    applySample(record, online, this.#clock.now())
    this.#changed()
  }

  /**
   * One sample of every tracked peer: online for those in `connected`,
   * offline for the others seen online within the window (a peer gone for
   * longer than the window is no longer expected back).
   */
  sampleAll (connected: ReadonlySet<string>): void {
    for (const peer of connected) this.sampleAvailability(peer, true)
    const now = this.#clock.now()
    for (const [peer, record] of this.#records) {
      if (!connected.has(peer) && windowOf(record, now).up > 0) {
        applySample(record, false, now)
        this.#changed()
      }
    }
  }

  score (peer: string): number {
    return this.describe(peer).score
  }

  describe (peer: string): PeerReputation {
    const trust = this.#denied.has(peer) ? 'denied' as const : this.#trusted.has(peer) ? 'trusted' as const : undefined
    const listed = trust !== undefined ? { trust } : {}
    const record = this.#records.get(peer)
    if (record === undefined) {
      return { score: priorScore(trust === 'trusted' ? REPUTATION.trustedPrior : REPUTATION.newPrior), ...listed, tracked: false }
    }
    return { ...scoreOf(record, this.#clock.now()), ...listed, tracked: true }
  }

  /** Save now if anything changed (a page being hidden, a node stopping). */
  async flush (): Promise<void> {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.#dirty) await this.#saves.run()
    await this.#saves.idle()
  }

  /** Save what changed; no save is scheduled after this. */
  async close (): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  #endorse (record: PeerRecord): void {
    record.endorsed = true
    record.good += REPUTATION.trustedPrior.good - REPUTATION.newPrior.good
  }

  /** The record of `peer`, made if new (the least recently seen forgotten past the bound), marked as seen now. */
  #touch (peer: string): PeerRecord | undefined {
    if (peer === this.#self || peer === '') return undefined
    const now = this.#clock.now()
    let record = this.#records.get(peer)
    if (record === undefined) {
      const trusted = this.#trusted.has(peer)
      record = newRecord(trusted ? REPUTATION.trustedPrior : REPUTATION.newPrior, now)
      record.endorsed = trusted
    } else {
      this.#records.delete(peer)
      record.seen = Math.max(record.seen, now)
    }
    this.#records.set(peer, record)
    this.#evict()
    return record
  }

  #evict (): void {
    while (this.#records.size > this.#maxPeers) this.#records.delete(this.#records.keys().next().value as string)
  }

  #changed (): void {
    this.#dirty = true
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#saves.run().catch(() => {}) // #save reports its own failures
    }, this.#saveDelayMs)
  }

  async #save (): Promise<void> {
    if (!this.#dirty) return
    this.#dirty = false
    try {
      await this.#storage.save(encodeReputation(this.#records))
    } catch (err) {
      this.#dirty = true
      this.#onError(err)
    }
  }
}

/**
 * What a failed request to a peer says about it: a reputation event, or
 * undefined when the failure is no fault of the peer's (a refusal for quota
 * or load, a store it rightly refused as corrupt) or says nothing about its
 * behaviour (unreachable: availability samples cover that).
 */
export function eventOfFailure (op: 'store' | 'fetch' | 'has' | 'delete' | 'info', err: unknown): ReputationEvent | undefined {
  const name = (err as Error | undefined)?.name
  const details = (err as { details?: Record<string, unknown> } | undefined)?.details ?? {}
  switch (name) {
    case 'CorruptShardError':
      // a store refused as corrupt: the sender's fault
      if (op !== 'fetch') return undefined
      // the client's own check of the bytes names the peer; a holder reporting its own copy damaged does not
      return details.peer !== undefined && details.reason !== 'lost' ? 'corrupt' : 'lost'
    case 'TimeoutError':
    case 'MalformedDataError':
      return 'request-failed'
    default:
      return undefined
  }
}
