/**
 * What the repair handlers share: the node's store or capability book, the
 * checks every capability-carrying request passes (verified, not expired,
 * not older than one seen, sent by a listed repairer), a small cache of
 * verified capabilities, and admission of K_f as a new owner.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { NotAllowedError, QuotaExceededError, StaleRecordError } from '../../core/errors.ts'
import { blake3 } from '../../core/hash.ts'
import { isRepairer, verifyRepairCap, type RepairCap, type SignedRepairCap } from '../../core/repair-cap.ts'
import { shardChargeBytes } from '../../store/charge.ts'
import type { ShardStore } from '../../store/types.ts'
import type { Admission, OwnerAdmission } from '../shard/admission.ts'
import { ownerId, type KeyedLock } from '../shard/context.ts'
import { MAX_SEEN_KEYS, VERIFIED_CAP_CACHE } from './constants.ts'
import type { CapabilityBook } from './book.ts'

export interface RepairHooks {
  /** a repaired shard was newly stored (the node may announce itself as a provider) */
  onStored?: (id: string, owner: string) => void
}

export interface RepairHandlerContext {
  /** this node's peer id as multihash bytes */
  self: Uint8Array
  /** the remote peer (authenticated by Noise) */
  peer: PeerId
  remoteAddr?: Multiaddr
  store?: ShardStore
  book?: CapabilityBook
  caps: VerifiedCaps
  seen: SeenSeqs
  admission: OwnerAdmission
  /** peers exempt from new-owner admission (trusted in the node's reputation book) */
  isTrusted: (peer: string) => boolean
  perOwnerQuota: number
  /** longest lease given to a repaired shard, ms */
  leaseMs: number
  ownerLocks: KeyedLock
  now: () => number
  hooks: RepairHooks
  signal: AbortSignal
}

/** Verified capabilities by the hash of their bytes and signature: bounded in count and bytes, least recently used dropped. */
export class VerifiedCaps {
  readonly #entries = new Map<string, { cap: RepairCap, bytes: number }>()
  #bytes = 0

  /** The capability, verified now or earlier (its expiry is checked each time). */
  verify (signed: SignedRepairCap, now: number): RepairCap {
    const hash = Array.from(blake3(signed.bytes, signed.sig), b => b.toString(16).padStart(2, '0')).join('')
    const hit = this.#entries.get(hash)
    if (hit !== undefined) {
      this.#entries.delete(hash)
      this.#entries.set(hash, hit)
      if (hit.cap.exp <= now) throw new StaleRecordError('The repair capability has expired', { reason: 'expired', exp: hit.cap.exp, now })
      return hit.cap
    }
    const cap = verifyRepairCap(signed, { now })
    const size = signed.bytes.byteLength
    if (size > VERIFIED_CAP_CACHE.maxBytes) return cap
    this.#entries.set(hash, { cap, bytes: size })
    this.#bytes += size
    while (this.#entries.size > VERIFIED_CAP_CACHE.maxEntries || this.#bytes > VERIFIED_CAP_CACHE.maxBytes) {
      const [oldest, entry] = this.#entries.entries().next().value as [string, { bytes: number }]
      this.#entries.delete(oldest)
      this.#bytes -= entry.bytes
    }
    return cap
  }

  get size (): number { return this.#entries.size }
}

/** The highest capability seq a holder has accepted per repair key (bounded; least recently used forgotten). */
export class SeenSeqs {
  readonly #seqs = new Map<string, number>()
  readonly #max: number

  constructor (max = MAX_SEEN_KEYS) {
    this.#max = max
  }

  /** StaleRecordError ('superseded') when `cap` is older than one accepted before; else remembers its seq. */
  check (cap: RepairCap): void {
    const key = ownerId(cap.key)
    const seen = this.#seqs.get(key)
    if (seen !== undefined && cap.seq < seen) {
      throw new StaleRecordError('A newer capability for this repair key was already used here', { reason: 'superseded', seq: cap.seq, known: seen })
    }
    this.#seqs.delete(key)
    this.#seqs.set(key, Math.max(seen ?? cap.seq, cap.seq))
    while (this.#seqs.size > this.#max) this.#seqs.delete(this.#seqs.keys().next().value as string)
  }
}

/**
 * The checks of every capability a holder is shown: the sending peer
 * listed as a repairer (NotAllowedError 'not-a-repairer'; a payload not
 * containing its id is refused before anything is parsed), verified
 * (signature, expiry: MalformedDataError, NotAllowedError 'bad-signature',
 * StaleRecordError 'expired'), not older than one seen (StaleRecordError
 * 'superseded').
 */
export function checkCapability (signed: SignedRepairCap, context: RepairHandlerContext): RepairCap {
  const sender = context.peer.toMultihash().bytes
  // a payload that does not even contain the sender's id cannot list it: refused before it is parsed or verified,
  // so a peer that is nobody's repairer cannot make this holder decode and verify capabilities
  if (!contains(signed.bytes, sender)) throw notARepairer()
  const cap = context.caps.verify(signed, context.now())
  if (!isRepairer(cap, sender)) throw notARepairer()
  context.seen.check(cap)
  return cap
}

function notARepairer (): NotAllowedError {
  return new NotAllowedError('The sending peer is not a repairer of this capability', { reason: 'not-a-repairer' })
}

/** Whether `needle` occurs in `haystack` (a byte scan, no allocation). */
export function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.byteLength
  if (n === 0) return true
  const first = needle[0] as number
  for (let at = haystack.indexOf(first); at >= 0 && at + n <= haystack.byteLength; at = haystack.indexOf(first, at + 1)) {
    let i = 1
    while (i < n && haystack[at + i] === needle[i]) i++
    if (i === n) return true
  }
  return false
}

/**
 * Under K_f's lock, before storing `size` bytes for `owner`:
 * QuotaExceededError unless the owner's charged bytes stay within
 * perOwnerQuota; an owner that keeps nothing here yet needs a new-owner
 * token of the sending peer and address, unless that peer is trusted.
 */
export async function admitRepairOwner (context: RepairHandlerContext, store: ShardStore, owner: string, size: number): Promise<Admission | undefined> {
  const { bytes: used, count } = await store.ownerUsage(owner, { signal: context.signal })
  const needed = shardChargeBytes(size)
  if (used + needed > context.perOwnerQuota) {
    throw new QuotaExceededError('Per-owner quota exceeded on this holder', { owner, perOwnerQuota: context.perOwnerQuota, used, needed })
  }
  if (count > 0 || context.isTrusted(context.peer.toString())) return undefined
  return context.admission.admit(context.peer, context.remoteAddr)
}
