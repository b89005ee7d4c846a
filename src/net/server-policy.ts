/**
 * What an operator allows the server nodes of one process (the relay and
 * its storage peers): which addresses they may dial, which peers are their
 * own, and how remote addresses count for the per-address limits.
 *
 * Dialling. Any peer can put addresses into a server's peer store (DHT
 * answers, provider records, identify), so a server that dialled whatever
 * it learnt could be made to probe its operator's private network. A server
 * dials a loopback, private or link-local address (private-host.ts) only
 * when
 * - the operator allows it (`allowPrivateDial`: --allow-private-dial), or
 * - it is one the process was given or runs itself (`allowAddress`: the
 *   configured bootstrap relays, the relay's and its storage peers' own
 *   listening addresses), matched by host and port.
 * A DNS name is resolved first and refused when any address it resolves to
 * is private (a name is no way around the rule; the transport resolves it
 * again, so a name that changes its answer between the two lookups is the
 * one gap left). Public addresses are always dialled.
 *
 * Addresses. For the per-address limits (fair-share.ts) a remote address
 * is its IPv4 address or IPv6 /64; loopback and private remote addresses
 * count as addresses only with `countPrivateAddresses`
 * (--private-addresses count): behind a TLS reverse proxy every WebSocket
 * arrives from the proxy, so by default each such peer is limited on its
 * own instead.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { multiaddr as parseMultiaddr } from '@multiformats/multiaddr'
import { addressSource } from './fair-share.ts'
import { isPrivateHost } from './private-host.ts'

/** how a server resolves a DNS name to addresses (Node: dns.promises.lookup) */
export type Resolve = (host: string) => Promise<string[]>

export interface ServerPolicyInit {
  allowPrivateDial?: boolean
  countPrivateAddresses?: boolean
  resolve?: Resolve
  /** ms a name lookup may take before the dial is refused */
  resolveTimeoutMs?: number
}

const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])

/** "ip4/127.0.0.1/tcp/8081": the host and port an address connects to first, or undefined (no host). */
export function dialTarget (ma: Multiaddr): string | undefined {
  const [host, port] = ma.getComponents()
  if (host === undefined || !HOSTS.has(host.name) || host.value === undefined) return undefined
  const p = port !== undefined && (port.name === 'tcp' || port.name === 'udp') ? `/${port.name}/${port.value ?? ''}` : ''
  return `${host.name}/${host.value.toLowerCase()}${p}`
}

export class ServerPolicy {
  readonly allowPrivateDial: boolean
  readonly countPrivateAddresses: boolean
  readonly #resolve: Resolve | undefined
  readonly #resolveTimeoutMs: number
  readonly #allowed = new Set<string>()
  readonly #own = new Set<string>()

  constructor (init: ServerPolicyInit = {}) {
    this.allowPrivateDial = init.allowPrivateDial === true
    this.countPrivateAddresses = init.countPrivateAddresses === true
    this.#resolve = init.resolve
    this.#resolveTimeoutMs = init.resolveTimeoutMs ?? 5000
  }

  /** Always dialable: an address the operator configured or this process listens on. */
  allowAddress (address: string | Multiaddr): void {
    const target = dialTarget(typeof address === 'string' ? parseMultiaddr(address) : address)
    if (target !== undefined) this.#allowed.add(target)
  }

  /** A peer this process runs (the relay, its storage peers): exempt from per-address limits. */
  trustPeer (peerId: string): void {
    this.#own.add(peerId)
  }

  isTrusted (peerId: string): boolean {
    return this.#own.has(peerId)
  }

  /** The source `remoteAddr` is charged to (fair-share.ts). */
  source (remoteAddr: Multiaddr | undefined, peer: string): string {
    return addressSource(remoteAddr, peer, { countPrivate: this.countPrivateAddresses })
  }

  /** The connection gater's answer: true when `ma` must not be dialled. */
  async deniesDial (ma: Multiaddr): Promise<boolean> {
    const [first] = ma.getComponents()
    if (first === undefined || !HOSTS.has(first.name) || first.value === undefined) return false
    if (this.allowPrivateDial) return false
    const target = dialTarget(ma)
    if (target !== undefined && this.#allowed.has(target)) return false
    if (first.name === 'ip4' || first.name === 'ip6') return isPrivateHost(first.value)
    if (isPrivateHost(first.value)) return true
    if (this.#resolve === undefined) return false
    try {
      const addresses = await withTimeout(this.#resolve(first.value), this.#resolveTimeoutMs)
      return addresses.length === 0 || addresses.some(a => isPrivateHost(a))
    } catch {
      return true // a name that does not resolve cannot be dialled anyway
    }
  }
}

async function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error('lookup timed out')) }, ms) })])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}
