/** Which code runs each part of the simulation (printed in every output; update when a stand-in is replaced). */
import type { Implementations } from './ports.ts'

export const IMPLEMENTATIONS: Implementations = {
  placement: 'real: src/mesh/placement.ts placeable + src/mesh/peers.ts rankCandidates (weighted choice by reputation; room filter as placement applies it)',
  reputation: 'real: src/net/reputation.ts ReputationBook per storage peer (audits, latency, availability samples) on the virtual clock',
  proofs: 'real on the real-proof share: src/store/memory.ts store.proof + src/core/blake3-tree.ts verifyGroups on 20 KiB shards; modelled (same outcome rules) for the rest',
  ledger: 'stand-in: sim/standins.ts StandInLedger (design rules; src/mesh/audit-ledger.ts not in the tree yet)',
  repairDecision: 'stand-in: sim/standins.ts standInPlanner.decide (design rules; src/mesh/repair-plan.ts not in the tree yet)',
  rendezvous: 'stand-in: sim/standins.ts standInPlanner.order (BLAKE3 rendezvous)',
  repairTargets: 'real: src/mesh/placement.ts rankForRepair (sources and targets)',
  dht: 'model: sim/dht.ts (XOR metric, k-buckets, iterative α lookups); not libp2p kad-dht'
}
