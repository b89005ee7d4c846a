/**
 * The DataMesh protocol services a node runs: /datamesh/shard/{op}/1.0.0
 * and /datamesh/audit/1.0.0 over its shard store (when it has one; every
 * node can audit others), /datamesh/info/1.0.0 and
 * /datamesh/bandwidth/2.0.0 for throughput tests, sharing one peer limiter
 * so a peer is limited and scored once across all of them.
 */
import { shardProtocol, type ShardHooks } from './shard/index.ts'
import type { OwnerAdmissionInit } from './shard/admission.ts'
import { infoProtocol } from './info/index.ts'
import { auditProtocol } from './audit/index.ts'
import { PeerLimiter, type OffenceListener } from './limits.ts'
import { bandwidth } from './bandwidth/index.ts'
import { repairProtocol, type CapabilityBook } from './repair/index.ts'
import type { NodeType } from './options.ts'
import type { ShardStore } from '../store/types.ts'

export interface DataMeshServicesInit extends ShardHooks {
  nodeType: NodeType
  /** the store this node contributes; a node without one is a client only */
  store?: ShardStore
  /** most bytes one owner may keep on this node */
  perOwnerQuota?: number
  /** how many new owner keys one peer and one address may open here per period (shard/admission.ts) */
  admission?: Partial<OwnerAdmissionInit>
  /** told of every protocol offence the shared limiter counts (this node's reputation book keeps them) */
  onOffence?: OffenceListener
  /** keep adopted repair capabilities here: this node is a repairer (repair/book.ts) */
  capabilityBook?: CapabilityBook
  /** peers exempt from new-owner admission for repair stores (trusted in the node's reputation book) */
  isTrusted?: (peer: string) => boolean
}

export function dataMeshServices (init: DataMeshServicesInit): Record<string, (components: any) => unknown> {
  const { nodeType, store, perOwnerQuota, onOffence, capabilityBook, isTrusted, ...hooks } = init
  const limiter = new PeerLimiter({}, Date.now, onOffence)
  return {
    shard: shardProtocol({ ...hooks, ...(store !== undefined ? { store } : {}), ...(perOwnerQuota !== undefined ? { perOwnerQuota } : {}), limiter }),
    audit: auditProtocol({ ...(store !== undefined ? { store } : {}), limiter }),
    info: infoProtocol({ nodeType, ...(store !== undefined ? { store } : {}), ...(perOwnerQuota !== undefined ? { perOwnerQuota } : {}), limiter }),
    bandwidth: bandwidth({ limiter }),
    repair: repairProtocol({
      ...(store !== undefined ? { store } : {}),
      ...(capabilityBook !== undefined ? { book: capabilityBook } : {}),
      ...(isTrusted !== undefined ? { isTrusted } : {}),
      ...(perOwnerQuota !== undefined ? { perOwnerQuota } : {}),
      ...(hooks.admission !== undefined ? { admission: hooks.admission } : {}),
      ...(hooks.onStored !== undefined ? { onStored: hooks.onStored } : {}),
      limiter
    })
  }
}
