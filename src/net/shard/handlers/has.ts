/** has: which of up to 256 shards are held here, in the order asked. */
import { encodeOk } from '../../protocol/envelope.ts'
import type { HasRequest } from '../../protocol/shard-messages.ts'
import type { HandlerContext } from '../context.ts'

export async function handleHas (request: HasRequest, context: HandlerContext): Promise<Uint8Array> {
  const { store, signal } = context
  const have = await Promise.all(request.ids.map(async id => await store.has(id.toString(), { signal })))
  return encodeOk({ have })
}
