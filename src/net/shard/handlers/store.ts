/**
 * store: keep a shard for its owner.
 *
 * Checks, in order: the shard is not empty (InvalidParametersError, reason
 * 'empty-shard'); the signed timestamp is fresh (NotAllowedError, reason
 * 'stale-timestamp'); the owner's signature over (id, owner, this holder,
 * ts) verifies (NotAllowedError, 'bad-signature'); then, under the owner's
 * lock so concurrent stores cannot overshoot: a shard already held for this
 * owner is a success (idempotent), one held for anybody else is
 * AlreadyExistsError (it is not kept for this owner, whose client should
 * place it elsewhere); the owner's charged usage plus the shard's charge
 * (its length, at least 4 KiB) stays within perOwnerQuota
 * (QuotaExceededError, nothing stored); an owner with nothing here yet needs
 * a new-owner token of the requesting peer and address (QuotaExceededError,
 * 'new-owner-limit': ../admission.ts); the store verifies the bytes against
 * the id (CorruptShardError, 'sent-corrupt') and its own quota and owner
 * share (QuotaExceededError). A store that fails gives the token back.
 *
 * A version 2 request's lease (capped by the store at 90 days ahead) and
 * renewer key (kept as its label, ../context.ts `ownerId`) go to the store;
 * a version 1 request gets the store's legacy lease. A store of a shard
 * already held for the same owner extends its lease to the one asked.
 */
import { AlreadyExistsError, NotAllowedError } from '../../../core/errors.ts'
import { verifySignature } from '../../../core/signature.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import { signedStorePreimage, type StoreRequest } from '../../protocol/shard-messages.ts'
import { admitOwner, checkFresh, checkNotEmpty, leaseOptions, ownerId, putAdmitted, type HandlerContext } from '../context.ts'

export async function handleStore (request: StoreRequest, context: HandlerContext): Promise<Uint8Array> {
  const { store, signal } = context
  const id = request.id.toString()
  checkNotEmpty(request.data, id)
  checkFresh(request.ts, context)
  if (!verifySignature(request.owner, signedStorePreimage(request, context.holder), request.sig)) {
    throw new NotAllowedError('The store request is not signed by its owner for this holder', { reason: 'bad-signature', id })
  }
  const owner = ownerId(request.owner)
  const stored = await context.ownerLocks.run(owner, async () => {
    const existing = await store.stat(id, { signal })
    if (existing !== undefined) {
      if (existing.owner === owner) {
        if (request.lease !== undefined) await store.renew([id], request.lease, { by: owner, signal })
        return false
      }
      throw new AlreadyExistsError('This shard is already held here for another owner', { id })
    }
    const admission = await admitOwner(context, owner, [request.data.byteLength])
    await putAdmitted(store, id, request.data, { owner, ...leaseOptions(request), signal }, admission)
    return true
  }, signal)
  if (stored) {
    try { context.hooks.onStored?.(id, owner) } catch { /* a hook must not fail the request */ }
  }
  return encodeOk()
}
