/**
 * What every DataMesh libp2p node is configured with, browser or Node.
 * Nothing here is platform-specific; browser-node.ts and server-node.ts add
 * the transports and services each platform has.
 */
import type { PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export type NodeType = 'browser' | 'storage' | 'relay'

export interface BootstrapPeer {
  /** a dialable multiaddr ending in /p2p/<peer id> */
  multiaddr: string
  /** lower is tried first; equal priorities are tried in parallel */
  priority?: number
}

export interface RelayLimits {
  /** most reservations held at once (circuit relay v2 default is 15; we default to 128) */
  maxReservations: number
  /** bytes per relayed connection: signalling only, bulk data never rides a relay */
  dataLimit: bigint
  /** milliseconds per relayed connection */
  durationLimit: number
}

export interface NetOptions {
  nodeType: NodeType
  /** the node's persistent identity; a new one each start when absent */
  privateKey?: PrivateKey
  /** multiaddrs to listen on (Node: e.g. /ip4/127.0.0.1/tcp/0/ws) */
  listen?: string[]
  /** multiaddrs to announce instead of the listening ones */
  announce?: string[]
  bootstrap?: BootstrapPeer[]
  /** ICE servers for WebRTC; none by default (no STUN/TURN server is ever assumed) */
  iceServers?: RTCIceServer[]
  /**
   * Browsers: allow dialling private and loopback addresses and plain ws://
   * (local development, tests, a relay on a private network). Server nodes:
   * hand out private addresses in DHT answers; what they dial is their
   * ServerPolicy's (server-policy.ts), which without a policy of its own
   * follows this flag.
   */
  allowPrivateAddresses?: boolean
  /** limits for a relay's circuit-relay-v2 server */
  relay?: Partial<RelayLimits>
  /** most open connections */
  maxConnections?: number
}

export const DEFAULT_RELAY_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxReservations: 128,
  // signalling needs a few KiB: SDP offer/answer and ICE candidates
  dataLimit: BigInt(1 << 20),
  durationLimit: 2 * 60 * 1000
})

/** Multiaddrs of a node that others can dial, each with its /p2p/ suffix. */
export function dialable (addrs: Multiaddr[], peerId: string): string[] {
  return addrs.map(a => {
    const s = a.toString()
    return s.includes('/p2p/') ? s : `${s}/p2p/${peerId}`
  })
}
