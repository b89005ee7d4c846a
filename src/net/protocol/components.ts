/**
 * The slices of libp2p's internal components the DataMesh protocol services
 * use: structural types over `@libp2p/interface`, so the services depend on
 * no more than they call (libp2p's own Registrar and ConnectionManager
 * satisfy them).
 */
import type { AbortOptions, ComponentLogger, PeerId, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import { MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS } from './constants.ts'

export interface RegistrarSlice {
  handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string, options?: AbortOptions) => Promise<void>
}

export interface OpenStreamOptions extends AbortOptions {
  /** always false here: bulk data never rides relayed (limited) connections */
  runOnLimitedConnection?: boolean
}

export interface ConnectionManagerSlice {
  openStream: (peer: PeerId, protocol: string, options?: OpenStreamOptions) => Promise<Stream>
  closeConnections: (peer: PeerId, options?: AbortOptions) => Promise<void>
}

/** What a protocol service takes from libp2p. */
export interface ProtocolComponents {
  registrar: RegistrarSlice
  connectionManager: ConnectionManagerSlice
  logger: ComponentLogger
}

/**
 * Register a DataMesh request/response protocol with the stream limits all
 * of them share; never on relayed (limited) connections.
 */
export async function handleProtocol (registrar: RegistrarSlice, protocol: string, handler: StreamHandler): Promise<void> {
  await registrar.handle(protocol, handler, {
    maxInboundStreams: MAX_INBOUND_STREAMS,
    maxOutboundStreams: MAX_OUTBOUND_STREAMS,
    runOnLimitedConnection: false
  })
}
