/**
 * delete: remove a shard at its owner's request.
 *
 * The timestamp must be fresh and the signature by `owner` over
 * (id, this holder, ts) must verify (NotAllowedError, reasons
 * 'stale-timestamp' / 'bad-signature'), so a delete signed for one holder is
 * refused by every other. Only the owner the shard was stored for may delete
 * it (NotAllowedError, 'not-owner'); deleting an absent shard succeeds.
 */
import { NotAllowedError } from '../../../core/errors.ts'
import { verifySignature } from '../../../core/signature.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import { deletePreimage, type DeleteRequest } from '../../protocol/shard-messages.ts'
import { checkFresh, ownerId, type HandlerContext } from '../context.ts'

export async function handleDelete (request: DeleteRequest, context: HandlerContext): Promise<Uint8Array> {
  const { store, signal } = context
  const id = request.id.toString()
  checkFresh(request.ts, context)
  if (!verifySignature(request.owner, deletePreimage(request.id, context.holder, request.ts), request.sig)) {
    throw new NotAllowedError('The delete request is not signed by its owner for this holder', { reason: 'bad-signature', id })
  }
  const owner = ownerId(request.owner)
  const deleted = await context.ownerLocks.run(owner, async () => {
    const record = await store.stat(id, { signal })
    if (record === undefined) return false
    if (record.owner !== owner) throw new NotAllowedError('Only the owner a shard was stored for may delete it', { reason: 'not-owner', id })
    await store.delete(id, { signal })
    return true
  }, signal)
  if (deleted) {
    try { context.hooks.onDeleted?.(id) } catch { /* a hook must not fail the request */ }
  }
  return encodeOk()
}
