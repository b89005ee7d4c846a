/**
 * peers: the open connections, one line per peer: what it is (from
 * /datamesh/info, cached), whether a direct connection exists, and its round
 * trip (the connection monitor's figure, else one ping, which this node's
 * reputation book also records), and the book's score for it. Kept cheap:
 * info answers are cached, and peers are asked in parallel under a short
 * timeout.
 */
import type { MeshContext } from '../context.ts'
import { withTimeout } from '../peers.ts'
import type { MeshOptions, PeerDescription } from '../types.ts'

const PING_TIMEOUT = 2000

export interface PeersOptions extends MeshOptions {
  /** measure latency (default true) */
  latency?: boolean
}

export async function peers (ctx: MeshContext, options: PeersOptions = {}): Promise<PeerDescription[]> {
  const { signal } = options
  const list = await Promise.all(ctx.libp2p.getPeers().map(async (peer): Promise<PeerDescription> => {
    const connections = ctx.libp2p.getConnections(peer)
    const direct = connections.find(c => c.direct && c.limits === undefined)
    const connection = direct ?? connections[0]
    const [info, latency] = await Promise.all([
      ctx.peers.info(peer, signal !== undefined ? { signal } : {}),
      (async () => {
        if (options.latency === false) return undefined
        const rtt = connections.find(c => c.rtt !== undefined)?.rtt
        if (rtt !== undefined || ctx.ping === undefined) return rtt
        try {
          const ms = await ctx.ping.ping(peer, { signal: withTimeout(signal, PING_TIMEOUT) })
          ctx.reputation.recordLatency(peer.toString(), ms)
          return ms
        } catch { return undefined }
      })()
    ])
    const { score, trust } = ctx.reputation.describe(peer.toString())
    return {
      peerId: peer.toString(),
      ...(info !== undefined ? { nodeType: info.nodeType, free: info.free } : {}),
      direct: direct !== undefined,
      remoteAddr: connection?.remoteAddr.toString() ?? '',
      ...(latency !== undefined ? { latency } : {}),
      reputation: Math.round(score),
      ...(trust !== undefined ? { trust } : {})
    }
  }))
  return list.sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
}
