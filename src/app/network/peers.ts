/**
 * One row per connected peer for the peers table and the topology: the open
 * connections (cheap, always current) joined with the last description the
 * mesh gave of each peer (node type, free space, latency — a round of pings,
 * so fetched less often). A peer with several connections is direct when any
 * of them is.
 */
import type { PeerDescription } from '../../mesh/types.ts'
import type { PeerSummary } from '../runtime/peers.ts'

export type NodeKind = 'relay' | 'storage' | 'browser'
export type Transport = PeerSummary['transport']

export interface PeerRow {
  peerId: string
  /** what the peer said it is, else what the relay's description tells; undefined when neither */
  kind?: NodeKind
  direct: boolean
  transport: Transport
  remoteAddr: string
  /** round trip in ms, when it answered a ping */
  latency?: number
  /** bytes it still accepts, when known */
  free?: number
}

export const KIND_LABELS: Record<NodeKind, string> = { relay: 'relay', storage: 'storage', browser: 'browser tab' }
export const TRANSPORT_LABELS: Record<Transport, string> = { webrtc: 'WebRTC', websockets: 'WebSockets', relayed: 'relayed', other: 'other' }

/** a direct transport before a relayed one; WebRTC before WebSockets */
const PREFERENCE: Record<Transport, number> = { webrtc: 0, websockets: 1, other: 2, relayed: 3 }
const KIND_ORDER: Record<NodeKind, number> = { relay: 0, storage: 1, browser: 2 }

function kindOfRole (role: PeerSummary['role']): NodeKind | undefined {
  return role === 'relay' ? 'relay' : role === 'storage' ? 'storage' : undefined
}

export function mergePeers (connections: readonly PeerSummary[], described: ReadonlyArray<Pick<PeerDescription, 'peerId' | 'nodeType' | 'free' | 'latency'>>): PeerRow[] {
  const about = new Map(described.map(d => [d.peerId, d]))
  const rows = new Map<string, PeerRow>()
  for (const c of connections) {
    const row = rows.get(c.peerId)
    if (row === undefined) {
      const d = about.get(c.peerId)
      const kind = d?.nodeType ?? kindOfRole(c.role)
      rows.set(c.peerId, {
        peerId: c.peerId,
        ...(kind !== undefined ? { kind } : {}),
        direct: c.direct,
        transport: c.transport,
        remoteAddr: c.remoteAddr,
        ...(d?.latency !== undefined ? { latency: d.latency } : {}),
        ...(d?.free !== undefined ? { free: d.free } : {})
      })
      continue
    }
    row.direct ||= c.direct
    if (PREFERENCE[c.transport] < PREFERENCE[row.transport]) {
      row.transport = c.transport
      row.remoteAddr = c.remoteAddr
    }
  }
  return [...rows.values()].sort((a, b) =>
    (a.kind !== undefined ? KIND_ORDER[a.kind] : 3) - (b.kind !== undefined ? KIND_ORDER[b.kind] : 3) ||
    (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
}

/** Peers a bandwidth test can run against: direct connections to nodes that speak the protocol (relays do not). */
export function bandwidthTargets (rows: readonly PeerRow[]): PeerRow[] {
  return rows.filter(r => r.direct && r.kind !== 'relay')
}
