/**
 * The slices of libp2p's internal components the DataMesh protocol services
 * use: structural types over `@libp2p/interface`, so the services depend on
 * no more than they call (libp2p's own Registrar and ConnectionManager
 * satisfy them).
 */
import type { AbortOptions, ComponentLogger, PeerId, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

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
