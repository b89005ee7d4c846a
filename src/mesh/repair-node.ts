/**
 * A RepairWorker's network ports (./repair-worker.ts) over a libp2p node
 * running the DataMesh services: what a storage peer (relay/storage-peer.ts)
 * uses as a repairer, with its own store as one of the holders.
 *
 *   holders     DHT provider records of the shard, every connected peer that
 *               answers `has` with yes, this node when its store keeps it
 *   fetch       the shard protocol's fetch (the client checks the bytes
 *               against the id), or this node's store
 *   candidates  connected peers that say they keep data (shard `info`) and
 *               have room, with the free space they reported
 *   store/renew the repair protocol (src/net/repair), as a listed repairer
 *   transport   /datamesh/audit/1.0.0, or the same checks against this
 *               node's own store
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { parseShardCid } from '../core/hash.ts'
import { auditIndices, checkAuditAnswer, outcomeOfError, type AuditOutcome, type AuditService } from '../net/audit/index.ts'
import { providerKey } from '../net/dht-keys.ts'
import type { RepairService } from '../net/repair/index.ts'
import type { ShardService } from '../net/shard/index.ts'
import type { ShardStore } from '../store/types.ts'
import type { RepairPorts } from './repair-worker.ts'

/** providers taken per shard: a stripe has k + m holders, a few more after repairs */
const MAX_PROVIDERS = 16

export interface RepairNode {
  peerId: PeerId
  getPeers: () => PeerId[]
  contentRouting: { findProviders: (key: CID, options?: { signal?: AbortSignal }) => AsyncIterable<{ id: PeerId }> }
  services: Record<string, unknown>
}

export interface NodeRepairPortsInit {
  node: RepairNode
  store?: ShardStore
  /** ms for one request to one peer */
  requestTimeoutMs: number
}

export type NodeRepairPorts = Pick<RepairPorts, 'self' | 'transport' | 'holders' | 'fetch' | 'candidates' | 'store' | 'renew'>

function service<T> (services: Record<string, unknown>, name: string, method: string): T {
  const s = services[name] as Record<string, unknown> | undefined
  if (s === undefined || typeof s[method] !== 'function') throw new TypeError(`The node needs services.${name}`)
  return s as T
}

export function nodeRepairPorts ({ node, store, requestTimeoutMs }: NodeRepairPortsInit): NodeRepairPorts {
  const shard = service<ShardService>(node.services, 'shard', 'fetch')
  const audit = service<AuditService>(node.services, 'audit', 'audit')
  const repair = service<RepairService>(node.services, 'repair', 'store')
  const self = node.peerId.toString()
  const timed = (signal: AbortSignal): AbortSignal => AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)])

  return {
    self,
    transport: {
      audit: async (peer, id, nonce, groups, size, signal) => {
        if (peer === self) return await auditOwnStore(store, id, nonce, size, groups, signal)
        return (await audit.audit(peerIdFromString(peer), id, size, { groups, nonce, signal })).outcome
      }
    },
    holders: async (id, signal) => {
      const found = new Set<string>()
      if (store !== undefined && await store.has(id.toString())) found.add(self)
      const providers = (async () => {
        try {
          for await (const provider of node.contentRouting.findProviders(providerKey(id), { signal: timed(signal) })) {
            found.add(provider.id.toString())
            if (found.size >= MAX_PROVIDERS) break
          }
        } catch (err) {
          if (signal.aborted) throw err
        }
      })()
      const connected = Promise.all(node.getPeers().map(async peer => {
        try {
          if ((await shard.has(peer, [id], { signal: timed(signal) }))[0] === true) found.add(peer.toString())
        } catch {}
      }))
      await Promise.all([providers, connected])
      return [...found]
    },
    fetch: async (peer, id, signal) => {
      if (peer === self && store !== undefined) return await store.get(id.toString(), { signal })
      return await shard.fetch(peerIdFromString(peer), id, { signal: timed(signal) })
    },
    candidates: async (signal) => {
      const out = await Promise.all(node.getPeers().map(async peer => {
        try {
          const info = await shard.info(peer, { signal: timed(signal) })
          return info.nodeType !== 'relay' && info.free > 0 ? { peerId: peer.toString(), free: info.free } : undefined
        } catch {
          return undefined
        }
      }))
      return out.filter((c): c is { peerId: string, free: number } => c !== undefined)
    },
    store: async (peer, cap, id, bytes, signal) => { await repair.store(peerIdFromString(peer), cap, id, bytes, { signal: timed(signal) }) },
    renew: async (peer, cap, ids, until, signal) => await repair.renew(peerIdFromString(peer), cap, ids, until, { signal: timed(signal) })
  }
}

/** The audit challenge against this node's own store, checked as a remote answer is. */
export async function auditOwnStore (store: ShardStore | undefined, id: string, nonce: Uint8Array, size: number, groups: number, signal?: AbortSignal): Promise<AuditOutcome> {
  if (store === undefined) return 'lost'
  const options = signal !== undefined ? { signal } : {}
  try {
    const record = await store.stat(id, options)
    if (record === undefined) return 'lost'
    if (record.size !== size) return 'fail'
    const cid = parseShardCid(id)
    const indices = auditIndices(nonce, cid, size, groups)
    const proof = indices.length === 0 ? { size: record.size, groups: [], siblings: [] } : await store.proof(id, indices, options)
    return checkAuditAnswer(cid, size, indices, { size: proof.size, groups: proof.groups.map(g => g.bytes), siblings: proof.siblings }) === undefined ? 'pass' : 'fail'
  } catch (err) {
    return outcomeOfError(err, signal).outcome
  }
}
