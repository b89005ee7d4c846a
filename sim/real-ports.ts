/**
 * The real audit ledger and repair planner behind the simulation's ports:
 * src/mesh/audit-ledger.ts (AuditLedger: per shard and holder, ok / unknown
 * / lost with the grace) and src/mesh/repair-plan.ts (planStripe: the
 * stripe decision; rankRepairers: BLAKE3 rendezvous order).
 */
import { AuditLedger } from '../src/mesh/audit-ledger.ts'
import { planStripe, rankRepairers } from '../src/mesh/repair-plan.ts'
import type { HolderStatus, LedgerPort, RepairDecision, RepairPlanPort, StripeView } from './ports.ts'

/** every pair a storage peer audits fits (the default bound is for one node's own files) */
const SIM_LEDGER_ENTRIES = 10_000_000

export function realLedger (lostAfterMs: number): LedgerPort {
  return new AuditLedger({ lostAfterMs, maxEntries: SIM_LEDGER_ENTRIES })
}

/** A shard index's status: its best holder's ('ok' over 'unknown' over 'lost'; no holder left: 'lost'). */
export function bestStatus (holders: readonly HolderStatus[]): HolderStatus {
  return holders.includes('ok') ? 'ok' : holders.includes('unknown') ? 'unknown' : 'lost'
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const realPlanner: RepairPlanPort = {
  decide (stripe: StripeView, threshold: number): RepairDecision {
    const d = planStripe({ statuses: stripe.shards.map(bestStatus), k: stripe.k, repairThreshold: threshold })
    return { available: d.available, repair: d.action === 'repair', missing: d.action === 'repair' ? d.recreate : [] }
  },
  order (stripeKey: Uint8Array, repairers: readonly string[]): string[] {
    return rankRepairers(stripeKey, repairers.map(p => encoder.encode(p))).map(p => decoder.decode(p))
  }
}
