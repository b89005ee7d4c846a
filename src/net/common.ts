/**
 * The libp2p configuration every DataMesh node shares: encryption (Noise),
 * multiplexing (yamux), identify + identify push, ping, the Kademlia DHT
 * under DataMesh's own protocol id, and the connection gater.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import type { Libp2pOptions } from 'libp2p'
import type { NetOptions } from './options.ts'
import { INDEX_RECORD_NAMESPACE, selectIndexRecord, validateIndexRecord } from './index-record.ts'

/** DataMesh's DHT is its own network, not the IPFS one. */
export const DHT_PROTOCOL = '/datamesh/kad/1.0.0'
export const AGENT = 'datamesh/0.1.0'

export function commonOptions (options: NetOptions): Pick<Libp2pOptions, 'connectionEncrypters' | 'streamMuxers' | 'connectionGater' | 'connectionManager' | 'nodeInfo'> {
  return {
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    nodeInfo: { name: 'datamesh', version: AGENT, userAgent: `${AGENT} (${options.nodeType})` },
    connectionManager: { maxConnections: options.maxConnections ?? 300 },
    // the default gater refuses private/loopback addresses (and ws:// in browsers)
    connectionGater: options.allowPrivateAddresses === true ? { denyDialMultiaddr: async () => false } : {}
  }
}

export function commonServices (options: NetOptions): Record<string, (components: any) => unknown> {
  const serve = options.nodeType !== 'browser'
  return {
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    dht: kadDHT({
      protocol: DHT_PROTOCOL,
      clientMode: !serve,
      peerInfoMapper: options.allowPrivateAddresses === true ? passthroughMapper : removePrivateAddressesMapper,
      // owner-signed index pointers (index-record.ts): servers store only valid ones, readers keep the highest seq
      validators: { [INDEX_RECORD_NAMESPACE]: validateIndexRecord },
      selectors: { [INDEX_RECORD_NAMESPACE]: selectIndexRecord }
    })
  }
}
