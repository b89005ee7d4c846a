/**
 * A repairer's work, for every repair capability it keeps (its
 * CapabilityBook: src/net/repair/book.ts), while the owner is away:
 *
 *   1. find the holders of each shard of the file (the stripes' shards and
 *      the sealed manifest's copies): DHT providers, connected peers asked
 *      with `has`, this node's own store (the `holders` port), again every
 *      audit interval and before every repair;
 *   2. audit every holder about once per auditIntervalMs (AuditScheduler:
 *      ./audit-scheduler.ts), the outcomes in an AuditLedger whose grace
 *      (lostAfterMs) keeps an unreachable holder 'unknown' rather than lost,
 *      so a tab that reloads or a peer restarting causes no repair;
 *   3. per stripe, each shard index is as good as its best holder ('ok',
 *      'unknown', 'lost'; no holder found: 'lost'); ./repair-plan.ts decides
 *      (repair once available <= repairThreshold, default k + 1). Of the
 *      capability's repairers, the first by rendezvous rank repairs at once
 *      and each next one only `rank x repairBackoffMs` after it found the
 *      stripe degraded, and only if it still is after looking again (fresh
 *      holders, fresh audits), so two repairers do not re-create one stripe;
 *   4. re-create the lost shards from k verified ones (./repair-exec.ts:
 *      Reed-Solomon on ciphertext, each result checked against its signed
 *      id) and place each on a new distinct peer (rankForRepair, excluding
 *      every current holder of the stripe), audited at once after; the
 *      manifest is kept at `copies` copies the same way (a verified copy
 *      fetched, stored on a new peer);
 *   5. renew, on every holder found, the leases of the capability's shards
 *      (the holder extends only those kept for the file's repair key, as
 *      owner or renewer) every renewIntervalMs, to min(exp, now + leaseMs).
 *
 * Pure logic behind ports: time (Clock), the book, the audit transport, the
 * network (holders, fetch, candidates, store, renew: ./repair-node.ts
 * builds them over a libp2p node), the reputation book. No timer or system
 * clock is read here, so tests and the simulation step it. The owner's tab
 * runs the same code for one file (`repairOnce` with `immediate`).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { base64url } from 'multiformats/bases/base64'
import { InvalidParametersError } from '../core/errors.ts'
import { matchesCid, parseShardCid } from '../core/hash.ts'
import type { RepairCap, SignedRepairCap } from '../core/repair-cap.ts'
import type { AuditOutcome } from '../net/audit/index.ts'
import type { ReputationView } from '../net/reputation.ts'
import type { AuditOutcome as ReputationAuditOutcome } from '../net/reputation.ts'
import { AUDIT_DEFAULTS, AuditLedger, reputationOutcome, type HolderStatus } from './audit-ledger.ts'
import type { AuditTransport, Clock, Rng } from './audit-ports.ts'
import { AuditScheduler } from './audit-scheduler.ts'
import { rankForRepair } from './placement.ts'
import { recreateShards } from './repair-exec.ts'
import { planStripe, repairDelayMs, type ShardStatus } from './repair-plan.ts'

const minute = 60 * 1000
const hour = 60 * minute
const day = 24 * hour

export const REPAIR_DEFAULTS = Object.freeze({
  /** between two passes over every capability: a lost shard waits at most this long past its audit */
  repairIntervalMs: 10 * minute,
  /** the next repairer of a stripe waits this much per rank before it steps in (DURABILITY: 10 min) */
  repairBackoffMs: 10 * minute,
  /** leases of a capability's shards are renewed this often (a 30-day lease gets 30 chances) */
  renewIntervalMs: day,
  /** the lease asked at each renewal (holders cap it at the capability's expiry) */
  leaseMs: 30 * day,
  /** holder lookups, fetches and stores at once */
  concurrency: 4
})

/** The ports a RepairWorker runs behind. Peer ids are strings. */
export interface RepairPorts {
  clock: Clock
  rng: Rng
  /** this node's peer id */
  self: string
  /** audits one holder (this node's own store included) */
  transport: AuditTransport
  /** peers that may hold `id`: DHT providers, connected peers that say they have it, this node */
  holders: (id: CID, signal: AbortSignal) => Promise<string[]>
  /** the bytes of `id` from `peer`, checked against the id (throws otherwise) */
  fetch: (peer: string, id: CID, signal: AbortSignal) => Promise<Uint8Array>
  /** peers that may take a re-created shard, with the free space they reported when known */
  candidates: (signal: AbortSignal) => Promise<Array<{ peerId: string, free?: number }>>
  /** hand `peer` a re-created shard under the capability */
  store: (peer: string, cap: SignedRepairCap, id: CID, bytes: Uint8Array, signal: AbortSignal) => Promise<void>
  /** extend on `peer` the leases of `ids` kept for the capability's repair key; per id, whether it now lasts */
  renew: (peer: string, cap: SignedRepairCap, ids: CID[], until: number, signal: AbortSignal) => Promise<boolean[]>
  reputation: ReputationView & { recordAudit: (peer: string, outcome: ReputationAuditOutcome) => void }
}

/** A capability to work on: what a book keeps. */
export interface CapabilitySource {
  list: () => ReadonlyArray<{ signed: SignedRepairCap, cap: RepairCap }>
}

export interface RepairWorkerInit extends RepairPorts {
  book: CapabilitySource
  auditIntervalMs?: number
  lostAfterMs?: number
  /** available shards at or below which a stripe is repaired (default k + 1) */
  repairThreshold?: number
  repairBackoffMs?: number
  repairIntervalMs?: number
  renewIntervalMs?: number
  leaseMs?: number
  concurrency?: number
  /** each shard re-created and placed (metrics, logs) */
  onRepaired?: (event: RepairedShard) => void
  onAudit?: (event: { id: string, peer: string, outcome: AuditOutcome, at: number }) => void
  /** a step failed (logs) */
  onError?: (what: string, err: unknown) => void
}

export interface RepairedShard {
  /** the capability's repair key, base64url */
  key: string
  /** the stripe, or -1 for the manifest */
  stripe: number
  index: number
  id: string
  peer: string
  bytes: number
}

/** What one pass (or one file's repair) found and did. */
export interface RepairReport {
  /** capabilities looked at */
  files: number
  /** holders audited now (the scheduler's own audits are not counted) */
  audited: number
  /** stripes found below the threshold */
  degraded: number
  /** stripes with fewer than k shards available */
  unrecoverable: number
  repaired: RepairedShard[]
  /** stripes left to another repairer (not its turn yet) */
  deferred: number
  /** bytes of shards fetched to re-create others */
  bytesFetched: number
  /** bytes re-created and placed */
  bytesRepaired: number
  /** leases renewed (shard copies) */
  renewed: number
  failures: Array<{ what: string, error: string }>
}

interface WatchedFile {
  signed: SignedRepairCap
  cap: RepairCap
  /** base64url of the repair key */
  key: string
  /** `${stripe}/${index}` -> the shard there (the manifest: '-1/0'); two places may hold one id (a short last stripe's padding) */
  shards: Map<string, { cid: CID, stripe: number, index: number, size: number, holders: Set<string> }>
  discoveredAt?: number
  renewedAt?: number
  /** stripe -> when this worker first found it below the threshold */
  degradedSince: Map<number, number>
  /** when this worker started watching the file */
  since: number
}

export interface RepairOnceOptions {
  signal?: AbortSignal
  /** repair at once, whatever the rendezvous rank (the owner's own tab) */
  immediate?: boolean
}

const errorName = (err: unknown): string => (err as Error)?.name ?? 'Error'

export class RepairWorker {
  readonly ledger: AuditLedger
  readonly scheduler: AuditScheduler
  readonly #init: RepairWorkerInit
  readonly #self: Uint8Array
  readonly #files = new Map<string, WatchedFile>()
  readonly #auditIntervalMs: number
  readonly #repairBackoffMs: number
  readonly #repairIntervalMs: number
  readonly #renewIntervalMs: number
  readonly #leaseMs: number
  readonly #concurrency: number

  constructor (init: RepairWorkerInit) {
    this.#init = init
    this.#self = peerIdFromString(init.self).toMultihash().bytes
    this.#auditIntervalMs = init.auditIntervalMs ?? AUDIT_DEFAULTS.auditIntervalMs
    this.#repairBackoffMs = init.repairBackoffMs ?? REPAIR_DEFAULTS.repairBackoffMs
    this.#repairIntervalMs = init.repairIntervalMs ?? REPAIR_DEFAULTS.repairIntervalMs
    this.#renewIntervalMs = init.renewIntervalMs ?? REPAIR_DEFAULTS.renewIntervalMs
    this.#leaseMs = init.leaseMs ?? REPAIR_DEFAULTS.leaseMs
    this.#concurrency = init.concurrency ?? REPAIR_DEFAULTS.concurrency
    for (const [name, value] of [['repairBackoffMs', this.#repairBackoffMs], ['repairIntervalMs', this.#repairIntervalMs], ['renewIntervalMs', this.#renewIntervalMs], ['leaseMs', this.#leaseMs]] as const) {
      if (!(Number.isSafeInteger(value) && value > 0)) throw new InvalidParametersError(`${name} must be a whole number of ms above 0`, { [name]: value })
    }
    this.ledger = new AuditLedger({ lostAfterMs: init.lostAfterMs ?? AUDIT_DEFAULTS.lostAfterMs })
    this.scheduler = new AuditScheduler({
      clock: init.clock,
      rng: init.rng,
      transport: init.transport,
      ledger: this.ledger,
      reputation: { recordAudit: (peer, outcome) => { if (peer !== init.self) init.reputation.recordAudit(peer, outcome) } },
      intervalMs: this.#auditIntervalMs,
      ...(init.onAudit !== undefined ? { onAudit: init.onAudit } : {})
    })
  }

  /** Files watched now. */
  get files (): number {
    return this.#files.size
  }

  /**
   * Audit on schedule and make a pass every repairIntervalMs until `signal`
   * aborts. Each pass's report goes to `onPass`.
   */
  async run (signal: AbortSignal, onPass?: (report: RepairReport) => void): Promise<void> {
    const audits = this.scheduler.run(signal)
    try {
      while (!signal.aborted) {
        try {
          const report = await this.pass(signal)
          try { onPass?.(report) } catch { /* a listener must not stop repairs */ }
        } catch (err) {
          if (signal.aborted) break
          this.#init.onError?.('pass', err)
        }
        await this.#init.clock.sleep(this.#repairIntervalMs, signal).catch(() => {})
      }
    } finally {
      await audits
    }
  }

  /** One pass over every kept capability: holders found again when due, stripes planned and repaired, leases renewed when due. */
  async pass (signal: AbortSignal = new AbortController().signal): Promise<RepairReport> {
    const report = emptyReport()
    const kept = this.#init.book.list()
    const live = new Set<string>()
    for (const { signed, cap } of kept) {
      const key = base64url.baseEncode(cap.key)
      live.add(key)
      const known = this.#files.get(key)
      if (known === undefined || known.cap.seq !== cap.seq) {
        if (known !== undefined) this.#forget(known)
        this.#files.set(key, newWatched(signed, cap, key, this.#init.clock.now()))
      }
    }
    for (const [key, file] of this.#files) if (!live.has(key)) { this.#forget(file); this.#files.delete(key) }
    report.files = this.#files.size
    for (const file of this.#files.values()) {
      signal.throwIfAborted()
      try {
        await this.#work(file, report, {}, signal)
      } catch (err) {
        if (signal.aborted) throw err
        report.failures.push({ what: `file ${file.key}`, error: errorName(err) })
        this.#init.onError?.(`file ${file.key}`, err)
      }
    }
    return report
  }

  /**
   * One file now, whoever else repairs it: every holder found and audited
   * at once, lost shards re-created and placed, leases renewed. `signed`
   * need not be kept in a book (the owner's tab builds it on the spot).
   */
  async repairOnce (signed: SignedRepairCap, cap: RepairCap, options: RepairOnceOptions = {}): Promise<RepairReport> {
    const signal = options.signal ?? new AbortController().signal
    const report = emptyReport()
    report.files = 1
    const key = base64url.baseEncode(cap.key)
    const file = this.#files.get(key) ?? newWatched(signed, cap, key, this.#init.clock.now())
    await this.#discover(file, signal)
    await this.#auditAll(file, report, signal)
    await this.#work(file, report, { immediate: options.immediate === true, fresh: true }, signal)
    return report
  }

  /** Status of every shard index of `stripe`: its best holder's. */
  #statuses (file: WatchedFile, stripe: number, immediate: boolean): ShardStatus[] {
    const now = this.#init.clock.now()
    const n = file.cap.k + file.cap.m
    // a shard no one was found holding is unknown for the grace after the file was first watched (lookups take a while), then lost
    const unfound: ShardStatus = immediate || now - file.since > this.ledger.lostAfterMs ? 'lost' : 'unknown'
    const out = new Array<ShardStatus>(n).fill(unfound)
    for (const shard of file.shards.values()) {
      if (shard.stripe !== stripe || shard.holders.size === 0) continue
      out[shard.index] = best([...shard.holders].map(peer => this.ledger.status(shard.cid.toString(), peer, now)))
    }
    return out
  }

  async #work (file: WatchedFile, report: RepairReport, { immediate = false, fresh = false }, signal: AbortSignal): Promise<void> {
    const now = this.#init.clock.now()
    const unfound = [...file.shards.values()].some(s => s.holders.size === 0)
    if (file.discoveredAt === undefined || unfound || now - file.discoveredAt >= this.#auditIntervalMs) await this.#discover(file, signal)
    const { k } = file.cap
    for (let stripe = 0; stripe < file.cap.stripes.length; stripe++) {
      signal.throwIfAborted()
      let decision = planStripe({ statuses: this.#statuses(file, stripe, immediate), k, repairThreshold: this.#threshold(file.cap) })
      if (decision.action === 'none') { file.degradedSince.delete(stripe); continue }
      if (decision.action === 'unrecoverable') { report.unrecoverable++; continue }
      report.degraded++
      const since = file.degradedSince.get(stripe) ?? this.#init.clock.now()
      file.degradedSince.set(stripe, since)
      const stripeId = file.cap.stripes[stripe]?.ids[0] as Uint8Array
      const delay = immediate ? 0 : repairDelayMs(stripeId, file.cap.repairers, this.#self, this.#repairBackoffMs)
      if (delay === undefined || this.#init.clock.now() < since + delay) { report.deferred++; continue }
      if (!fresh || delay > 0) {
        // look again before spending: new holders (another repairer's), fresh audits
        await this.#discover(file, signal, stripe)
        await this.#auditAll(file, report, signal, stripe)
        decision = planStripe({ statuses: this.#statuses(file, stripe, immediate), k, repairThreshold: this.#threshold(file.cap) })
        if (decision.action !== 'repair') { file.degradedSince.delete(stripe); continue }
      }
      try {
        await this.#repairStripe(file, stripe, decision.recreate, report, signal)
        file.degradedSince.delete(stripe)
      } catch (err) {
        if (signal.aborted) throw err
        report.failures.push({ what: `stripe ${stripe}`, error: errorName(err) })
        this.#init.onError?.(`repair of stripe ${stripe} of ${file.key}`, err)
      }
    }
    await this.#keepManifest(file, report, signal)
    if (file.renewedAt === undefined || this.#init.clock.now() - file.renewedAt >= this.#renewIntervalMs) await this.#renew(file, report, signal)
  }

  #threshold (cap: RepairCap): number {
    const n = cap.k + cap.m
    return Math.max(cap.k, Math.min(this.#init.repairThreshold ?? cap.k + 1, n - 1))
  }

  /** Holders of every shard (or of one stripe's), watched by the scheduler. */
  async #discover (file: WatchedFile, signal: AbortSignal, stripe?: number): Promise<void> {
    const shards = [...file.shards.values()].filter(s => stripe === undefined || s.stripe === stripe)
    await pool(shards, this.#concurrency, async shard => {
      let found: string[] = []
      try {
        found = await this.#init.holders(shard.cid, signal)
      } catch (err) {
        if (signal.aborted) throw err
        this.#init.onError?.(`holders of ${shard.cid.toString()}`, err)
      }
      // a holder once found stays watched: an unreachable one turns lost through the ledger, not by being forgotten
      for (const peer of found) shard.holders.add(peer)
      this.#watch(file, shard.cid)
    })
    if (stripe === undefined) file.discoveredAt = this.#init.clock.now()
  }

  /** Audit now every holder of the file's shards (or one stripe's) that did not pass its last audit. */
  async #auditAll (file: WatchedFile, report: RepairReport, signal: AbortSignal, stripe?: number): Promise<void> {
    const now = this.#init.clock.now()
    const jobs = [...file.shards.values()]
      .filter(s => stripe === undefined || s.stripe === stripe)
      .flatMap(s => [...s.holders].filter(peer => stripe === undefined || this.ledger.status(s.cid.toString(), peer, now) !== 'ok').map(peer => ({ s, peer })))
    await pool(jobs, this.#concurrency, async ({ s, peer }) => {
      await this.#audit(peer, s.cid, s.size, signal)
      report.audited++
    })
  }

  async #audit (peer: string, id: CID, size: number, signal: AbortSignal): Promise<AuditOutcome> {
    const { transport, rng, clock } = this.#init
    let outcome: AuditOutcome
    try {
      outcome = await transport.audit(peer, id.toString(), rng.bytes(32), AUDIT_DEFAULTS.auditGroups, size, signal)
    } catch (err) {
      if (signal.aborted) throw err
      outcome = 'unreachable'
    }
    const at = clock.now()
    this.ledger.record(id.toString(), peer, outcome, at)
    const event = reputationOutcome(outcome)
    if (event !== undefined && peer !== this.#init.self) this.#init.reputation.recordAudit(peer, event)
    try { this.#init.onAudit?.({ id: id.toString(), peer, outcome, at }) } catch {}
    return outcome
  }

  async #repairStripe (file: WatchedFile, stripe: number, recreate: number[], report: RepairReport, signal: AbortSignal): Promise<void> {
    const capStripe = file.cap.stripes[stripe]
    if (capStripe === undefined) return
    const shardsOf = new Map([...file.shards.values()].filter(s => s.stripe === stripe).map(s => [s.index, s]))
    const now = this.#init.clock.now()
    const recreated = await recreateShards({
      stripe: capStripe,
      k: file.cap.k,
      m: file.cap.m,
      recreate,
      signal,
      fetch: async (index, id) => {
        const shard = shardsOf.get(index)
        if (shard === undefined) return undefined
        const sources = rankForRepair([...shard.holders].filter(p => this.ledger.status(id.toString(), p, now) === 'ok').map(peerId => ({ peerId })), { reputation: this.#init.reputation, purpose: 'source', rng: this.#init.rng.random })
        for (const { peerId } of sources) {
          try {
            const bytes = await this.#init.fetch(peerId, id, signal)
            if (!matchesCid(id, bytes)) continue
            report.bytesFetched += bytes.byteLength
            return bytes
          } catch (err) {
            if (signal.aborted) throw err
          }
        }
        return undefined
      }
    })
    const holding = new Set([...shardsOf.values()].flatMap(s => [...s.holders]))
    for (const shard of recreated) {
      const peer = await this.#place(file, shard.id, shard.bytes, holding, signal)
      if (peer === undefined) {
        report.failures.push({ what: `place ${shard.id.toString()}`, error: 'InsufficientPeersError' })
        continue
      }
      holding.add(peer)
      shardsOf.get(shard.index)?.holders.add(peer)
      this.#watch(file, shard.id)
      const event = { key: file.key, stripe, index: shard.index, id: shard.id.toString(), peer, bytes: shard.bytes.byteLength }
      report.repaired.push(event)
      report.bytesRepaired += shard.bytes.byteLength
      try { this.#init.onRepaired?.(event) } catch {}
      // the new holder proves it at once, so the next look counts it as verified
      await this.#audit(peer, shard.id, capStripe.size, signal)
    }
  }

  /** The manifest at `copies` copies: a verified copy placed on new peers while fewer are available. */
  async #keepManifest (file: WatchedFile, report: RepairReport, signal: AbortSignal): Promise<void> {
    const shard = [...file.shards.values()].find(s => s.stripe === -1)
    if (shard === undefined) return
    const id = shard.cid.toString()
    const now = this.#init.clock.now()
    const statuses = [...shard.holders].map(peer => ({ peer, status: this.ledger.status(id, peer, now) }))
    const available = statuses.filter(s => s.status !== 'lost').length
    const want = file.cap.manifest.copies
    if (available >= want) return
    const sources = statuses.filter(s => s.status === 'ok').map(s => s.peer)
    if (sources.length === 0) return
    let bytes: Uint8Array | undefined
    for (const peer of sources) {
      try {
        const got = await this.#init.fetch(peer, shard.cid, signal)
        if (matchesCid(shard.cid, got)) { bytes = got; report.bytesFetched += got.byteLength; break }
      } catch (err) {
        if (signal.aborted) throw err
      }
    }
    if (bytes === undefined) return
    for (let copy = available; copy < want; copy++) {
      const peer = await this.#place(file, shard.cid, bytes, shard.holders, signal)
      if (peer === undefined) break
      shard.holders.add(peer)
      const event = { key: file.key, stripe: -1, index: 0, id, peer, bytes: bytes.byteLength }
      report.repaired.push(event)
      report.bytesRepaired += bytes.byteLength
      try { this.#init.onRepaired?.(event) } catch {}
      await this.#audit(peer, shard.cid, shard.size, signal)
    }
    this.#watch(file, shard.cid)
  }

  /** Have the scheduler audit every holder of `id`, wherever it sits in the file. */
  #watch (file: WatchedFile, id: CID): void {
    const places = [...file.shards.values()].filter(s => s.cid.equals(id))
    const first = places[0]
    if (first === undefined) return
    const holders = new Set(places.flatMap(s => [...s.holders]))
    this.scheduler.watch({ id: id.toString(), size: first.size, stripe: `${file.key}/${first.stripe}`, index: first.index, holders: [...holders] })
  }

  /** Store on the best new distinct peer that takes it; the peer, or undefined when none did. */
  async #place (file: WatchedFile, id: CID, bytes: Uint8Array, exclude: Iterable<string>, signal: AbortSignal): Promise<string | undefined> {
    const candidates = (await this.#init.candidates(signal)).filter(c => c.peerId !== this.#init.self)
    const targets = rankForRepair(candidates, { reputation: this.#init.reputation, purpose: 'target', rng: this.#init.rng.random, size: bytes.byteLength, exclude })
    for (const { peerId } of targets) {
      try {
        await this.#init.store(peerId, file.signed, id, bytes, signal)
        return peerId
      } catch (err) {
        if (signal.aborted) throw err
        this.#init.onError?.(`repair store of ${id.toString()} on ${peerId}`, err)
      }
    }
    return undefined
  }

  /** Renew the leases of the capability's shards on every holder known, to min(exp, now + leaseMs). */
  async #renew (file: WatchedFile, report: RepairReport, signal: AbortSignal): Promise<void> {
    const byPeer = new Map<string, CID[]>()
    for (const shard of file.shards.values()) {
      for (const peer of shard.holders) {
        if (peer === this.#init.self) continue
        const ids = byPeer.get(peer) ?? []
        if (!ids.some(id => id.equals(shard.cid))) ids.push(shard.cid)
        byPeer.set(peer, ids)
      }
    }
    const until = Math.min(file.cap.exp, this.#init.clock.now() + this.#leaseMs)
    let failed = false
    await pool([...byPeer], this.#concurrency, async ([peer, ids]) => {
      try {
        for (let i = 0; i < ids.length; i += RENEW_BATCH) {
          const lasting = await this.#init.renew(peer, file.signed, ids.slice(i, i + RENEW_BATCH), until, signal)
          report.renewed += lasting.filter(Boolean).length
        }
      } catch (err) {
        if (signal.aborted) throw err
        failed = true
        report.failures.push({ what: `renew on ${peer}`, error: errorName(err) })
      }
    })
    // a run where every holder failed is tried again at the next pass
    if (!failed || byPeer.size === 0) file.renewedAt = this.#init.clock.now()
  }

  #forget (file: WatchedFile): void {
    for (const shard of file.shards.values()) this.scheduler.unwatch(shard.cid.toString())
  }
}

/** ids per renew request (the repair protocol's limit) */
const RENEW_BATCH = 256

function newWatched (signed: SignedRepairCap, cap: RepairCap, key: string, since: number): WatchedFile {
  const shards: WatchedFile['shards'] = new Map()
  cap.stripes.forEach((stripe, s) => {
    stripe.ids.forEach((id, index) => {
      const cid = parseShardCid(id)
      shards.set(`${s}/${index}`, { cid, stripe: s, index, size: stripe.size, holders: new Set() })
    })
  })
  const manifest = parseShardCid(cap.manifest.id)
  shards.set('-1/0', { cid: manifest, stripe: -1, index: 0, size: cap.manifest.size, holders: new Set() })
  return { signed, cap, key, shards, degradedSince: new Map(), since }
}

function best (statuses: HolderStatus[]): ShardStatus {
  if (statuses.includes('ok')) return 'ok'
  if (statuses.includes('unknown')) return 'unknown'
  return 'lost'
}

function emptyReport (): RepairReport {
  return { files: 0, audited: 0, degraded: 0, unrecoverable: 0, repaired: [], deferred: 0, bytesFetched: 0, bytesRepaired: 0, renewed: 0, failures: [] }
}

/** Run work over items, `limit` at a time. */
async function pool<T> (items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T)
  }))
}
