/**
 * Who sent the DHT request a server is handling, for its datastore
 * (dht-datastore.ts) to charge the records it stores to a peer and an
 * address. kad-dht hands validators only the key and value, and writes what
 * a PUT_VALUE or ADD_PROVIDER brings straight into the node's datastore, so
 * the sender travels beside the work instead: a service wraps the DHT
 * protocol's stream handler (through the registrar, after kad-dht has
 * registered it) so that everything the handler does for one stream runs
 * in an AsyncLocalStorage context naming the stream's connection.
 *
 * This leans on two facts about kad-dht 16, both checked by
 * tests/security/dht-records.node.test.ts (its per-peer,
 * per-address and provider charges fail if either changes): it
 * registers one handler for its protocol in start() and does not re-register
 * while running (clientMode is fixed), and it writes records from inside
 * that handler's async work. Node only (node:async_hooks): only servers
 * run it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Connection, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DhtSender {
  peer: string
  remoteAddr: Multiaddr
}

const context = new AsyncLocalStorage<DhtSender>()

/** The sender of the DHT request being handled here; undefined for this node's own work. */
export function currentDhtSender (): DhtSender | undefined {
  return context.getStore()
}

/** the slice of libp2p's registrar this needs */
export interface HandlerRegistry {
  getHandler: (protocol: string) => { handler: StreamHandler, options: StreamHandlerOptions }
  handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
}

export interface DhtSenderComponents {
  registrar: HandlerRegistry
}

export class DhtSenderContext {
  readonly #registrar: HandlerRegistry
  readonly #protocol: string

  constructor (components: DhtSenderComponents, protocol: string) {
    this.#registrar = components.registrar
    this.#protocol = protocol
  }

  start (): void {}

  /** kad-dht registered its handler in start(): wrap it. */
  async afterStart (): Promise<void> {
    const { handler, options } = this.#registrar.getHandler(this.#protocol)
    const wrapped: StreamHandler = (stream, connection: Connection) =>
      context.run({ peer: connection.remotePeer.toString(), remoteAddr: connection.remoteAddr }, () => handler(stream, connection))
    await this.#registrar.handle(this.#protocol, wrapped, { ...options, force: true })
  }

  stop (): void {}
}

/** The service: `dhtSender: dhtSenderContext(DHT_PROTOCOL)` next to a serving kadDHT. */
export function dhtSenderContext (protocol: string): (components: DhtSenderComponents) => DhtSenderContext {
  return (components) => new DhtSenderContext(components, protocol)
}
