/**
 * A node's auditing kit: its ledger, clock and random numbers, and the
 * transport that audits a holder, over /datamesh/audit/1.0.0 (the node's
 * `audit` service) or, for this node itself, against its own store with the
 * same checks (../net/audit/verify.ts). Outcomes of every audit go to the
 * ledger and the reputation book (`auditHolder`).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { parseShardCid } from '../core/hash.ts'
import { AUDIT_NONCE_BYTES, auditIndices, checkAuditAnswer, outcomeOfError, type AuditReport, type AuditService } from '../net/audit/index.ts'
import type { ShardStore } from '../store/types.ts'
import { AUDIT_DEFAULTS, AuditLedger, reputationOutcome, type HolderStatus } from './audit-ledger.ts'
import { systemClock, systemRng, type AuditTransport, type Clock, type Rng } from './audit-ports.ts'
import type { MeshContext } from './context.ts'

export interface MeshAuditsInit {
  /** the clock audits are timed by (default the system's; tests and simulations move it) */
  clock?: Clock
  /** nonces and jitter (default crypto random bytes, Math.random) */
  auditRng?: Rng
  /** ms an unreachable holder stays 'unknown' before it counts as lost (default 6 h) */
  lostAfterMs?: number
}

export interface MeshAudits {
  ledger: AuditLedger
  clock: Clock
  rng: Rng
  /** the port the scheduler takes: outcome only */
  transport: AuditTransport
  /** audit one holder now with a fresh nonce, record it, and say what it found */
  auditHolder: (peer: string, id: CID, size: number, signal?: AbortSignal) => Promise<HolderAudit>
}

export interface HolderAudit extends AuditReport {
  status: HolderStatus
  checkedAt: number
}

export function meshAudits (ctx: MeshContext, init: MeshAuditsInit = {}): MeshAudits {
  const clock = init.clock ?? systemClock
  const rng = init.auditRng ?? systemRng
  const ledger = new AuditLedger({ lostAfterMs: init.lostAfterMs ?? AUDIT_DEFAULTS.lostAfterMs })
  const groups = AUDIT_DEFAULTS.auditGroups
  const service = auditService(ctx.libp2p.services)

  const report = async (peer: string, id: CID, nonce: Uint8Array, size: number, groupCount: number, signal?: AbortSignal): Promise<AuditReport> => {
    if (peer === ctx.self) return await auditLocal(ctx.store, id, nonce, size, groupCount, signal)
    if (service === undefined) return { outcome: 'unreachable', reason: 'no-audit-service' }
    let peerId
    try {
      peerId = peerIdFromString(peer)
    } catch {
      return { outcome: 'unreachable', reason: 'bad-peer-id' }
    }
    return await service.audit(peerId, id, size, { groups: groupCount, nonce, ...(signal !== undefined ? { signal } : {}) })
  }

  return {
    ledger,
    clock,
    rng,
    transport: {
      audit: async (peer, id, nonce, groupCount, size, signal) => (await report(peer, parseShardCid(id), nonce, size, groupCount, signal)).outcome
    },
    auditHolder: async (peer, id, size, signal) => {
      const result = await report(peer, id, rng.bytes(AUDIT_NONCE_BYTES), size, groups, signal)
      const checkedAt = clock.now()
      ledger.record(id.toString(), peer, result.outcome, checkedAt)
      const event = reputationOutcome(result.outcome)
      if (event !== undefined && peer !== ctx.self) ctx.reputation.recordAudit(peer, event)
      return { ...result, status: ledger.status(id.toString(), peer, checkedAt), checkedAt }
    }
  }
}

function auditService (services: Record<string, unknown>): AuditService | undefined {
  const s = services.audit as Partial<AuditService> | undefined
  return s !== undefined && typeof s.audit === 'function' ? s as AuditService : undefined
}

/** The same challenge against this node's own store, checked as a remote answer is. */
async function auditLocal (store: ShardStore | undefined, id: CID, nonce: Uint8Array, size: number, groups: number, signal?: AbortSignal): Promise<AuditReport> {
  if (store === undefined) return { outcome: 'lost', reason: 'not-found' }
  const options = signal !== undefined ? { signal } : {}
  try {
    const record = await store.stat(id.toString(), options)
    if (record === undefined) {
      return (await store.lost(id.toString(), options)) !== undefined ? { outcome: 'lost', reason: 'lost' } : { outcome: 'lost', reason: 'not-found' }
    }
    if (record.size !== size) return { outcome: 'fail', reason: 'wrong-size' }
    const indices = auditIndices(nonce, id, size, groups)
    const proof = indices.length === 0 ? { size: record.size, groups: [], siblings: [] } : await store.proof(id.toString(), indices, options)
    const failure = checkAuditAnswer(id, size, indices, { size: proof.size, groups: proof.groups.map(g => g.bytes), siblings: proof.siblings })
    return failure === undefined ? { outcome: 'pass' } : { outcome: 'fail', reason: failure }
  } catch (err) {
    return outcomeOfError(err, signal)
  }
}
