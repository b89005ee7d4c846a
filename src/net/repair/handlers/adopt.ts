/**
 * adopt (on a repairer): keep a file's repair capability.
 *
 * Checks, in order: the capability verifies and has not expired
 * (MalformedDataError, NotAllowedError 'bad-signature', StaleRecordError
 * 'expired', NotAllowedError 'too-long'); this node is one of its repairers
 * (NotAllowedError 'not-a-repairer'; bytes not containing this node's id
 * are refused before they are parsed); a repair key not kept here yet takes
 * a new-owner token of the sending peer and address, as a new owner does on
 * a holder, unless the sender is trusted (QuotaExceededError
 * 'new-owner-limit'; keys cost nothing to make, so this is what keeps a few
 * peers from filling the book); the book takes it: newer than the one kept
 * or released (StaleRecordError 'superseded'), within the sender's and the
 * book's bounds (QuotaExceededError 'book-full'), or the token is given back.
 */
import { NotAllowedError } from '../../../core/errors.ts'
import { isRepairer, verifyRepairCap } from '../../../core/repair-cap.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import type { AdoptRequest } from '../messages.ts'
import type { CapabilityBook } from '../book.ts'
import { contains, type RepairHandlerContext } from '../context.ts'

export async function handleAdopt (request: AdoptRequest, context: RepairHandlerContext, book: CapabilityBook): Promise<Uint8Array> {
  const notListed = (): NotAllowedError => new NotAllowedError('This node is not a repairer of this capability', { reason: 'not-a-repairer' })
  // bytes without this node's id cannot list it: refused before they are parsed or verified
  if (!contains(request.cap.bytes, context.self)) throw notListed()
  const cap = verifyRepairCap(request.cap, { now: context.now() })
  if (!isRepairer(cap, context.self)) throw notListed()
  const fresh = book.get(cap.key) === undefined && !context.isTrusted(context.peer.toString())
  const admission = fresh ? context.admission.admit(context.peer, context.remoteAddr) : undefined
  try {
    book.adopt(context.peer.toString(), request.cap, cap)
  } catch (err) {
    admission?.refund()
    throw err
  }
  return encodeOk()
}
