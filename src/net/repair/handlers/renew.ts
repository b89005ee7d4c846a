/**
 * renew (on a holder): a listed repairer extends the leases of the
 * capability's shards kept for K_f (owner or renewer label K_f), to
 * min(until, exp, now + leaseMs), never shortening one.
 *
 * Checks: the capability as for store (../context.ts checkCapability);
 * every id is one of the capability's (NotAllowedError 'not-in-capability',
 * nothing renewed). Answers, per id, whether its lease now reaches the time
 * granted (false: not held here, or not K_f's).
 */
import { NotAllowedError } from '../../../core/errors.ts'
import { findCapShard } from '../../../core/repair-cap.ts'
import type { ShardStore } from '../../../store/types.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import { ownerId } from '../../shard/context.ts'
import type { RenewRequest } from '../messages.ts'
import { checkCapability, type RepairHandlerContext } from '../context.ts'

export async function handleRenew (request: RenewRequest, context: RepairHandlerContext, store: ShardStore): Promise<Uint8Array> {
  const cap = checkCapability(request.cap, context)
  for (const id of request.ids) {
    if (findCapShard(cap, id) === undefined) throw new NotAllowedError('A shard is not one of this capability\'s', { reason: 'not-in-capability', id: id.toString() })
  }
  const ids = request.ids.map(id => id.toString())
  const until = Math.min(request.until, cap.exp, context.now() + context.leaseMs)
  const report = await store.renew(ids, until, { by: ownerId(cap.key), signal: context.signal })
  const covered = new Set([...report.extended, ...report.unchanged])
  return encodeOk({ extended: ids.map(id => covered.has(id)) })
}
