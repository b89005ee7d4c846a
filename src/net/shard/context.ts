/**
 * What the shard handlers share: the holder's store and settings, owner
 * labels, the per-owner write lock and the signed-timestamp check.
 */
import type { PeerId } from '@libp2p/interface'
import { base64url } from 'multiformats/bases/base64'
import { NotAllowedError } from '../../core/errors.ts'
import type { ShardStore } from '../../store/types.ts'
import { WriteLock } from '../../store/write-lock.ts'
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
  perOwnerQuota: number
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

/** NotAllowedError unless `ts` lies within ±maxClockSkew of the holder's clock. */
export function checkFresh (ts: number, context: Pick<HandlerContext, 'now' | 'maxClockSkew'>): void {
  const now = context.now()
  if (Math.abs(now - ts) > context.maxClockSkew) {
    throw new NotAllowedError('The signed timestamp is too far from the holder\'s clock (check the system time)', {
      reason: 'stale-timestamp', ts, now, maxClockSkew: context.maxClockSkew
    })
  }
}

/** One WriteLock per key, forgotten when nobody holds or waits for it. */
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
