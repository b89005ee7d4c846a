/**
 * audit: run a check of a file now (./check.ts) and return what each
 * holder answered: outcome, reason and the status the ledger gives it.
 */
import type { MeshAudits } from '../audit-transport.ts'
import type { MeshContext } from '../context.ts'
import type { AuditRun, CheckOptions, FileRef } from '../types.ts'
import { runCheck } from './check.ts'

export async function audit (ctx: MeshContext, audits: MeshAudits, ref: FileRef, options: CheckOptions = {}): Promise<AuditRun> {
  const { check, audits: ran } = await runCheck(ctx, audits, ref, options)
  return {
    key: check.key,
    health: check.health,
    state: check.state,
    checkedAt: check.checkedAt,
    audits: ran.map(a => ({
      stripe: a.stripe,
      shard: a.shard,
      id: a.id,
      peerId: a.peerId,
      outcome: a.outcome,
      ...(a.reason !== undefined ? { reason: a.reason } : {}),
      status: a.status,
      checkedAt: a.checkedAt
    }))
  }
}
