/**
 * The /datamesh/audit/1.0.0 service (wire format: ./messages.ts). With a
 * `store` it answers challenges from `store.proof`; every node can audit
 * others (`audit`). Inbound streams go through the per-peer limiter shared
 * with the node's other services (../limits.ts: per-peer streams and bytes,
 * the fair share of the node's slots, bans), never on limited (relayed)
 * connections, with the usual request timeout. A request is refused at its
 * length prefix past 1 KiB. The service counts what it answered.
 */
import { serviceCapabilities, type Connection, type Logger, type PeerId, type Startable, type Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ShardStore } from '../../store/types.ts'
import { PeerLimiter, type LimitsInit } from '../limits.ts'
import { handleProtocol, type ProtocolComponents } from '../protocol/components.ts'
import { DEFAULT_MAX_SHARD_SIZE, DEFAULT_TIMEOUT } from '../protocol/constants.ts'
import { serveStream, type RequestContext } from '../protocol/exchange.ts'
import { auditShard, type AuditClientContext, type AuditOptions, type AuditReport } from './client.ts'
import { AUDIT_PROTOCOL, AUDIT_REQUEST_MAX } from './constants.ts'
import { handleAudit, servedAs, type ServedAudit } from './handler.ts'
import { decodeAuditRequest } from './messages.ts'

export interface AuditProtocolInit {
  /** answer audits from this store; without one the node only audits others */
  store?: ShardStore
  /** ms per exchange, on both sides (default 30 s) */
  timeout?: number
  /** largest shard audited (default 16 MiB, the shard protocol's) */
  maxShardSize?: number
  /** a limiter shared with the node's other services, or settings for one of its own */
  limiter?: PeerLimiter
  limits?: Partial<LimitsInit>
  /** told of each audit answered: the challenger and what was answered */
  onServed?: (peer: string, served: ServedAudit) => void
}

/** Audits this node answered, by what it answered. */
export type AuditCounts = Record<ServedAudit, number>

export interface AuditService {
  readonly protocol: string
  readonly limiter: PeerLimiter
  /** what this node answered so far (a proof, not found, lost) */
  readonly served: Readonly<AuditCounts>
  /** Challenge `peer` to prove it keeps shard `id` of `size` bytes; the typed outcome (./client.ts). */
  audit: (peer: PeerId, id: string | Uint8Array | CID, size: number, options?: AuditOptions) => Promise<AuditReport>
}

export interface AuditComponents extends ProtocolComponents {
  peerId: PeerId
}

export class DataMeshAudits implements AuditService, Startable {
  readonly protocol = AUDIT_PROTOCOL
  readonly limiter: PeerLimiter
  readonly served: AuditCounts = { proved: 0, 'not-found': 0, lost: 0 }
  readonly [Symbol.toStringTag] = '@datamesh/audit'
  readonly [serviceCapabilities]: string[] = ['@datamesh/audit']
  readonly #components: AuditComponents
  readonly #init: AuditProtocolInit
  readonly #log: Logger
  readonly #client: AuditClientContext
  #started = false

  constructor (components: AuditComponents, init: AuditProtocolInit = {}) {
    this.#components = components
    this.#init = init
    this.#log = components.logger.forComponent('datamesh:net:audit')
    this.limiter = init.limiter ?? new PeerLimiter(init.limits)
    this.#client = {
      connectionManager: components.connectionManager,
      timeout: init.timeout ?? DEFAULT_TIMEOUT,
      maxShardSize: init.maxShardSize ?? DEFAULT_MAX_SHARD_SIZE
    }
  }

  async start (): Promise<void> {
    if (this.#init.store !== undefined) {
      await handleProtocol(this.#components.registrar, AUDIT_PROTOCOL, async (stream, connection) => { await this.#serve(stream, connection) })
    }
    this.#started = true
  }

  async stop (): Promise<void> {
    if (this.#init.store !== undefined) await this.#components.registrar.unhandle(AUDIT_PROTOCOL)
    this.#started = false
  }

  isStarted (): boolean {
    return this.#started
  }

  async #serve (stream: Stream, connection: Connection): Promise<void> {
    await serveStream(stream, connection, {
      limiter: this.limiter,
      maxRequestBytes: AUDIT_REQUEST_MAX,
      timeout: this.#client.timeout,
      log: this.#log,
      handle: async (frame, context) => await this.#handle(frame, context),
      drop: peer => {
        this.#components.connectionManager.closeConnections(peer).catch(err => { this.#log.error('closing connections to %p failed - %e', peer, err) })
      }
    })
  }

  async #handle (frame: Uint8Array, { peer, signal }: RequestContext): Promise<Uint8Array> {
    const store = this.#init.store
    if (store === undefined) throw new Error('no store') // unreachable: the handler is registered only with a store
    const request = decodeAuditRequest(frame)
    this.#log.trace('audit of %s (%d groups) from %p', request.id, request.groups, peer)
    let answer: Uint8Array | undefined
    let failure: unknown
    try {
      answer = await handleAudit(request, { store, signal })
    } catch (err) {
      failure = err
    }
    const served = servedAs(failure)
    if (served !== undefined) {
      this.served[served]++
      try { this.#init.onServed?.(peer.toString(), served) } catch { /* a listener must not break the answer */ }
    }
    if (answer === undefined) throw failure
    return answer
  }

  async audit (peer: PeerId, id: string | Uint8Array | CID, size: number, options?: AuditOptions): Promise<AuditReport> {
    return await auditShard(this.#client, peer, id, size, options)
  }
}
