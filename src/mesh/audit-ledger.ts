/**
 * What this node knows of who keeps which shard: per (shard id, holder),
 * the last audit's outcome and time, the last pass, since when the holder
 * has not passed, and whether it said or showed that it lost the shard.
 * Pure logic: times are given, never read.
 *
 * A holder's status at `now`:
 *   ok       its last audit passed
 *   lost     it failed (wrong bytes, size or proof, a malformed answer) or
 *            said it does not have the shard, since its last pass; or it
 *            has been unreachable or too slow for more than lostAfterMs
 *   unknown  never audited, or unreachable / late for at most lostAfterMs
 *            (a tab closed for the night is not a lost holder)
 *
 * At most `maxEntries` pairs are kept (the least recently audited go
 * first). Kept in memory: a node that restarts audits again.
 */
import type { AuditOutcome } from '../net/audit/index.ts'
import type { AuditOutcome as ReputationAuditOutcome } from '../net/reputation.ts'

const hour = 60 * 60 * 1000

export const AUDIT_DEFAULTS = Object.freeze({
  /** how often each holder of a watched shard is audited: daily finds a loss well within the repair window */
  auditIntervalMs: 24 * hour,
  /** ± this fraction of the interval, at random, so a node's audits do not fall due together */
  auditJitter: 0.1,
  /**
   * an unreachable or late holder counts as lost after this long: longer than
   * a tab's usual time away (the simulation's trace: a median offline gap of
   * 16 h). In `npm run sim` 1 h, 6 h and 24 h lost as many files, but 24 h
   * moved a quarter of 6 h's repair bytes (docs/sim/results.md)
   */
  lostAfterMs: 24 * hour,
  /** groups per challenge: 32 KiB read per audit (at most MAX_AUDIT_GROUPS) */
  auditGroups: 2,
  /** audits one node runs at once */
  auditConcurrency: 4,
  /** (shard, holder) pairs a ledger keeps: 100,000 x ~150 bytes */
  maxLedgerEntries: 100_000
})

export type HolderStatus = 'ok' | 'lost' | 'unknown'

export interface LedgerEntry {
  id: string
  peer: string
  lastOutcome: AuditOutcome
  lastCheckedAt: number
  lastPassAt?: number
  /** first audit since the last pass that did not pass */
  badSince?: number
  /** first audit since the last pass that failed or was answered lost */
  lostSince?: number
}

export interface AuditLedgerInit {
  lostAfterMs?: number
  maxEntries?: number
}

/** What an audit outcome tells the reputation book (unreachable tells it nothing: availability is observed apart). */
export function reputationOutcome (outcome: AuditOutcome): ReputationAuditOutcome | undefined {
  switch (outcome) {
    case 'pass': return 'passed'
    case 'fail': return 'failed'
    case 'lost': return 'lost'
    case 'timeout': return 'late'
    case 'unreachable': return undefined
  }
}

export class AuditLedger {
  readonly lostAfterMs: number
  readonly #maxEntries: number
  readonly #entries = new Map<string, LedgerEntry>()

  constructor (init: AuditLedgerInit = {}) {
    this.lostAfterMs = init.lostAfterMs ?? AUDIT_DEFAULTS.lostAfterMs
    this.#maxEntries = init.maxEntries ?? AUDIT_DEFAULTS.maxLedgerEntries
  }

  /** Note an audit of `peer` for shard `id` at time `at`. */
  record (id: string, peer: string, outcome: AuditOutcome, at: number): LedgerEntry {
    const key = keyOf(id, peer)
    const before = this.#entries.get(key)
    const entry: LedgerEntry = { id, peer, lastOutcome: outcome, lastCheckedAt: at }
    if (outcome === 'pass') {
      entry.lastPassAt = at
    } else {
      if (before?.lastPassAt !== undefined) entry.lastPassAt = before.lastPassAt
      entry.badSince = before?.badSince ?? at
      const lostSince = before?.lostSince ?? (outcome === 'fail' || outcome === 'lost' ? at : undefined)
      if (lostSince !== undefined) entry.lostSince = lostSince
    }
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
    return entry
  }

  /** The holder's status at `now` (see the module header). */
  status (id: string, peer: string, now: number): HolderStatus {
    return statusOf(this.#entries.get(keyOf(id, peer)), now, this.lostAfterMs)
  }

  entry (id: string, peer: string): Readonly<LedgerEntry> | undefined {
    return this.#entries.get(keyOf(id, peer))
  }

  /** Forget one holder of `id`, or every holder of it. */
  forget (id: string, peer?: string): void {
    if (peer !== undefined) { this.#entries.delete(keyOf(id, peer)); return }
    for (const [key, e] of this.#entries) if (e.id === id) this.#entries.delete(key)
  }

  get size (): number {
    return this.#entries.size
  }
}

export function statusOf (entry: LedgerEntry | undefined, now: number, lostAfterMs: number): HolderStatus {
  if (entry === undefined) return 'unknown'
  if (entry.lastOutcome === 'pass') return 'ok'
  if (entry.lostSince !== undefined) return 'lost'
  return entry.badSince !== undefined && now - entry.badSince > lostAfterMs ? 'lost' : 'unknown'
}

function keyOf (id: string, peer: string): string {
  return `${id} ${peer}`
}

/** How one stripe stands: shard indices with a holder that passed, with none that passed but one that may still have it, and with neither. */
export interface StripeHealth {
  verified: number
  unknown: number
  lost: number
}

/** Count a stripe's shard indices by the best status among their holders. */
export function stripeHealth (shards: ReadonlyArray<readonly HolderStatus[]>): StripeHealth {
  const out: StripeHealth = { verified: 0, unknown: 0, lost: 0 }
  for (const statuses of shards) {
    if (statuses.includes('ok')) out.verified++
    else if (statuses.includes('unknown')) out.unknown++
    else out.lost++
  }
  return out
}

export type FileState = 'healthy' | 'degraded' | 'at-risk' | 'lost'

/** A file's state from its health (the fewest verified shard indices of any stripe) and its coding. */
export function fileState (health: number, k: number, n: number): FileState {
  if (health >= n) return 'healthy'
  if (health > k) return 'degraded'
  if (health === k) return 'at-risk'
  return 'lost'
}
