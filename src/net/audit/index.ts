/**
 * /datamesh/audit/1.0.0, as a libp2p service (shaped like @libp2p/ping):
 *
 *   services: { audit: auditProtocol({ store, limiter }) }
 *   const { outcome } = await node.services.audit.audit(peerId, shardId, expectedSize)
 */
import { DataMeshAudits, type AuditComponents, type AuditProtocolInit, type AuditService } from './service.ts'

export function auditProtocol (init: AuditProtocolInit = {}): (components: AuditComponents) => AuditService {
  return (components) => new DataMeshAudits(components, init)
}

export { AUDIT_PROTOCOL, AUDIT_DOMAIN, AUDIT_NONCE_BYTES, DEFAULT_AUDIT_GROUPS, MAX_AUDIT_GROUPS } from './constants.ts'
export { auditIndices } from './indices.ts'
export { auditNonce, outcomeOfError, type AuditOptions, type AuditOutcome, type AuditReport } from './client.ts'
export { checkAuditAnswer } from './verify.ts'
export type { ServedAudit } from './handler.ts'
export type { AuditComponents, AuditCounts, AuditProtocolInit, AuditService } from './service.ts'
