/**
 * What the shard handlers share: the holder's store and settings, owner
 * labels, the per-owner write lock, the signed-timestamp check and the
 * admission of owners (per-owner quota, new-owner limits).
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { base64url } from 'multiformats/bases/base64'
import { CorruptShardError, InvalidParametersError, NotAllowedError, QuotaExceededError } from '../../core/errors.ts'
import { shardChargeBytes } from '../../store/charge.ts'
import type { PutOptions, ShardStore } from '../../store/types.ts'
import { WriteLock } from '../../store/write-lock.ts'
import type { Admission, OwnerAdmission } from './admission.ts'
import type { VerifiedGrants } from './grants.ts'

export interface ShardHooks {
  /** a shard was newly stored for `owner` (the node may announce itself as a provider) */
  onStored?: (id: string, owner: string) => void
  /** a shard was deleted by its owner */
  onDeleted?: (id: string) => void
}

export interface HandlerContext {
  store: ShardStore
  /** this node's peer id as multihash bytes (the `holder` in signatures) */
  holder: Uint8Array
  /** the remote peer */
  peer: PeerId
  /** the address the request's connection comes from, when known */
  remoteAddr?: Multiaddr
  /** most bytes (charged: ../../store/charge.ts) kept for one owner */
  perOwnerQuota: number
  /** new owners per peer and per address */
  admission: OwnerAdmission
  maxClockSkew: number
  now: () => number
  ownerLocks: KeyedLock
  /** store grants this holder already verified */
  grants: VerifiedGrants
  hooks: ShardHooks
  signal: AbortSignal
}

/** The label a holder accounts an owner's usage under: base64url (no padding) of the Ed25519 public key. */
export function ownerId (publicKey: Uint8Array): string {
  return base64url.baseEncode(publicKey)
}

/** A store's lease fields as the shard store takes them: the lease end, and the renewer key as a label. */
export function leaseOptions (lease: { lease?: number, renewer?: Uint8Array }): { leaseUntil?: number, renewer?: string } {
  if (lease.lease === undefined) return {}
  return lease.renewer === undefined ? { leaseUntil: lease.lease } : { leaseUntil: lease.lease, renewer: ownerId(lease.renewer) }
}

/** NotAllowedError unless `ts` lies within ±maxClockSkew of the holder's clock. */
export function checkFresh (ts: number, context: Pick<HandlerContext, 'now' | 'maxClockSkew'>): void {
  const now = context.now()
  if (Math.abs(now - ts) > context.maxClockSkew) {
    throw new NotAllowedError('The signed timestamp is too far from the holder\'s clock (check the system time)', {
      reason: 'stale-timestamp', ts, now, maxClockSkew: context.maxClockSkew
    })
  }
}

/** InvalidParametersError (reason 'empty-shard') for a shard of no bytes: a real shard never is. */
export function checkNotEmpty (data: Uint8Array, id: string): void {
  if (data.byteLength === 0) throw new InvalidParametersError('Refused: a shard is never empty', { id, reason: 'empty-shard' })
}

/**
 * Under the owner's lock, before storing `shards` (their lengths) for
 * `owner`: QuotaExceededError unless the owner's charged bytes stay within
 * perOwnerQuota; then, for an owner that keeps nothing here yet, a
 * new-owner token (QuotaExceededError, 'new-owner-limit', when there is
 * none). Returns the token, to give back if the store fails.
 */
export async function admitOwner (context: HandlerContext, owner: string, sizes: readonly number[]): Promise<Admission | undefined> {
  const { bytes: used, count } = await context.store.ownerUsage(owner, { signal: context.signal })
  const needed = sizes.reduce((a, n) => a + shardChargeBytes(n), 0)
  if (used + needed > context.perOwnerQuota) {
    throw new QuotaExceededError('Per-owner quota exceeded on this holder', { owner, perOwnerQuota: context.perOwnerQuota, used, needed })
  }
  return count === 0 ? context.admission.admit(context.peer, context.remoteAddr) : undefined
}

/** One WriteLock per key, forgotten when nobody holds or waits for it. */
/**
 * Keep a shard a request brought, under the owner's `admission` (given back
 * when the shard is not kept); bytes that do not hash to the id are the
 * sender's fault (CorruptShardError, reason 'sent-corrupt').
 */
export async function putAdmitted (store: ShardStore, id: string, data: Uint8Array, options: PutOptions, admission: Admission | undefined): Promise<void> {
  try {
    await store.put(id, data, options)
  } catch (err) {
    admission?.refund()
    if (err instanceof CorruptShardError) throw new CorruptShardError('Refused: the bytes do not hash to the shard id', { id, reason: 'sent-corrupt' })
    throw err
  }
}

export class KeyedLock {
  readonly #locks = new Map<string, { lock: WriteLock, users: number }>()

  async run<T> (key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let entry = this.#locks.get(key)
    if (entry === undefined) {
      entry = { lock: new WriteLock(), users: 0 }
      this.#locks.set(key, entry)
    }
    entry.users++
    try {
      return await entry.lock.run(fn, signal)
    } finally {
      if (--entry.users === 0) this.#locks.delete(key)
    }
  }

  get size (): number {
    return this.#locks.size
  }
}
