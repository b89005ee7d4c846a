/**
 * Admission of new owners on a holder: owner keys cost nothing to make, so
 * without a limit a few throwaway keys take a whole store, each up to the
 * per-owner quota. A *new owner* is an owner key with nothing stored on this
 * holder; storing its first shard here needs a token from both
 *
 * - the peer id the request arrives from (authenticated by Noise; with a
 *   store grant that is the delegate, i.e. the tab, not the owner), and
 * - the remote address of the connection, when it has one worth counting:
 *   the IPv4 address, or the /64 of an IPv6 address (one site's block).
 *   Relayed connections carry the relay's address, not the peer's, and
 *   WebRTC connections none, so those count by peer id only. Loopback and
 *   private addresses are exempt unless `countPrivateAddresses` is set:
 *   behind a TLS reverse proxy on the same machine every WebSocket arrives
 *   from 127.0.0.1, and counting it would make every user share one budget.
 *   An operator whose users really reach the holder from a private network,
 *   or who wants one budget for everything the proxy forwards, sets it.
 *
 * Each is a token bucket: `perPeer` (`perAddress`) tokens, refilled evenly
 * over `periodMs`. A refusal is a QuotaExceededError with reason
 * 'new-owner-limit' (the dimension in `limit`, `retryAfter` in ms): a
 * refusal of the peer's request, not a misbehaviour, so the peer limiter
 * scores nothing for it, and the client places the shard elsewhere. Owners
 * that already keep something here are never refused by this. A token is
 * given back when the store then fails (quota, corrupt bytes).
 *
 * Memory is bounded: at most `maxTracked` peers and as many addresses are
 * remembered; the least recently active are forgotten first (forgetting one
 * gives it a full bucket back, which only helps someone who can make
 * `maxTracked` other peers or addresses active meanwhile).
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { InvalidParametersError, QuotaExceededError } from '../../core/errors.ts'
import { isPrivateHost, parseIPv4, parseIPv6 } from '../private-host.ts'

const hour = 60 * 60 * 1000

export interface OwnerAdmissionInit {
  /** new owners one peer id may open per period (0: none) */
  perPeer: number
  /** new owners one remote address may open per period (0: none) */
  perAddress: number
  /** ms over which a bucket refills */
  periodMs: number
  /** count loopback and private remote addresses like public ones (default: exempt, see above) */
  countPrivateAddresses: boolean
  /** peers, and addresses, remembered at most each */
  maxTracked: number
}

export const DEFAULT_OWNER_ADMISSION: Readonly<OwnerAdmissionInit> = Object.freeze({
  /** a person uses one owner key per holder (more only with several keys in one keystore) */
  perPeer: 4,
  /** a household or office behind one address: a few people, a few keys each */
  perAddress: 16,
  periodMs: hour,
  countPrivateAddresses: false,
  /** two maps of this many small entries: a few MiB at most */
  maxTracked: 10_000
})

/** A token taken for a new owner; give it back when the store fails. */
export interface Admission {
  refund: () => void
}

interface Bucket {
  tokens: number
  updatedAt: number
}

export class OwnerAdmission {
  readonly init: Readonly<OwnerAdmissionInit>
  readonly #peers = new Map<string, Bucket>()
  readonly #addresses = new Map<string, Bucket>()
  readonly #now: () => number

  constructor (init: Partial<OwnerAdmissionInit> = {}, now: () => number = Date.now) {
    this.init = checkInit({ ...DEFAULT_OWNER_ADMISSION, ...init })
    this.#now = now
  }

  /**
   * Take a token for a new owner from `peer` over a connection from
   * `remoteAddr`; QuotaExceededError (reason 'new-owner-limit') when either
   * bucket is empty, and then nothing is taken.
   */
  admit (peer: PeerId, remoteAddr?: Multiaddr): Admission {
    const now = this.#now()
    const address = addressKey(remoteAddr, this.init.countPrivateAddresses)
    const peerBucket = this.#bucket(this.#peers, peer.toString(), this.init.perPeer, now)
    const addressBucket = address === undefined ? undefined : this.#bucket(this.#addresses, address, this.init.perAddress, now)
    if (peerBucket.tokens < 1) throw this.#refusal('peer', this.init.perPeer, peerBucket)
    if (addressBucket !== undefined && addressBucket.tokens < 1) throw this.#refusal('address', this.init.perAddress, addressBucket)
    peerBucket.tokens -= 1
    if (addressBucket !== undefined) addressBucket.tokens -= 1
    let refunded = false
    return {
      refund: () => {
        if (refunded) return
        refunded = true
        peerBucket.tokens = Math.min(this.init.perPeer, peerBucket.tokens + 1)
        if (addressBucket !== undefined) addressBucket.tokens = Math.min(this.init.perAddress, addressBucket.tokens + 1)
      }
    }
  }

  /** peers and addresses remembered (for tests and metrics) */
  get tracked (): { peers: number, addresses: number } {
    return { peers: this.#peers.size, addresses: this.#addresses.size }
  }

  /** The refilled bucket of `key`, moved to the most recently active end of `map`. */
  #bucket (map: Map<string, Bucket>, key: string, capacity: number, now: number): Bucket {
    let bucket = map.get(key)
    if (bucket === undefined) {
      while (map.size >= this.init.maxTracked) {
        const oldest = map.keys().next().value
        if (oldest === undefined) break
        map.delete(oldest)
      }
      bucket = { tokens: capacity, updatedAt: now }
    } else {
      map.delete(key)
      const elapsed = Math.max(0, now - bucket.updatedAt)
      bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * capacity / this.init.periodMs)
      bucket.updatedAt = now
    }
    map.set(key, bucket)
    return bucket
  }

  #refusal (limit: 'peer' | 'address', capacity: number, bucket: Bucket): QuotaExceededError {
    const retryAfter = capacity === 0 ? this.init.periodMs : Math.ceil((1 - bucket.tokens) * this.init.periodMs / capacity)
    const who = limit === 'peer' ? 'this peer' : 'this address'
    return new QuotaExceededError(`This holder takes only ${capacity} new owner keys from ${who} per ${Math.round(this.init.periodMs / 60_000)} minutes: try another holder, or later`, {
      reason: 'new-owner-limit', limit, perPeriod: capacity, periodMs: this.init.periodMs, retryAfter
    })
  }
}

/**
 * The address a connection is counted under: the IPv4 address, or the
 * first 64 bits of an IPv6 one (an IPv4-mapped IPv6 address counts as its
 * IPv4 address); undefined for relayed connections, addresses without an
 * IP, and loopback or private addresses unless `countPrivate`.
 */
export function addressKey (addr: Multiaddr | undefined, countPrivate: boolean): string | undefined {
  if (addr === undefined) return undefined
  const components = addr.getComponents()
  if (components.some(c => c.name === 'p2p-circuit')) return undefined
  const first = components[0]
  const host = first?.value
  if (host === undefined || (first?.name !== 'ip4' && first?.name !== 'ip6')) return undefined
  if (!countPrivate && isPrivateHost(host)) return undefined
  const v6 = first.name === 'ip6' ? parseIPv6(host) : undefined
  if (v6 !== undefined) {
    const mapped = v6.slice(0, 5).every(g => g === 0) && v6[5] === 0xffff
    if (!mapped) return 'ip6/' + v6.slice(0, 4).map(g => g.toString(16)).join(':') + '::/64'
    const [h = 0, l = 0] = v6.slice(6)
    return `ip4/${h >> 8}.${h & 0xff}.${l >> 8}.${l & 0xff}`
  }
  const v4 = parseIPv4(host)
  if (v4 === undefined) return undefined
  return `ip4/${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`
}

function checkInit (init: OwnerAdmissionInit): OwnerAdmissionInit {
  const whole = (n: unknown, min: number): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= min
  if (!whole(init.perPeer, 0) || !whole(init.perAddress, 0) || !whole(init.periodMs, 1) || !whole(init.maxTracked, 1) ||
    typeof init.countPrivateAddresses !== 'boolean') {
    throw new InvalidParametersError('Owner admission: perPeer and perAddress are whole numbers >= 0, periodMs and maxTracked >= 1, countPrivateAddresses a boolean', {
      perPeer: String(init.perPeer), perAddress: String(init.perAddress), periodMs: String(init.periodMs), maxTracked: String(init.maxTracked)
    })
  }
  return init
}
