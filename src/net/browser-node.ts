/**
 * A browser tab's DataMesh node: WebSockets to reach relays and storage
 * peers, circuit relay v2 for signalling, and WebRTC for direct tab-to-tab
 * connections. It listens on /p2p-circuit (a reservation on a relay) and
 * /webrtc, so other tabs can reach it through the relay and upgrade to a
 * direct connection; bulk data never rides the relayed connection.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { commonOptions, commonServices } from './common.ts'
import type { NetOptions } from './options.ts'

export interface BrowserNodeOptions extends NetOptions {
  nodeType: 'browser'
  services?: Record<string, (components: any) => unknown>
}

export async function createBrowserNode (options: BrowserNodeOptions): Promise<Libp2p<Record<string, unknown>>> {
  return await createLibp2p({
    ...commonOptions(options),
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [
      webSockets(),
      // ICE servers come from configuration only: never the library's public defaults
      webRTC({ rtcConfiguration: { iceServers: options.iceServers ?? [] } }),
      circuitRelayTransport({ reservationConcurrency: 1 })
    ],
    services: { ...commonServices(options), ...options.services }
  })
}
