/**
 * Stand-ins for the audit ledger and the repair planner, written from the
 * durability design until src/mesh/audit-ledger.ts and repair-plan.ts are
 * in the tree; every output names them as stand-ins. They implement the
 * ports of ./ports.ts and nothing else.
 *
 * Ledger: per (shard, holder) the last pass and the first failure or
 * unreachable answer since; 'lost' at once for a typed lost answer, after
 * `lostAfterMs` of failures or unreachability otherwise; 'unknown' within
 * that grace; 'ok' after a pass (and for a holder that was just given the
 * shard and has not been audited yet).
 *
 * Planner: a stripe's available count is the number of shard indices with an
 * 'ok' or 'unknown' holder; it is repaired when that count is at most the
 * threshold (and below n); the indices to re-create are those with no such
 * holder. Repairers act in rendezvous order: BLAKE3(stripe key || peer id),
 * smallest first.
 */
import { blake3 } from '../src/core/hash.ts'
import type { AuditOutcome, HolderStatus, LedgerPort, RepairDecision, RepairPlanPort, StripeView } from './ports.ts'

interface Entry {
  lastPassAt: number
  badSince: number
  lost: boolean
}

export class StandInLedger implements LedgerPort {
  readonly #entries = new Map<string, Map<string, Entry>>()
  readonly #lostAfterMs: number

  constructor (lostAfterMs: number) {
    this.#lostAfterMs = lostAfterMs
  }

  #entry (shard: string, peer: string): Entry {
    let byPeer = this.#entries.get(shard)
    if (byPeer === undefined) { byPeer = new Map(); this.#entries.set(shard, byPeer) }
    let e = byPeer.get(peer)
    if (e === undefined) {
      e = { lastPassAt: Number.NaN, badSince: Number.NaN, lost: false }
      byPeer.set(peer, e)
    }
    return e
  }

  record (shard: string, peer: string, outcome: AuditOutcome, now: number): void {
    const e = this.#entry(shard, peer)
    if (outcome === 'pass') {
      e.lastPassAt = now
      e.badSince = Number.NaN
      e.lost = false
    } else if (outcome === 'lost') {
      e.lost = true
    } else if (Number.isNaN(e.badSince)) {
      e.badSince = now
    }
  }

  status (shard: string, peer: string, now: number): HolderStatus {
    const e = this.#entries.get(shard)?.get(peer)
    if (e === undefined) return 'ok'
    if (e.lost) return 'lost'
    if (Number.isNaN(e.badSince)) return 'ok'
    return now - e.badSince > this.#lostAfterMs ? 'lost' : 'unknown'
  }

  forget (shard: string, peer: string): void {
    const byPeer = this.#entries.get(shard)
    byPeer?.delete(peer)
    if (byPeer?.size === 0) this.#entries.delete(shard)
  }
}

const encoder = new TextEncoder()

export const standInPlanner: RepairPlanPort = {
  decide (stripe: StripeView, threshold: number): RepairDecision {
    const missing: number[] = []
    for (let i = 0; i < stripe.shards.length; i++) {
      if (!(stripe.shards[i] as HolderStatus[]).some(s => s !== 'lost')) missing.push(i)
    }
    const available = stripe.n - missing.length
    return { available, repair: missing.length > 0 && available <= threshold && available >= stripe.k, missing }
  },
  order (stripeKey: Uint8Array, repairers: readonly string[]): string[] {
    const keyed = repairers.map(peer => ({ peer, h: blake3(stripeKey, encoder.encode(peer)) }))
    const cmp = (a: Uint8Array, b: Uint8Array): number => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
      return 0
    }
    return keyed.sort((a, b) => cmp(a.h, b.h)).map(k => k.peer)
  }
}
