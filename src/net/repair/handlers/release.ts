/**
 * release (on a repairer): drop a file's capability, signed by its repair
 * key for this repairer (NotAllowedError 'bad-signature' otherwise). A
 * release of a key not kept, or of an older seq than the one kept, drops
 * nothing and still succeeds.
 */
import { NotAllowedError } from '../../../core/errors.ts'
import { verifySignature } from '../../../core/signature.ts'
import { encodeOk } from '../../protocol/envelope.ts'
import { releasePreimage, type ReleaseRequest } from '../messages.ts'
import type { CapabilityBook } from '../book.ts'
import type { RepairHandlerContext } from '../context.ts'

export async function handleRelease (request: ReleaseRequest, context: RepairHandlerContext, book: CapabilityBook): Promise<Uint8Array> {
  if (!verifySignature(request.key, releasePreimage(request.key, request.seq, context.self), request.sig)) {
    throw new NotAllowedError('The release is not signed by its repair key for this repairer', { reason: 'bad-signature' })
  }
  book.release(request.key, request.seq)
  return encodeOk()
}
