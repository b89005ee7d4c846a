/**
 * `window.datamesh`: the running node's API in the browser console (and what
 * the end-to-end tests drive). Documented in the README.
 */
import type { JoinedNetwork } from './network.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { connectPeer, summarizePeers, type PeerSummary } from './peers.ts'
import type { BandwidthResult, BandwidthService } from '../../net/bandwidth/index.ts'

export interface DataMeshApi {
  /** resolves once the tab has joined the mesh (rejects with the reason it could not) */
  ready: Promise<void>
  /** this tab's libp2p peer id, once ready */
  peerId?: string
  /** connections, direct or relayed, and what is on the other end */
  peers: () => PeerSummary[]
  /** open a direct (WebRTC or WebSocket) connection to a peer */
  connect: (peerId: string) => Promise<PeerSummary>
  /** this tab's own shard store: bytes used, shards, quota, and whether storage is persistent */
  storage: () => Promise<{ used: number, shards: number, quota: number, persisted: boolean }>
  /** raw stream throughput to a connected peer: `bytes` uploaded, then downloaded */
  bandwidth: (peerId: string, bytes?: number) => Promise<{ upload: BandwidthResult, download: BandwidthResult }>
}

export function createApi (joining: Promise<JoinedNetwork>): DataMeshApi {
  let net: JoinedNetwork | undefined
  const need = (): JoinedNetwork => {
    if (net === undefined) throw new Error('DataMesh is not ready yet: await datamesh.ready')
    return net
  }
  const api: DataMeshApi = {
    ready: joining.then(n => { net = n; api.peerId = n.node.peerId.toString() }),
    peers: () => summarizePeers(need().node, need().description),
    connect: async (peerId) => await connectPeer(need().node, need().description, peerId),
    storage: async () => {
      const n = need()
      const u = await n.store.usage()
      return { used: u.bytes, shards: u.count, quota: u.quota, persisted: n.persisted }
    },
    bandwidth: async (peerId, bytes = 16 * 1024 * 1024) => {
      const bw = need().node.services.bandwidth as BandwidthService
      const peer = peerIdFromString(peerId)
      return { upload: await bw.upload(peer, bytes), download: await bw.download(peer, bytes) }
    }
  }
  return api
}
