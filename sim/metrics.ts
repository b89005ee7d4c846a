/** What a run measures, and the figures derived from it (per stored byte, per day, per 10,000 files and 90 days). */
import { AUDIT_GROUP_BYTES } from '../src/core/blake3-tree.ts'
import { hour, labelOf, type SimConfig } from './config.ts'
import type { AuditOutcome } from './ports.ts'
import type { SimFile, World } from './world.ts'

/** bytes of an audit request on the wire (frame + dag-cbor map with a CID and a 32-byte nonce) */
const AUDIT_REQUEST_BYTES = 96
/** answer overhead besides the groups and sibling CVs (frame, map keys, size) */
const AUDIT_ANSWER_OVERHEAD_BYTES = 48

export interface RunResult {
  label: string
  k: number
  m: number
  threshold: number
  lostAfterHours: number
  peers: number
  files: number
  days: number
  seed: string
  filesLost: number
  lostPer10kFiles90d: number
  atRiskFileHours: number
  /** file-hours when fewer than k shard holders were online (sampled) */
  unreadableFileHours: number
  repairBytesPerStoredBytePerDay: number
  auditBytesPerStoredBytePerDay: number
  shardsRepaired: number
  needlessRepairs: number
  repairsShort: number
  repairsDeferred: number
  audits: Record<AuditOutcome, number>
  realAudits: number
  proofDisagreements: number
  realProofMs: number
  departures: number
  dataLosses: number
  runtimeMs: number
}

export class Metrics {
  readonly #c: SimConfig
  lost = 0
  atRiskMs = 0
  unreadableMs = 0
  repairBytes = 0
  auditBytes = 0
  repairs = 0
  shardsRepaired = 0
  needlessRepairs = 0
  repairsShort = 0
  repairsDeferred = 0
  realAudits = 0
  proofDisagreements = 0
  storedLogicalBytes = 0
  filesPut = 0
  audits: Record<AuditOutcome, number> = { pass: 0, fail: 0, lost: 0, timeout: 0, unreachable: 0 }
  result?: RunResult

  constructor (config: SimConfig) {
    this.#c = config
  }

  putFile (f: SimFile, _n: number): void {
    this.storedLogicalBytes += f.logicalBytes
    this.filesPut++
  }

  audit (f: SimFile, outcome: AuditOutcome, groups: number): void {
    this.audits[outcome]++
    if (outcome === 'unreachable') return
    const answered = outcome === 'pass' || outcome === 'fail'
    const groupBytes = Math.min(groups * AUDIT_GROUP_BYTES, f.shardBytes)
    const siblings = Math.ceil(Math.log2(Math.max(1, Math.ceil(f.shardBytes / AUDIT_GROUP_BYTES)))) * groups * 34
    this.auditBytes += AUDIT_REQUEST_BYTES + (answered ? AUDIT_ANSWER_OVERHEAD_BYTES + groupBytes + siblings : AUDIT_ANSWER_OVERHEAD_BYTES)
  }

  /** One look at which files could be read now (fewer than k shard indices with an online holder that has the bytes). */
  sampleReadable (files: readonly SimFile[], periodMs: number): void {
    for (const f of files) {
      if (f.lost) { this.unreadableMs += periodMs; continue }
      let readable = 0
      for (const s of f.shards) if (s.holdings.some(h => h.hasData && h.peer.online)) readable++
      if (readable < this.#c.k) this.unreadableMs += periodMs
    }
  }

  finish (world: World, runtimeMs: number): void {
    const c = this.#c
    // stored bytes: the files' own (logical) bytes, each counted from the start of the run (puts are spread over the first days)
    const byteDays = Math.max(1, this.storedLogicalBytes) * c.days
    const scale = (10_000 / Math.max(1, this.filesPut)) * (90 / c.days)
    this.result = {
      label: labelOf(c),
      k: c.k,
      m: c.m,
      threshold: c.threshold,
      lostAfterHours: c.lostAfterMs / hour,
      peers: c.peers,
      files: this.filesPut,
      days: c.days,
      seed: c.seed,
      filesLost: this.lost,
      lostPer10kFiles90d: round(this.lost * scale),
      atRiskFileHours: round(this.atRiskMs / hour),
      unreadableFileHours: round(this.unreadableMs / hour),
      repairBytesPerStoredBytePerDay: round(this.repairBytes / byteDays, 5),
      auditBytesPerStoredBytePerDay: round(this.auditBytes / byteDays, 5),
      shardsRepaired: this.shardsRepaired,
      needlessRepairs: this.needlessRepairs,
      repairsShort: this.repairsShort,
      repairsDeferred: this.repairsDeferred,
      audits: { ...this.audits },
      realAudits: this.realAudits,
      proofDisagreements: this.proofDisagreements,
      realProofMs: round(world.proofs.proofMs),
      departures: world.pop.departures,
      dataLosses: world.pop.dataLosses,
      runtimeMs: Math.round(runtimeMs)
    }
  }
}

export function round (x: number, digits = 2): number {
  if (x === 0 || !Number.isFinite(x)) return x
  const f = 10 ** Math.max(digits, Math.ceil(-Math.log10(Math.abs(x))) + 2)
  return Math.round(x * f) / f
}

