/**
 * store (on a holder): keep a shard a repairer re-created.
 *
 * Checks, in order: the shard is not empty (InvalidParametersError
 * 'empty-shard'); the capability verifies, has not expired, lists the
 * sending peer (authenticated by Noise) as a repairer and is not older than
 * one used here before (../context.ts checkCapability); the id is one of
 * the capability's ids (NotAllowedError 'not-in-capability'); the bytes are
 * as long as the capability says that shard is (InvalidParametersError
 * 'size-mismatch'); then under K_f's lock: a shard already held for K_f is a
 * success, one held for anybody else AlreadyExistsError; K_f's usage stays
 * within the per-owner quota, and K_f as a new owner takes a new-owner
 * token unless the sender is trusted (QuotaExceededError); the store
 * verifies the bytes against the id (CorruptShardError 'sent-corrupt').
 * Stored with owner and renewer label K_f (base64url) and a lease to
 * min(exp, now + leaseMs).
 */
import { AlreadyExistsError, InvalidParametersError, NotAllowedError } from '../../../core/errors.ts'
import { findCapShard } from '../../../core/repair-cap.ts'
import type { ShardStore } from '../../../store/types.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import { checkNotEmpty, ownerId, putAdmitted } from '../../shard/context.ts'
import type { RepairStoreRequest } from '../messages.ts'
import { admitRepairOwner, checkCapability, type RepairHandlerContext } from '../context.ts'

export async function handleRepairStore (request: RepairStoreRequest, context: RepairHandlerContext, store: ShardStore): Promise<Uint8Array> {
  const { signal } = context
  const id = request.id.toString()
  checkNotEmpty(request.data, id)
  const cap = checkCapability(request.cap, context)
  const where = findCapShard(cap, request.id)
  if (where === undefined) throw new NotAllowedError('The shard is not one of this capability\'s', { reason: 'not-in-capability', id })
  if (where.size !== request.data.byteLength) {
    throw new InvalidParametersError('The shard is not as long as its capability says', { reason: 'size-mismatch', id, size: request.data.byteLength, expected: where.size })
  }
  const owner = ownerId(cap.key)
  const stored = await context.ownerLocks.run(owner, async () => {
    const existing = await store.stat(id, { signal })
    if (existing !== undefined) {
      if (existing.owner === owner) return false
      throw new AlreadyExistsError('This shard is already held here for another owner', { id })
    }
    const admission = await admitRepairOwner(context, store, owner, request.data.byteLength)
    await putAdmitted(store, id, request.data, { owner, renewer: owner, leaseUntil: Math.min(cap.exp, context.now() + context.leaseMs), signal }, admission)
    return true
  }, signal)
  if (stored) {
    try { context.hooks.onStored?.(id, owner) } catch { /* a hook must not fail the request */ }
  }
  return encodeOk()
}
