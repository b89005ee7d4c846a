/**
 * /datamesh/shard/{store,store-many,fetch,has,delete,renew}/1.0.0, as a libp2p service (shaped like @libp2p/ping):
 *
 *   services: { shards: shardProtocol({ store, perOwnerQuota, onStored }) }
 *   await node.services.shards.store(peerId, id, bytes, signer)
 *   const refused = await node.services.shards.storeMany(peerId, [{ id, bytes }, ...], signer)
 *   const bytes = await node.services.shards.fetch(peerId, id)
 */
import { DataMeshShards, type ShardComponents, type ShardProtocolInit, type ShardService } from './service.ts'

export function shardProtocol (init: ShardProtocolInit = {}): (components: ShardComponents) => ShardService {
  return (components) => new DataMeshShards(components, init)
}

export { SHARD_PROTOCOLS } from '../protocol/constants.ts'
export { ownerId } from './context.ts'
export type { ShardHooks } from './context.ts'
export type { ShardId, StoreLease } from './client.ts'
export { COLLECT_GRACE_MS, leaseFigures, StoreMaintenance, type LeaseFigures, type MaintenanceInit, type MaintenanceStats } from './maintenance.ts'
export type { ShardComponents, ShardProtocolInit, ShardService } from './service.ts'
