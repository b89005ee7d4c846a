/**
 * `datamesh.health()`: this tab's node at a glance, described from a
 * snapshot of what the runtime knows. Pure: the runtime gathers the
 * snapshot (connections, addresses, store usage), this decides what it
 * means.
 */
import type { Health, IndexBackupStatus, PeerSummary } from '../../api/types.ts'

export interface HealthSnapshot {
  peerId: string
  /** ms since the epoch the node started, and now */
  startedAt: number
  now: number
  unlocked: boolean
  /** this node's own addresses */
  multiaddrs: readonly string[]
  /** its open connections */
  connections: readonly PeerSummary[]
  /** the relays' multiaddrs (each ending in /p2p/<peer id>) from the network description */
  relayAddrs: readonly string[]
  store: { bytes: number, count: number, quota: number, persisted: boolean }
  /** erasure coding of a put: k data + m parity shards */
  coding: { k: number, m: number }
  indexBackup: IndexBackupStatus
}

/** The peer id at the end of a multiaddr (`…/p2p/<id>`), or undefined. */
function peerIdOf (addr: string): string | undefined {
  const parts = addr.split('/p2p/')
  const id = parts.length > 1 ? parts.at(-1) : undefined
  return id === '' ? undefined : id
}

export function describeHealth (s: HealthSnapshot): Health {
  const relayIds = [...new Set(s.relayAddrs.map(peerIdOf).filter((id): id is string => id !== undefined))]
  const direct = s.connections.filter(c => c.direct)
  return {
    peerId: s.peerId,
    uptime: Math.max(0, s.now - s.startedAt),
    unlocked: s.unlocked,
    // a circuit address exists only while a relay holds a reservation for this node
    reachable: s.multiaddrs.some(a => a.includes('/p2p-circuit')),
    relays: relayIds.map(id => ({ peerId: id, connected: s.connections.some(c => c.peerId === id) })),
    connections: { total: s.connections.length, direct: direct.length, relayed: s.connections.length - direct.length },
    dataPeers: new Set(direct.filter(c => c.role !== 'relay').map(c => c.peerId)).size,
    wanted: s.coding.k + s.coding.m,
    storage: { used: s.store.bytes, shards: s.store.count, quota: s.store.quota, persisted: s.store.persisted },
    multiaddrs: [...s.multiaddrs],
    indexBackup: s.indexBackup
  }
}
