/**
 * The seams between the simulation and the audit and repair logic, shaped
 * as the durability design's ports (Clock, Rng, AuditTransport): the real
 * src/mesh/audit-ledger.ts and repair-plan.ts sit behind them
 * (./real-ports.ts), and a test may put anything else there. The
 * simulation reports which implementation ran each part (`Implementations`).
 */
export type { Clock } from './clock.ts'
export type { Rng } from './rng.ts'

/** What one audit of one holder for one shard came to (the design's outcomes). */
export type AuditOutcome = 'pass' | 'fail' | 'lost' | 'timeout' | 'unreachable'

/** Challenge a holder: `groups` 16 KiB groups of the shard `id` of `size` bytes under `nonce`. */
export interface AuditTransport {
  audit: (peer: string, id: string, nonce: Uint8Array, groups: number, size: number, signal?: AbortSignal) => Promise<AuditOutcome>
}

/** A holder as an auditor's ledger sees it. */
export type HolderStatus = 'ok' | 'lost' | 'unknown'

/** Per (shard, holder): what the last audits said (the AuditLedger's job). */
export interface LedgerPort {
  record: (shard: string, peer: string, outcome: AuditOutcome, now: number) => void
  status: (shard: string, peer: string, now: number) => HolderStatus
  /** the holder no longer counts for the shard (replaced by repair) */
  forget: (shard: string, peer: string) => void
}

/** One stripe as the repair planner sees it: for each shard index, its holders' statuses. */
export interface StripeView {
  k: number
  n: number
  shards: HolderStatus[][]
}

export interface RepairDecision {
  /** shard indices known available (an 'ok' or 'unknown' holder) */
  available: number
  /** re-create now */
  repair: boolean
  /** the shard indices to re-create (no 'ok' or 'unknown' holder) */
  missing: number[]
}

/** The repair planner's two decisions: whether a stripe needs repair, and in which order its repairers act. */
export interface RepairPlanPort {
  decide: (stripe: StripeView, threshold: number) => RepairDecision
  /** the repairers of a stripe in the order they act (the first at once, the next after repairBackoffMs) */
  order: (stripeKey: Uint8Array, repairers: readonly string[]) => string[]
}

/** Which code ran each part of a run: shown in every output. */
export interface Implementations {
  placement: string
  reputation: string
  proofs: string
  ledger: string
  repairDecision: string
  rendezvous: string
  repairTargets: string
  dht: string
}
