/**
 * One row per connected peer for the peers table and the topology: the open
 * connections (cheap, always current) joined with the last description the
 * mesh gave of each peer (node type, free space, latency — a round of pings,
 * so fetched less often — and this tab's reputation score for it). A peer
 * with several connections is direct when any of them is.
 */
import type { PeerDescription } from '../../mesh/types.ts'
import type { PeerSummary } from '../runtime/peers.ts'
import { REPUTATION } from '../../net/reputation-model.ts'

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
  /** this tab's reputation score for it (0-100), once described */
  reputation?: number
  /** on this tab's allow (trusted) or deny list */
  trust?: 'trusted' | 'denied'
}

export const KIND_LABELS: Record<NodeKind, string> = { relay: 'relay', storage: 'storage', browser: 'browser tab' }
export const TRANSPORT_LABELS: Record<Transport, string> = { webrtc: 'WebRTC', websockets: 'WebSockets', relayed: 'relayed', other: 'other' }

/** a direct transport before a relayed one; WebRTC before WebSockets */
const PREFERENCE: Record<Transport, number> = { webrtc: 0, websockets: 1, other: 2, relayed: 3 }
const KIND_ORDER: Record<NodeKind, number> = { relay: 0, storage: 1, browser: 2 }

function kindOfRole (role: PeerSummary['role']): NodeKind | undefined {
  return role === 'relay' ? 'relay' : role === 'storage' ? 'storage' : undefined
}

export function mergePeers (connections: readonly PeerSummary[], described: ReadonlyArray<Pick<PeerDescription, 'peerId' | 'nodeType' | 'free' | 'latency'> & Partial<Pick<PeerDescription, 'reputation' | 'trust'>>>): PeerRow[] {
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
        ...(d?.free !== undefined ? { free: d.free } : {}),
        ...(d?.reputation !== undefined ? { reputation: d.reputation } : {}),
        ...(d?.trust !== undefined ? { trust: d.trust } : {})
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

/** Where a score stands, as the placement rules read it (src/net/reputation-model.ts). */
export type Standing = 'good' | 'fair' | 'poor' | 'denied'

/** What the Reputation column shows: the score and a word, or a dash before the peer is described. */
export function describeReputation (row: Pick<PeerRow, 'reputation' | 'trust'>): { text: string, standing?: Standing, title: string } {
  if (row.trust === 'denied') return { text: 'blocked', standing: 'denied', title: 'On your deny list: never used to keep data' }
  if (row.reputation === undefined) return { text: '—', title: 'Not rated yet' }
  const standing: Standing = row.reputation >= REPUTATION.goodScore ? 'good' : row.reputation >= REPUTATION.floorScore ? 'fair' : 'poor'
  const why: Record<Exclude<Standing, 'denied'>, string> = {
    good: 'In good standing: among the first to keep new data',
    fair: 'Not yet proven (new peers start here): keeps data when the good peers are not enough',
    poor: 'Below the floor (lost data, failed audits or misbehaved): gets no new data unless no one else can take it'
  }
  return { text: `${row.reputation}${row.trust === 'trusted' ? ' · trusted' : ''}`, standing, title: `${row.reputation} of 100. ${why[standing]}` }
}
