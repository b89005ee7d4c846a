/**
 * One simulated run: peers churn (./population.ts), files are put, audited
 * and repaired on a virtual clock, and the truth (which shard bytes still
 * exist anywhere) is kept beside what the auditors believe.
 *
 * Real code on the path: placement's candidate filter and weighted choice
 * (src/mesh/placement.ts `placeable`, src/mesh/peers.ts `rankCandidates`)
 * for puts, `rankForRepair` for repair sources and targets, a real
 * ReputationBook per storage peer fed with every audit, latency and
 * availability sample (src/net/reputation.ts), and real BLAKE3 proofs on
 * the real-proof share of files (./proofs.ts), the real audit ledger and
 * repair planner (src/mesh/audit-ledger.ts, repair-plan.ts) behind
 * ./ports.ts (./real-ports.ts).
 */
import { ReputationBook } from '../src/net/reputation.ts'
import { placeable, rankForRepair } from '../src/mesh/placement.ts'
import { rankCandidates } from '../src/mesh/peers.ts'
import { shardCid } from '../src/core/hash.ts'
import { EventQueue } from './clock.ts'
import { day, hour, type SimConfig } from './config.ts'
import { Metrics } from './metrics.ts'
import { Population, type SimPeer } from './population.ts'
import type { AuditOutcome, HolderStatus, LedgerPort, RepairPlanPort } from './ports.ts'
import { ProofStores, REAL_SHARD_BYTES } from './proofs.ts'
import { logNormal, streamRng, type Rng } from './rng.ts'
import { realLedger, realPlanner } from './real-ports.ts'
import { expectedUptime } from './trace.ts'

/** first wait of a repair that could not fetch k shards (doubles up to a day) */
const REPAIR_RETRY_MS = hour

export interface Holding {
  peer: SimPeer
  /** the bytes exist on the peer (false for a liar from the start, and after a loss or departure) */
  hasData: boolean
}

export interface SimShard {
  id: string
  index: number
  holdings: Holding[]
  /** holdings with data: the truth */
  copies: number
  /** real bytes (real-proof files only) */
  bytes?: Uint8Array
}

export interface SimFile {
  index: number
  key: Uint8Array
  shardBytes: number
  logicalBytes: number
  shards: SimShard[]
  /** the file's repairers (storage peer ids) in the order they act */
  repairers: string[]
  /** shard indices whose bytes exist somewhere */
  durable: number
  lost: boolean
  riskSince: number
  real: boolean
  recheck: boolean
  /** shard indices a repairer has fetched for a repair under way (it keeps them between attempts) */
  fetched?: Set<number>
  /** a repair is scheduled or waiting for sources; the delay of its next attempt (ms) */
  repairRetryMs: number
  /** the repair timer that counts (older ones find another value here and stop) */
  repairChain: number
}

/** How the world is wired: the ports (the real ledger and planner by default, ./real-ports.ts). */
export interface WorldPorts {
  ledger?: (lostAfterMs: number) => LedgerPort
  planner?: RepairPlanPort
}

export class World {
  readonly q = new EventQueue(0)
  readonly c: SimConfig
  readonly pop: Population
  readonly files: SimFile[] = []
  readonly metrics: Metrics
  readonly proofs: ProofStores
  /** what a tab that just opened knows: the storage peers its relay lists (trusted), nobody else */
  readonly uploadBook: ReputationBook
  readonly #holdingsOf = new Map<SimPeer, Set<{ file: SimFile, shard: SimShard, h: Holding }>>()
  readonly #ledgers = new Map<string, LedgerPort>()
  readonly #planner: RepairPlanPort
  readonly #newLedger: (lostAfterMs: number) => LedgerPort
  readonly #rng: Rng
  readonly #fileRng: Rng

  constructor (config: SimConfig, ports: WorldPorts = {}) {
    this.c = config
    this.#rng = streamRng(config.seed, 'world')
    this.#fileRng = streamRng(config.seed, 'files')
    this.#planner = ports.planner ?? realPlanner
    this.#newLedger = ports.ledger ?? realLedger
    const meanFile = config.fileMedianBytes * Math.exp(config.fileSigma ** 2 / 2)
    const storageRoom = config.storageRoomShare * config.files * meanFile * 1.5
    this.pop = new Population(this.q, config, { dataLost: p => { this.loseData(p) }, departed: p => { this.#departed(p) } }, storageRoom)
    this.uploadBook = new ReputationBook({ clock: this.q, trusted: this.pop.storage.map(p => p.id), saveDelayMs: 10 * 365 * day })
    this.metrics = new Metrics(config)
    this.proofs = new ProofStores(id => { const p = this.pop.byId.get(id); return p === undefined ? undefined : { online: p.online, liar: p.kind === 'liar' } }, streamRng(config.seed, 'liars'), this.q.now)
  }

  /** Run the whole trace; returns the metrics. */
  async run (): Promise<Metrics> {
    this.start()
    const t0 = performance.now()
    await this.q.run(this.c.days * day)
    this.finish(performance.now() - t0)
    return this.metrics
  }

  /** Schedule the puts and the periodic samples (run() does it; tests step the clock themselves with q.run). */
  start (): void {
    const end = this.c.days * day
    for (let i = 0; i < this.c.files; i++) this.q.at(this.#fileRng() * Math.min(this.c.uploadSpanMs, end / 2), () => this.#put(i))
    // each storage peer samples who is online at its own phase (the monitor of src/net/reputation-monitor.ts, coarser)
    for (const s of this.pop.storage) {
      const sample = (): void => {
        if (s.online) s.book?.sampleAll(this.pop.onlineIds())
        this.q.after(this.c.availabilitySampleMs, sample)
      }
      this.q.after(this.#rng() * this.c.availabilitySampleMs, sample)
    }
    const sampleReadable = (): void => {
      this.metrics.sampleReadable(this.files, this.c.readableSampleMs)
      this.q.after(this.c.readableSampleMs, sampleReadable)
    }
    this.q.after(this.c.readableSampleMs, sampleReadable)
  }

  /** Close the books: time at risk up to now, and the derived figures. */
  finish (runtimeMs: number): void {
    for (const f of this.files) this.#risk(f, true)
    this.metrics.finish(this, runtimeMs)
  }

  // ---- truth -------------------------------------------------------------

  #copyAdded (f: SimFile, s: SimShard): void {
    if (s.copies++ === 0) { f.durable++; this.#risk(f) }
  }

  #copyRemoved (f: SimFile, s: SimShard): void {
    if (--s.copies === 0) {
      f.durable--
      this.#risk(f)
      if (f.durable < this.c.k && !f.lost) {
        f.lost = true
        this.metrics.lost++
      }
    }
  }

  /** Count file-hours at health == k (the truth: shard indices whose bytes exist). */
  #risk (f: SimFile, final = false): void {
    const now = this.q.now()
    if (!Number.isNaN(f.riskSince)) { this.metrics.atRiskMs += now - f.riskSince; f.riskSince = Number.NaN }
    if (!final && f.durable === this.c.k && !f.lost) f.riskSince = now
  }

  #hold (f: SimFile, s: SimShard, peer: SimPeer): Holding {
    const h: Holding = { peer, hasData: peer.kind !== 'liar' }
    s.holdings.push(h)
    peer.used += f.shardBytes
    let set = this.#holdingsOf.get(peer)
    if (set === undefined) { set = new Set(); this.#holdingsOf.set(peer, set) }
    set.add({ file: f, shard: s, h })
    if (h.hasData) this.#copyAdded(f, s)
    return h
  }

  /** The peer silently loses every shard it holds (the trace's losses; tests call it directly). */
  loseData (peer: SimPeer): void {
    for (const { file, shard, h } of this.#holdingsOf.get(peer) ?? []) {
      if (!h.hasData) continue
      h.hasData = false
      this.#copyRemoved(file, shard)
      if (file.real) this.proofs.lose(peer.id, shard.id)
    }
  }

  #departed (peer: SimPeer): void {
    this.loseData(peer)
    this.#holdingsOf.delete(peer)
    void this.proofs.drop(peer.id)
  }

  // ---- puts ----------------------------------------------------------------

  /** Candidates a node knows right now: the storage peers online, and some online tabs. */
  #candidates (except?: SimPeer): Array<{ peerId: string, free: number, peer: SimPeer }> {
    const list = [...this.pop.storage.filter(p => p.online), ...this.pop.onlineTabs(this.c.candidateTabs)]
    return list.filter(p => p !== except).map(peer => ({ peerId: peer.id, free: peer.room - peer.used, peer }))
  }

  #put (i: number): void | Promise<void> {
    const owner = this.pop.anyOnlineTab()
    const { k, m } = this.c
    const n = k + m
    const logical = Math.max(64 * 1024, Math.min(64 * 1024 * 1024, Math.round(logNormal(this.#fileRng, this.c.fileMedianBytes, this.c.fileSigma))))
    const shardBytes = Math.ceil(logical / k)
    // placement as src/mesh/placement.ts does it: room filters, the reputation book ranks (weighted at random among the good, then the fair)
    const fits = this.#candidates(owner).filter(c => c.free >= shardBytes)
    const order = rankCandidates(placeable(fits, this.uploadBook), { reputation: this.uploadBook, rng: this.#rng })
    if (order.length === 0) { this.q.after(hour, () => this.#put(i)); return }
    const real = this.#fileRng() < this.c.realProofShare
    const key = new Uint8Array(16)
    new DataView(key.buffer).setUint32(0, i)
    const f: SimFile = { index: this.files.length, key, shardBytes, logicalBytes: logical, shards: [], repairers: [], durable: 0, lost: false, riskSince: Number.NaN, real, recheck: false, repairRetryMs: 0, repairChain: 0 }
    for (let s = 0; s < n; s++) {
      let bytes: Uint8Array | undefined
      let id = `f${i}.${s}`
      if (real) {
        bytes = randomBytes(this.#fileRng, REAL_SHARD_BYTES)
        id = shardCid(bytes).toString()
      }
      f.shards.push({ id, index: s, holdings: [], copies: 0, ...(bytes !== undefined ? { bytes } : {}) })
    }
    // n distinct peers when there are; fewer candidates than shards: the least loaded takes another (the 'warn' policy)
    const chosen = order.slice(0, n).map(c => c.peer)
    const load = new Map<SimPeer, number>()
    const puts: Array<Promise<void>> = []
    for (let s = 0; s < n; s++) {
      const peer = s < chosen.length ? chosen[s] as SimPeer : [...chosen].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0))[0] as SimPeer
      load.set(peer, (load.get(peer) ?? 0) + 1)
      const shard = f.shards[s] as SimShard
      const h = this.#hold(f, shard, peer)
      if (real && h.hasData) puts.push(this.proofs.put(peer.id, shard.id, shard.bytes as Uint8Array))
    }
    // the owner's choice of repairers (any storage peers will do): spread by a cheap hash of the file and peer
    const repairers = [...this.pop.storage].sort((a, b) => mix(i, a.index) - mix(i, b.index)).slice(0, this.c.repairersPerFile).map(p => p.id)
    f.repairers = this.#planner.order(parseKey(f.shards[0]?.id ?? ''), repairers)
    this.files.push(f)
    this.metrics.putFile(f, n)
    this.#scheduleAudit(f, this.c.auditIntervalMs * (1 - this.c.auditJitter + 2 * this.c.auditJitter * this.#rng()))
    if (puts.length > 0) return Promise.all(puts).then(() => {})
  }

  // ---- audits --------------------------------------------------------------

  #ledger (auditor: string): LedgerPort {
    let l = this.#ledgers.get(auditor)
    if (l === undefined) { l = this.#newLedger(this.c.lostAfterMs); this.#ledgers.set(auditor, l) }
    return l
  }

  #scheduleAudit (f: SimFile, afterMs: number): void {
    this.q.after(afterMs, () => this.#audit(f, false))
  }

  /** The modelled answer of a holder (the real-proof share checks it against real proofs). */
  #modelled (h: Holding): AuditOutcome {
    if (!h.peer.online) return 'unreachable'
    if (h.peer.kind === 'liar') return 'fail'
    return h.hasData ? 'pass' : 'lost'
  }

  /** One audit round of a file by its first online repairer (`recheck`: only the holders still unknown); a promise only for real-proof files. */
  #audit (f: SimFile, recheck: boolean): void | Promise<void> {
    if (f.lost) return
    if (recheck) f.recheck = false
    else this.#scheduleAudit(f, this.c.auditIntervalMs * (1 - this.c.auditJitter + 2 * this.c.auditJitter * this.#rng()))
    const rank = f.repairers.findIndex(id => this.pop.byId.get(id)?.online === true)
    if (rank < 0) return
    const auditor = this.pop.byId.get(f.repairers[rank] as string) as SimPeer
    if (!f.real) {
      for (const s of f.shards) for (const h of s.holdings) this.#auditHolder(f, s, h, auditor, recheck, this.#modelled(h))
      this.#afterAudit(f, auditor, rank)
      return
    }
    return (async () => {
      for (const s of f.shards) {
        for (const h of s.holdings) {
          const modelled = this.#modelled(h)
          const real = await this.proofs.audit(h.peer.id, s.id, randomBytes(this.#rng, 32), this.c.auditGroups, REAL_SHARD_BYTES)
          if (real !== modelled) this.metrics.proofDisagreements++
          this.metrics.realAudits++
          this.#auditHolder(f, s, h, auditor, recheck, real)
        }
      }
      this.#afterAudit(f, auditor, rank)
    })()
  }

  /** Record one holder's answer in the auditor's ledger and reputation book. */
  #auditHolder (f: SimFile, s: SimShard, h: Holding, auditor: SimPeer, recheck: boolean, outcome: AuditOutcome): void {
    const ledger = this.#ledger(auditor.id)
    const now = this.q.now()
    if (recheck && ledger.status(s.id, h.peer.id, now) !== 'unknown') return
    const book = auditor.book as ReputationBook
    this.metrics.audit(f, outcome, this.c.auditGroups)
    ledger.record(s.id, h.peer.id, outcome, now)
    if (outcome === 'pass') book.recordAudit(h.peer.id, 'passed')
    else if (outcome === 'fail') book.recordAudit(h.peer.id, 'failed')
    else if (outcome === 'lost') book.recordAudit(h.peer.id, 'lost')
    else if (outcome === 'timeout') book.recordAudit(h.peer.id, 'late')
    // one round trip in ten is enough for the book's moving average
    if (outcome !== 'unreachable' && this.#rng() < 0.1) book.recordLatency(h.peer.id, h.peer.latencyMs)
  }

  /** After a round: recheck the unknown holders once their grace is over, and repair when the planner says so. */
  #afterAudit (f: SimFile, auditor: SimPeer, rank: number): void {
    const ledger = this.#ledger(auditor.id)
    const now = this.q.now()
    const statuses = this.#statuses(f, ledger, now)
    if (!f.recheck && this.c.lostAfterMs < this.c.auditIntervalMs && statuses.some(list => list.includes('unknown'))) {
      f.recheck = true
      this.q.after(this.c.lostAfterMs + 60_000, () => this.#audit(f, true))
    }
    const decision = this.#planner.decide({ k: this.c.k, n: f.shards.length, shards: statuses }, this.c.threshold)
    if (decision.repair && f.repairRetryMs === 0) {
      f.repairRetryMs = REPAIR_RETRY_MS
      const chain = ++f.repairChain
      this.q.after(rank * this.c.repairBackoffMs, () => chain === f.repairChain ? this.#repair(f, auditor) : undefined)
    }
  }

  #statuses (f: SimFile, ledger: LedgerPort, now: number): HolderStatus[][] {
    return f.shards.map(s => s.holdings.map(h => ledger.status(s.id, h.peer.id, now)))
  }

  // ---- repair --------------------------------------------------------------

  #repair (f: SimFile, repairer: SimPeer): void | Promise<void> {
    if (f.lost || !repairer.online) { this.#repairDone(f); return }
    const ledger = this.#ledger(repairer.id)
    const book = repairer.book as ReputationBook
    const now = this.q.now()
    const statuses = this.#statuses(f, ledger, now)
    const decision = this.#planner.decide({ k: this.c.k, n: f.shards.length, shards: statuses }, this.c.threshold)
    if (!decision.repair) { this.#repairDone(f); return }
    // sources: holders known ok, ranked as rankForRepair ranks them; a fetched shard is checked against its id
    const sources = f.shards.flatMap((s, i) => s.holdings.filter((h, j) => statuses[i]?.[j] === 'ok').map(h => ({ peerId: h.peer.id, s, h })))
    const got = f.fetched ?? new Set<number>()
    for (const src of rankForRepair(sources, { reputation: book, purpose: 'source', rng: this.#rng })) {
      if (got.size >= this.c.k) break
      if (got.has(src.s.index) || !src.h.peer.online) continue
      this.metrics.repairBytes += f.shardBytes
      if (src.h.hasData && src.h.peer.kind !== 'liar') got.add(src.s.index)
      else book.record(src.h.peer.id, src.h.peer.kind === 'liar' ? 'corrupt' : 'lost')
    }
    if (got.size < this.c.k) {
      f.fetched = got
      this.metrics.repairsDeferred++
      // wait for more holders to come online: 1 h, then twice as long each time, at most a day
      const wait = Math.max(REPAIR_RETRY_MS, f.repairRetryMs)
      f.repairRetryMs = Math.min(day, wait * 2)
      const chain = f.repairChain
      this.q.after(wait, () => chain === f.repairChain ? this.#repair(f, repairer) : undefined)
      return
    }
    this.#repairDone(f)
    // the holders known lost are dropped (a holder that still had the bytes was repaired away needlessly)
    for (const [i, s] of f.shards.entries()) {
      s.holdings = s.holdings.filter((h, j) => {
        if (statuses[i]?.[j] !== 'lost') return true
        if (h.hasData) { this.metrics.needlessRepairs++; h.hasData = false; this.#copyRemoved(f, s) }
        h.peer.used -= f.shardBytes
        ledger.forget(s.id, h.peer.id)
        return false
      })
    }
    const exclude = new Set(f.shards.flatMap(s => s.holdings.map(h => h.peer.id)))
    const targets = rankForRepair(this.#candidates(), { reputation: book, purpose: 'target', rng: this.#rng, size: f.shardBytes, exclude })
    let t = 0
    const puts: Array<Promise<void>> = []
    for (const index of decision.missing) {
      const target = targets[t++]
      if (target === undefined) { this.metrics.repairsShort++; break }
      const s = f.shards[index] as SimShard
      const h = this.#hold(f, s, target.peer)
      if (f.real && h.hasData) puts.push(this.proofs.put(target.peer.id, s.id, s.bytes as Uint8Array))
      this.metrics.repairBytes += f.shardBytes
      this.metrics.shardsRepaired++
    }
    this.metrics.repairs++
    if (puts.length > 0) return Promise.all(puts).then(() => {})
  }

  /** No repair under way for `f`: its pending timer, if any, stops when it fires. */
  #repairDone (f: SimFile): void {
    f.fetched = undefined
    f.repairRetryMs = 0
    f.repairChain++
  }

  /** The kinds of peers and their long-run uptime (for the docs). */
  traceSummary (): Array<{ kind: string, count: number, uptime: number }> {
    const counts = new Map<string, number>()
    for (const p of this.pop.peers) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1)
    return [...counts].map(([kind, count]) => ({ kind, count, uptime: expectedUptime(this.c.trace, kind as SimPeer['kind']) }))
  }
}

/** `length` bytes from `rng`, four at a time. */
export function randomBytes (rng: Rng, length: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4))
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(rng() * 4294967296)
  return new Uint8Array(words.buffer, 0, length)
}

/** A 32-bit mix of two integers (splitmix-like), for spreading choices. */
function mix (a: number, b: number): number {
  let x = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d)
  x ^= x >>> 15
  return x >>> 0
}

function parseKey (id: string): Uint8Array {
  return new TextEncoder().encode(id)
}
