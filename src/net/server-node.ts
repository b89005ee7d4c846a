/**
 * A Node DataMesh node: a relay (circuit relay v2 server + DHT server) or an
 * always-on storage peer. Both listen on WebSockets so browsers can dial
 * them; the relay also forwards WebRTC signalling between browser tabs.
 *
 * Both serve the DHT, so what others may make them do is bounded here: the
 * connection gater (server-gater.ts: dials under the operator's
 * ServerPolicy, connections and reservations per address) and the
 * datastore (dht-datastore.ts: records kept across restarts when `dhtDir`
 * is given, index pointers in order, records and provider records charged
 * to their senders, dht-sender.ts).
 */
import { lookup } from 'node:dns/promises'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { webSockets } from '@libp2p/websockets'
import { FsDatastore } from 'datastore-fs'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { Registry } from 'prom-client'
import { installNodePolyfills } from './polyfills.ts'
import { commonOptions, commonServices, DHT_PROTOCOL } from './common.ts'
import { DEFAULT_RELAY_LIMITS, type NetOptions } from './options.ts'
import { DhtDatastore, type DhtLimits } from './dht-datastore.ts'
import { currentDhtSender, dhtSenderContext } from './dht-sender.ts'
import { ServerGater, type ServerGaterLimits } from './server-gater.ts'
import { ServerPolicy, type Resolve } from './server-policy.ts'

export interface ServerNodeOptions extends NetOptions {
  nodeType: 'relay' | 'storage'
  /** extra services (the DataMesh protocols) */
  services?: Record<string, (components: any) => unknown>
  /** Prometheus registry to report libp2p metrics into */
  metricsRegistry?: Registry
  /**
   * what the operator allows, shared by the nodes of one process (default:
   * a policy of this node's own that dials private addresses only when
   * `allowPrivateAddresses` is set)
   */
  policy?: ServerPolicy
  /** the gater (default: a new one over `policy`); pass one to read its reservations */
  gater?: ServerGater
  gaterLimits?: Partial<ServerGaterLimits>
  /** folder where DHT records are kept across restarts (default: memory only) */
  dhtDir?: string
  dhtLimits?: Partial<DhtLimits>
}

const dhtStores = new WeakMap<object, DhtDatastore>()

/** The DHT datastore of a node made by createServerNode (its ledgers: metrics, tests). */
export function dhtStoreOf (node: Libp2p<Record<string, unknown>>): DhtDatastore | undefined {
  return dhtStores.get(node)
}

/** A DNS name's addresses, as the WebSocket transport would reach them. */
export const resolveHost: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map(a => a.address)

export async function createServerNode (options: ServerNodeOptions): Promise<Libp2p<Record<string, unknown>>> {
  await installNodePolyfills()
  const relay = options.nodeType === 'relay'
  const limits = { ...DEFAULT_RELAY_LIMITS, ...options.relay }
  const policy = options.gater?.policy ?? options.policy ?? new ServerPolicy({ allowPrivateDial: options.allowPrivateAddresses === true, resolve: resolveHost })
  const gater = options.gater ?? new ServerGater(policy, { maxReservations: limits.maxReservations, ...options.gaterLimits })
  let records: FsDatastore | undefined
  if (options.dhtDir !== undefined) {
    records = new FsDatastore(options.dhtDir)
    await records.open()
  }
  const datastore = await DhtDatastore.open({
    ...(records !== undefined ? { records } : {}),
    ...(options.dhtLimits !== undefined ? { limits: options.dhtLimits } : {}),
    sender: () => {
      const s = currentDhtSender()
      return s === undefined ? undefined : { peer: s.peer, source: policy.source(s.remoteAddr, s.peer), trusted: policy.isTrusted(s.peer) }
    }
  })
  const node = await createLibp2p({
    ...commonOptions(options),
    datastore,
    connectionGater: gater.gater(),
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    addresses: {
      listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0/ws'],
      ...(options.announce !== undefined ? { announce: options.announce } : {})
    },
    transports: [webSockets(), circuitRelayTransport()],
    ...(options.metricsRegistry !== undefined ? { metrics: prometheusMetrics({ registry: options.metricsRegistry, collectDefaultMetrics: false }) } : {}),
    services: {
      ...commonServices(options),
      // after kad-dht registered its handler: the sender of each request, for the datastore
      dhtSender: dhtSenderContext(DHT_PROTOCOL),
      ...(relay
        ? {
            relay: circuitRelayServer({
              reservations: {
                maxReservations: limits.maxReservations,
                defaultDataLimit: limits.dataLimit,
                defaultDurationLimit: limits.durationLimit
              }
            })
          }
        : {}),
      ...options.services
    }
  })
  gater.bind(node)
  dhtStores.set(node, datastore)
  policy.trustPeer(node.peerId.toString())
  node.addEventListener('stop', () => { datastore.close() }, { once: true })
  return node
}
