/**
 * The /datamesh/info/1.0.0 service: answers what this node is (browser,
 * storage peer or relay), its DataMesh version and its store's capacity
 * (wire format in ../protocol/info-messages.ts), and asks other nodes the
 * same. Limited and scored like the shard service (../limits.ts).
 */
import { serviceCapabilities, type AbortOptions, type Connection, type Logger, type PeerId, type Startable, type Stream } from '@libp2p/interface'
import type { ShardStore } from '../../store/types.ts'
import { PeerLimiter, type LimitsInit } from '../limits.ts'
import { handleProtocol, type ProtocolComponents } from '../protocol/components.ts'
import {
  DATAMESH_VERSION, DEFAULT_PER_OWNER_QUOTA, DEFAULT_TIMEOUT, INFO_PROTOCOL
} from '../protocol/constants.ts'
import { serveStream } from '../protocol/exchange.ts'
import { decodeInfoRequest, encodeInfoResponse, INFO_REQUEST_LIMITS, type NodeInfo, type NodeType } from '../protocol/info-messages.ts'
import { requestInfo } from './client.ts'

export interface InfoInit {
  nodeType: NodeType
  /** the store whose capacity is reported; without one, capacity is reported as 0 */
  store?: Pick<ShardStore, 'usage'>
  /** DataMesh software version (default DATAMESH_VERSION) */
  version?: string
  /** the per-owner quota the shard service enforces (default 1 GiB; Infinity = none) */
  perOwnerQuota?: number
  /** ms per exchange (default 30 s) */
  timeout?: number
  /** a limiter shared with the node's other services, or settings for one of its own */
  limiter?: PeerLimiter
  limits?: Partial<LimitsInit>
  /** serve the protocol (default true); false makes a client only */
  serve?: boolean
}

export interface InfoService {
  readonly protocol: string
  /** Ask `peer` what it is and how much room it has. */
  info: (peer: PeerId, options?: AbortOptions) => Promise<NodeInfo>
  /** What this node would answer. */
  localInfo: (options?: AbortOptions) => Promise<NodeInfo>
}

export class DataMeshInfo implements InfoService, Startable {
  readonly protocol = INFO_PROTOCOL
  readonly [Symbol.toStringTag] = '@datamesh/info'
  readonly [serviceCapabilities]: string[] = ['@datamesh/info']
  readonly #components: ProtocolComponents
  readonly #init: InfoInit
  readonly #limiter: PeerLimiter
  readonly #timeout: number
  readonly #log: Logger
  #started = false

  constructor (components: ProtocolComponents, init: InfoInit) {
    this.#components = components
    this.#init = init
    this.#limiter = init.limiter ?? new PeerLimiter(init.limits)
    this.#timeout = init.timeout ?? DEFAULT_TIMEOUT
    this.#log = components.logger.forComponent('datamesh:net:info')
    this.handleStream = this.handleStream.bind(this)
  }

  async start (): Promise<void> {
    if (this.#init.serve !== false) {
      await handleProtocol(this.#components.registrar, this.protocol, this.handleStream)
    }
    this.#started = true
  }

  async stop (): Promise<void> {
    if (this.#init.serve !== false) await this.#components.registrar.unhandle(this.protocol)
    this.#started = false
  }

  isStarted (): boolean {
    return this.#started
  }

  async handleStream (stream: Stream, connection: Connection): Promise<void> {
    await serveStream(stream, connection, {
      limiter: this.#limiter,
      maxRequestBytes: INFO_REQUEST_LIMITS.maxBytes,
      timeout: this.#timeout,
      log: this.#log,
      handle: async (frame, { signal }) => {
        decodeInfoRequest(frame)
        return encodeInfoResponse(await this.localInfo({ signal }))
      },
      drop: peer => { this.#drop(peer) }
    })
  }

  async info (peer: PeerId, options: AbortOptions = {}): Promise<NodeInfo> {
    return await requestInfo(this.#components.connectionManager, peer, this.#timeout, options)
  }

  async localInfo (options: AbortOptions = {}): Promise<NodeInfo> {
    const usage = this.#init.store === undefined ? undefined : await this.#init.store.usage(options)
    const used = usage?.bytes ?? 0
    const quota = usage?.quota ?? 0
    return {
      nodeType: this.#init.nodeType,
      version: this.#init.version ?? DATAMESH_VERSION,
      free: Math.min(Math.max(0, quota - used), Number.MAX_SAFE_INTEGER),
      used,
      quota,
      perOwnerQuota: this.#init.perOwnerQuota ?? DEFAULT_PER_OWNER_QUOTA,
      shards: usage?.count ?? 0
    }
  }

  #drop (peer: PeerId): void {
    this.#components.connectionManager.closeConnections(peer).catch(err => {
      this.#log.error('closing connections to %p failed - %e', peer, err)
    })
  }
}
