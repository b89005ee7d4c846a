/**
 * The connection gater of a server node (relay or storage peer):
 *
 * - dials: what ServerPolicy allows (no private addresses learnt from
 *   others unless the operator says so);
 * - inbound connections: at most `connectionsPerAddress` open at once from
 *   one address (ServerPolicy.source; the process's own peers and peers
 *   whose address does not count are not limited here; libp2p's own limits
 *   bound the total and prune the least valued);
 * - relay reservations (circuit relay v2 server): one per peer, at most
 *   `reservationsPerAddress` per address and the server's maximum in all,
 *   shared with FairShare (fair-share.ts): a reservation whose peer is gone
 *   makes room first; a full relay takes one from the largest address
 *   (closing that peer's connection, so it learns and asks again later)
 *   only for a smaller one. The reservations themselves stay the relay
 *   service's (`services.relay.reservations`); the gater reads them at each
 *   request and removes the one it evicts.
 *
 * The gater is made before its node: `bind(node)` once it exists.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { FairShare, fairPick } from './fair-share.ts'
import type { ServerPolicy } from './server-policy.ts'

export interface ServerGaterLimits {
  /** open connections from one address */
  connectionsPerAddress: number
  /** relay reservations held by one address */
  reservationsPerAddress: number
  /** relay reservations in all (the relay service's own maximum) */
  maxReservations: number
}

/**
 * An office or a household behind one address runs a few tabs, each with
 * one connection to each server: 64 connections and 16 reservations per
 * address leave room for that, and a single address can take at most an
 * eighth of a default relay's 128 reservations and a fifth of 300 connections.
 */
export const DEFAULT_GATER_LIMITS: Readonly<ServerGaterLimits> = Object.freeze({
  connectionsPerAddress: 64,
  reservationsPerAddress: 16,
  maxReservations: 128
})

interface Reservation { addr: Multiaddr }
interface ReservationMap {
  size: number
  has: (peer: PeerId) => boolean
  delete: (peer: PeerId) => boolean
  entries: () => Iterable<[PeerId, Reservation]>
}

export class ServerGater {
  readonly policy: ServerPolicy
  readonly limits: ServerGaterLimits
  #node?: Libp2p<Record<string, unknown>>

  constructor (policy: ServerPolicy, limits: Partial<ServerGaterLimits> = {}) {
    this.policy = policy
    this.limits = { ...DEFAULT_GATER_LIMITS, ...limits }
  }

  bind (node: Libp2p<Record<string, unknown>>): void {
    this.#node = node
  }

  gater (): ConnectionGater {
    return {
      denyDialMultiaddr: async (ma) => await this.policy.deniesDial(ma),
      denyInboundEncryptedConnection: async (peer, maConn) => this.#tooManyConnections(peer, maConn.remoteAddr),
      denyInboundRelayReservation: async (peer) => this.#refuseReservation(peer)
    }
  }

  #reservations (): ReservationMap | undefined {
    return (this.#node?.services.relay as { reservations?: ReservationMap } | undefined)?.reservations
  }

  #tooManyConnections (peer: PeerId, remoteAddr: Multiaddr): boolean {
    const node = this.#node
    const id = peer.toString()
    if (node === undefined || this.policy.isTrusted(id)) return false
    const source = this.policy.source(remoteAddr, id)
    if (source.startsWith('peer:')) return false
    // the process's own peers neither count against an address nor are counted
    const open = node.getConnections().filter(c => {
      const other = c.remotePeer.toString()
      return !this.policy.isTrusted(other) && this.policy.source(c.remoteAddr, other) === source
    }).length
    return open >= this.limits.connectionsPerAddress
  }

  #refuseReservation (peer: PeerId): boolean {
    const node = this.#node
    const map = this.#reservations()
    if (node === undefined || map === undefined || map.has(peer)) return false
    const share = new FairShare({ max: this.limits.maxReservations, perPeer: 1, perSource: this.limits.reservationsPerAddress })
    const peers = new Map<string, PeerId>()
    for (const [p, r] of map.entries()) {
      const id = p.toString()
      peers.set(id, p)
      share.add(id, id, this.policy.source(r.addr, id))
    }
    const id = peer.toString()
    const direct = node.getConnections(peer).find(c => !c.remoteAddr.toString().includes('/p2p-circuit'))
    const gone = (x: string): boolean => { const p = peers.get(x); return p !== undefined && node.getConnections(p).length === 0 }
    const admission = share.admit(id, id, this.policy.source(direct?.remoteAddr, id), gone)
    if (!admission.ok) return true
    if (admission.evict !== undefined) {
      const evicted = peers.get(admission.evict)
      if (evicted !== undefined) {
        map.delete(evicted)
        for (const c of node.getConnections(evicted)) c.close().catch(() => {})
      }
    }
    return false
  }

  /** Peers holding a reservation, newest first, taken in turns from each address (for /network.json). */
  reservedPeers (limit: number): string[] {
    const map = this.#reservations()
    if (map === undefined) return []
    return fairPick([...map.entries()].map(([p, r]) => ({ item: p.toString(), source: this.policy.source(r.addr, p.toString()) })), limit)
  }

  /** How many reservations are held. */
  get reservationCount (): number {
    return this.#reservations()?.size ?? 0
  }
}
