/**
 * renew: extend the leases of up to 256 shards at their owner's (or
 * renewer's) request.
 *
 * The timestamp must be fresh and the signature by `owner` over (ids,
 * owner, this holder, until, ts) must verify (NotAllowedError, reasons
 * 'stale-timestamp' / 'bad-signature'), so a renewal signed for one holder
 * is refused by every other. The store extends only the shards whose owner
 * or renewer label is `owner`'s, to `until` capped at 90 days ahead, and
 * never shortens a lease. `extended[i]`: `ids[i]` is held here for that key
 * and its lease now ends no earlier than the (capped) time asked.
 */
import { NotAllowedError } from '../../../core/errors.ts'
import { verifySignature } from '../../../core/signature.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import { renewPreimage, type RenewRequest } from '../../protocol/shard-messages.ts'
import { checkFresh, ownerId, type HandlerContext } from '../context.ts'

export async function handleRenew (request: RenewRequest, context: HandlerContext): Promise<Uint8Array> {
  checkFresh(request.ts, context)
  if (!verifySignature(request.owner, renewPreimage(request.ids, request.owner, context.holder, request.until, request.ts), request.sig)) {
    throw new NotAllowedError('The renew request is not signed by its owner for this holder', { reason: 'bad-signature' })
  }
  const ids = request.ids.map(id => id.toString())
  const report = await context.store.renew(ids, request.until, { by: ownerId(request.owner), signal: context.signal })
  const lasting = new Set([...report.extended, ...report.unchanged])
  return encodeOk({ extended: ids.map(id => lasting.has(id)) })
}
