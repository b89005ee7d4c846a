/**
 * A Node DataMesh node: a relay (circuit relay v2 server + DHT server) or an
 * always-on storage peer. Both listen on WebSockets so browsers can dial
 * them; the relay also forwards WebRTC signalling between browser tabs.
 */
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { Registry } from 'prom-client'
import { installNodePolyfills } from './polyfills.ts'
import { commonOptions, commonServices } from './common.ts'
import { DEFAULT_RELAY_LIMITS, type NetOptions } from './options.ts'

export interface ServerNodeOptions extends NetOptions {
  nodeType: 'relay' | 'storage'
  /** extra services (the DataMesh protocols) */
  services?: Record<string, (components: any) => unknown>
  /** Prometheus registry to report libp2p metrics into */
  metricsRegistry?: Registry
}

export async function createServerNode (options: ServerNodeOptions): Promise<Libp2p<Record<string, unknown>>> {
  await installNodePolyfills()
  const relay = options.nodeType === 'relay'
  const limits = { ...DEFAULT_RELAY_LIMITS, ...options.relay }
  return await createLibp2p({
    ...commonOptions(options),
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    addresses: {
      listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0/ws'],
      ...(options.announce !== undefined ? { announce: options.announce } : {})
    },
    transports: [webSockets(), circuitRelayTransport()],
    ...(options.metricsRegistry !== undefined ? { metrics: prometheusMetrics({ registry: options.metricsRegistry, collectDefaultMetrics: false }) } : {}),
    services: {
      ...commonServices(options),
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
}
