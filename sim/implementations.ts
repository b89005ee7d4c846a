/** Which code runs each part of the simulation (printed in every output). */
import type { Implementations } from './ports.ts'

export const IMPLEMENTATIONS: Implementations = {
  placement: 'real: src/mesh/placement.ts placeable + src/mesh/peers.ts rankCandidates (weighted choice by reputation; room filter as placement applies it)',
  reputation: 'real: src/net/reputation.ts ReputationBook per storage peer (audits, latency, availability samples) on the virtual clock',
  proofs: 'real on the real-proof share: the /datamesh/audit/1.0.0 exchange without the network (src/net/audit: auditIndices, request and answer frames, handleAudit on a src/store/memory.ts store, checkAuditAnswer / verifyGroups) on 20 KiB shards; modelled with the same outcome rules for the other files',
  ledger: 'real: src/mesh/audit-ledger.ts AuditLedger, one per storage peer (the audit timing is the simulation\'s own per-file loop, not src/mesh/audit-scheduler.ts)',
  repairDecision: 'real: src/mesh/repair-plan.ts planStripe (threshold, re-create the lost indices)',
  rendezvous: 'real: src/mesh/repair-plan.ts rankRepairers (BLAKE3 rendezvous over the file\'s repairers; the owner\'s choice of repairers is the simulation\'s)',
  repairTargets: 'real: src/mesh/placement.ts rankForRepair (sources and targets)',
  dht: 'model: sim/dht.ts (XOR metric, k-buckets, iterative α lookups); not libp2p kad-dht'
}
