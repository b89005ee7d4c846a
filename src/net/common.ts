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
import { MalformedDataError } from '../core/errors.ts'
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
    // browsers: libp2p's default gater refuses private/loopback addresses and ws://;
    // server nodes replace this with their own (server-gater.ts)
    connectionGater: options.allowPrivateAddresses === true ? { denyDialMultiaddr: async () => false } : {}
  }
}

async function refusePublicKeyRecord (): Promise<void> {
  throw new MalformedDataError('This DHT server stores no public-key records')
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
      // which addresses this node hands out in DHT answers (what it dials is its gater's business)
      peerInfoMapper: options.allowPrivateAddresses === true ? passthroughMapper : removePrivateAddressesMapper,
      // owner-signed index pointers (index-record.ts): servers store only valid, unexpired ones, readers keep the greatest;
      // servers take no public-key records (DataMesh peer ids carry their keys): no one fills them with those
      validators: { [INDEX_RECORD_NAMESPACE]: validateIndexRecord, ...(serve ? { pk: refusePublicKeyRecord } : {}) },
      selectors: { [INDEX_RECORD_NAMESPACE]: selectIndexRecord }
    })
  }
}
