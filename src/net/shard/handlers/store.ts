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
 */
import { AlreadyExistsError, CorruptShardError, NotAllowedError } from '../../../core/errors.ts'
import { verifySignature } from '../../../core/signature.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import { storePreimage, type StoreRequest } from '../../protocol/shard-messages.ts'
import { admitOwner, checkFresh, checkNotEmpty, ownerId, type HandlerContext } from '../context.ts'

export async function handleStore (request: StoreRequest, context: HandlerContext): Promise<Uint8Array> {
  const { store, signal } = context
  const id = request.id.toString()
  checkNotEmpty(request.data, id)
  checkFresh(request.ts, context)
  if (!verifySignature(request.owner, storePreimage(request.id, request.owner, context.holder, request.ts), request.sig)) {
    throw new NotAllowedError('The store request is not signed by its owner for this holder', { reason: 'bad-signature', id })
  }
  const owner = ownerId(request.owner)
  const stored = await context.ownerLocks.run(owner, async () => {
    const existing = await store.stat(id, { signal })
    if (existing !== undefined) {
      if (existing.owner === owner) return false
      throw new AlreadyExistsError('This shard is already held here for another owner', { id })
    }
    const admission = await admitOwner(context, owner, [request.data.byteLength])
    try {
      await store.put(id, request.data, { owner, signal })
    } catch (err) {
      admission?.refund()
      if (err instanceof CorruptShardError) throw new CorruptShardError('Refused: the bytes do not hash to the shard id', { id, reason: 'sent-corrupt' })
      throw err
    }
    return true
  }, signal)
  if (stored) {
    try { context.hooks.onStored?.(id, owner) } catch { /* a hook must not fail the request */ }
  }
  return encodeOk()
}
