/**
 * One shard operation on one holder, the same whether the holder is a peer
 * (the /datamesh/shard protocol, under the per-request timeout) or this node's
 * own store. Stores to peers go through the batcher (./batcher.ts), which
 * sends the stores bound for one peer together. Stores into the own store
 * are announced in the DHT here, in the background (src/net/announce-queue.ts);
 * remote holders announce what they keep themselves. What a peer does here
 * goes to this node's reputation book: a verified shard served, or a failure
 * that is its doing (src/net/reputation.ts `eventOfFailure`).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { NotAllowedError, NotFoundError } from '../core/errors.ts'
import { MAX_HAS_IDS } from '../net/protocol/constants.ts'
import { announcer } from '../net/announce-queue.ts'
import { eventOfFailure } from '../net/reputation.ts'
import { ownerId, type StoreLease } from '../net/shard/index.ts'
import { storeLease } from './lease-keeper.ts'
import type { MeshContext } from './context.ts'
import { errorName, withTimeout } from './peers.ts'

function localStore (ctx: MeshContext): NonNullable<MeshContext['store']> {
  if (ctx.store === undefined) throw new NotFoundError('This node keeps no shard store')
  return ctx.store
}

function failed (ctx: MeshContext, peer: string, op: 'store' | 'fetch' | 'has' | 'delete', err: unknown): void {
  ctx.events.dispatch('peer:failed', { peer, op, error: errorName(err) })
  const event = eventOfFailure(op, err)
  if (event !== undefined) ctx.reputation.record(peer, event)
}

/** Announce in the DHT that this node holds `id` (queued: it can take a while). */
export function announce (ctx: MeshContext, id: CID): void {
  announcer(ctx.libp2p, ctx.announcements)(id)
}

/** Store `id` on `peer` with `lease` (default: the mesh's lease from now, no renewer). */
export async function storeOn (ctx: MeshContext, peer: string, id: CID, bytes: Uint8Array, signal?: AbortSignal, lease: StoreLease = storeLease(ctx)): Promise<void> {
  try {
    if (peer === ctx.self) {
      const leaseOptions = { ...(lease.lease !== undefined ? { leaseUntil: lease.lease } : {}), ...(lease.renewer !== undefined ? { renewer: ownerId(lease.renewer) } : {}) }
      await localStore(ctx).put(id.toString(), bytes, { owner: ctx.owner, ...leaseOptions, ...(signal !== undefined ? { signal } : {}) })
      announce(ctx, id)
      return
    }
    if (ctx.config.storeBatch > 1 && ctx.shard.fitsOneRequest(1, bytes.byteLength)) {
      // not cancelled by `signal`: it may leave together with other puts' stores
      await ctx.batcher.store(peer, id, bytes, lease)
      return
    }
    await ctx.shard.store(peerIdFromString(peer), id, bytes, ctx.holderSigner(peer), { signal: withTimeout(signal, ctx.config.requestTimeout), ...lease })
  } catch (err) {
    failed(ctx, peer, 'store', err)
    throw err
  }
}

/** The verified bytes of `id` from `peer` (both the client and the store check the hash). */
export async function fetchFrom (ctx: MeshContext, peer: string, id: CID, signal?: AbortSignal): Promise<Uint8Array> {
  try {
    if (peer === ctx.self) return await localStore(ctx).get(id.toString(), signal !== undefined ? { signal } : {})
    const bytes = await ctx.shard.fetch(peerIdFromString(peer), id, { signal: withTimeout(signal, ctx.config.requestTimeout) })
    ctx.reputation.record(peer, 'served') // the client checked the bytes against the id
    return bytes
  } catch (err) {
    if (signal?.aborted !== true) failed(ctx, peer, 'fetch', err)
    throw err
  }
}

/** Which of `ids` `peer` holds, in order (any number of ids: asked in batches). */
export async function hasOn (ctx: MeshContext, peer: string, ids: readonly CID[], signal?: AbortSignal): Promise<boolean[]> {
  try {
    if (peer === ctx.self) {
      const store = localStore(ctx)
      return await Promise.all(ids.map(async id => await store.has(id.toString())))
    }
    const out: boolean[] = []
    for (let i = 0; i < ids.length; i += MAX_HAS_IDS) {
      out.push(...await ctx.shard.has(peerIdFromString(peer), ids.slice(i, i + MAX_HAS_IDS), { signal: withTimeout(signal, ctx.config.requestTimeout) }))
    }
    return out
  } catch (err) {
    if (signal?.aborted !== true) failed(ctx, peer, 'has', err)
    throw err
  }
}

/**
 * A signed delete (remote) or, for this node's store, a delete of the owner's
 * own copy. A remote delete is signed with the owner's key for that holder;
 * a shard stored before owners used per-holder keys is kept under the
 * owner's own key, so a 'not-owner' refusal is asked again with it (that
 * holder has the key on record already).
 */
export async function deleteOn (ctx: MeshContext, peer: string, id: CID, signal?: AbortSignal): Promise<void> {
  try {
    if (peer === ctx.self) {
      const store = localStore(ctx)
      const record = await store.stat(id.toString())
      if (record === undefined) return
      if (record.owner !== ctx.owner) throw new NotAllowedError('Only the owner a shard was stored for may delete it', { reason: 'not-owner', id: id.toString() })
      await store.delete(id.toString())
      await ctx.withdraw(id)
      return
    }
    try {
      await ctx.shard.delete(peerIdFromString(peer), id, ctx.holderSigner(peer), { signal: withTimeout(signal, ctx.config.requestTimeout) })
    } catch (err) {
      if (!(err instanceof NotAllowedError && err.details.reason === 'not-owner')) throw err
      await ctx.shard.delete(peerIdFromString(peer), id, ctx.keys.signer, { signal: withTimeout(signal, ctx.config.requestTimeout) })
    }
  } catch (err) {
    if (signal?.aborted !== true) failed(ctx, peer, 'delete', err)
    throw err
  }
}
