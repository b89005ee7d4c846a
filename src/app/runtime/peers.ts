/** What this tab knows of its connections, in the shape the API and the network view use. */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import type { NetworkDescription } from './network.ts'
import type { PeerSummary } from '../../api/types.ts'

export type { PeerSummary }

export function summarizePeers (node: Libp2p, net: NetworkDescription): PeerSummary[] {
  const relays = new Set(net.relays.flatMap(r => r.multiaddrs.map(a => a.split('/p2p/').at(-1))))
  const storage = new Set(net.storagePeers.map(s => s.peerId))
  return node.getConnections().filter(c => c.status === 'open').map(c => {
    const addr = c.remoteAddr.toString()
    const direct = c.limits == null
    const transport = !direct ? 'relayed' : addr.includes('/webrtc') ? 'webrtc' : addr.includes('/ws') ? 'websockets' : 'other'
    const id = c.remotePeer.toString()
    return { peerId: id, direct, transport, remoteAddr: addr, role: relays.has(id) ? 'relay' : storage.has(id) ? 'storage' : 'peer' }
  })
}

/**
 * Open a direct connection to another peer: through the peer store (and DHT)
 * first, else through each relay's circuit, upgraded to WebRTC.
 */
export async function connectPeer (node: Libp2p, net: NetworkDescription, peerId: string, signal?: AbortSignal): Promise<PeerSummary> {
  const id = peerIdFromString(peerId)
  const candidates = net.relays.flatMap(r => r.multiaddrs).map(a => multiaddr(`${a}/p2p-circuit/webrtc/p2p/${peerId}`))
  let lastError: unknown
  // a peer that has just (re)joined may not hold its relay reservation yet: try a few rounds
  for (let round = 0; round < 3; round++) {
    for (const target of [id, ...candidates]) {
      try {
        await node.dial(target, { signal: signal ?? AbortSignal.timeout(15_000) })
        const found = summarizePeers(node, net).find(p => p.peerId === peerId && p.direct)
        if (found !== undefined) return found
      } catch (err) {
        lastError = err
      }
    }
    await new Promise(resolve => setTimeout(resolve, 500 * (round + 1)))
  }
  throw new Error(`Could not open a direct connection to ${peerId}: ${String(lastError)}`)
}
