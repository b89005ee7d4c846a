/**
 * fetch: the verified bytes of a stored shard. NotFoundError when absent;
 * CorruptShardError when the copy here was damaged (the store has removed it,
 * so a retry answers NotFoundError). No owner check: shards are ciphertext
 * addressed by their hash, and readers need not be owners.
 */
import { encodeOk } from '../../protocol/envelope.ts'
import type { FetchRequest } from '../../protocol/shard-messages.ts'
import type { HandlerContext } from '../context.ts'

export async function handleFetch (request: FetchRequest, context: HandlerContext): Promise<Uint8Array> {
  const data = await context.store.get(request.id.toString(), { signal: context.signal })
  return encodeOk({ data })
}
