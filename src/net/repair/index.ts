/**
 * /datamesh/repair/{adopt,release,store,renew}/1.0.0, as a libp2p service:
 *
 *   services: { repair: repairProtocol({ store, book, isTrusted }) }
 *   await node.services.repair.adopt(repairer, signedCap)
 *   await node.services.repair.store(holder, signedCap, id, bytes)
 */
import { DataMeshRepair, type RepairComponents, type RepairProtocolInit, type RepairService } from './service.ts'

export function repairProtocol (init: RepairProtocolInit = {}): (components: RepairComponents) => RepairService {
  return (components) => new DataMeshRepair(components, init)
}

export { REPAIR_PROTOCOLS, REPAIR_LEASE_MS, BOOK_DEFAULTS } from './constants.ts'
export { CapabilityBook, memoryCapabilityStorage, type CapabilityStorage, type CapabilityBookInit, type BookEntry } from './book.ts'
export type { RepairComponents, RepairProtocolInit, RepairService } from './service.ts'
