/**
 * store-many: keep several shards for their owner under a store grant.
 *
 * Checks, in order: no shard is empty (InvalidParametersError, reason
 * 'empty-shard', for the whole request); the grant is in force and signed
 * by the owner for this holder and the requesting peer (NotAllowedError,
 * reasons 'stale-timestamp', 'grant-too-long', 'bad-signature'); then, under
 * the owner's lock: a shard already held for this owner is a success, one
 * held for anybody else an AlreadyExistsError in its place; the new shards'
 * charges together (each its length, at least 4 KiB) stay within
 * perOwnerQuota, and an owner with nothing here yet gets a new-owner token
 * (../admission.ts) — else QuotaExceededError for each of them, nothing
 * stored; the store verifies every new shard against its id before writing
 * any (CorruptShardError, 'sent-corrupt', for the whole request) and writes
 * them in one batch, all or none (QuotaExceededError for each when its own
 * quota or owner share is reached). A store that fails gives the token back.
 * Leases and renewers of a version 2 request go to the store with each
 * shard; a shard already held for the owner has its lease extended to the
 * one asked (never shortened).
 */
import { AlreadyExistsError, CorruptShardError, QuotaExceededError, type DataMeshError } from '../../../core/errors.ts'
import type { ShardEntry } from '../../../store/types.ts'
import { encodeOk, wireError } from '../../protocol/envelope.ts'
import type { StoreManyRequest } from '../../protocol/shard-messages.ts'
import type { Admission } from '../admission.ts'
import { admitOwner, checkNotEmpty, leaseOptions, ownerId, type HandlerContext } from '../context.ts'
import { checkGrant } from '../grants.ts'

export async function handleStoreMany (request: StoreManyRequest, context: HandlerContext): Promise<Uint8Array> {
  const { store, signal } = context
  for (const s of request.shards) checkNotEmpty(s.data, s.id.toString())
  checkGrant({ grant: request, holder: context.holder, delegate: context.peer, now: context.now(), maxClockSkew: context.maxClockSkew, verified: context.grants })
  const owner = ownerId(request.owner)
  const errors = new Map<string, DataMeshError>()
  const stored = await context.ownerLocks.run(owner, async () => {
    const fresh = new Map<string, ShardEntry>()
    /** lease end -> ids already held for the owner, to extend */
    const held = new Map<number, string[]>()
    for (const shard of request.shards) {
      const id = shard.id.toString()
      if (fresh.has(id) || errors.has(id)) continue
      const existing = await store.stat(id, { signal })
      if (existing === undefined) fresh.set(id, { id, bytes: shard.data, owner, ...leaseOptions(shard) })
      else if (existing.owner !== owner) errors.set(id, new AlreadyExistsError('This shard is already held here for another owner', { id }))
      else if (shard.lease !== undefined) held.set(shard.lease, [...held.get(shard.lease) ?? [], id])
    }
    for (const [lease, ids] of held) await store.renew(ids, lease, { by: owner, signal })
    if (fresh.size === 0) return []
    const refuseAll = (err: DataMeshError): [] => {
      for (const id of fresh.keys()) errors.set(id, err)
      return []
    }
    let admission: Admission | undefined
    try {
      admission = await admitOwner(context, owner, [...fresh.values()].map(e => e.bytes.byteLength))
    } catch (err) {
      if (err instanceof QuotaExceededError) return refuseAll(err)
      throw err
    }
    try {
      await store.putMany(fresh.values(), { signal })
    } catch (err) {
      admission?.refund()
      if (err instanceof CorruptShardError) throw new CorruptShardError('Refused: the bytes of a shard do not hash to its id', { ...err.details, reason: 'sent-corrupt' })
      if (err instanceof QuotaExceededError) return refuseAll(err)
      throw err
    }
    return [...fresh.keys()]
  }, signal)
  for (const id of stored) {
    try { context.hooks.onStored?.(id, owner) } catch { /* a hook must not fail the request */ }
  }
  return encodeOk({ errors: request.shards.map(s => { const e = errors.get(s.id.toString()); return e === undefined ? null : wireError(e) }) })
}
