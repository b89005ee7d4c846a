/**
 * restoreIndex: find the owner's latest index backup from the keys alone
 * (the DHT record under the owner's Ed25519 key, highest sequence number,
 * signature checked), fetch it, decrypt it and merge it into the local
 * index: entries whose key and name are both new are added, local ones win.
 */
import { NotFoundError } from '../../core/errors.ts'
import { indexRecordKey, openIndexRecord, selectIndexRecord, type IndexPointer } from '../../net/index-record.ts'
import { decodeBackup } from '../backup.ts'
import type { MeshContext } from '../context.ts'
import { fetchShard } from '../locate.ts'
import type { MeshOptions, RestoreResult } from '../types.ts'

async function findPointer (ctx: MeshContext, signal?: AbortSignal): Promise<IndexPointer> {
  const key = indexRecordKey(ctx.keys.signer.publicKey)
  const options = signal !== undefined ? { signal } : {}
  const values: Uint8Array[] = []
  try {
    if (ctx.dht !== undefined) {
      for await (const event of ctx.dht.get(key, options)) if (event.name === 'VALUE' && event.value !== undefined) values.push(event.value)
    } else {
      values.push(await ctx.libp2p.contentRouting.get(key, options))
    }
  } catch (err) {
    if (signal?.aborted === true) throw err
    ctx.log('index pointer lookup failed - %e', err)
  }
  const valid = values.filter(v => { try { openIndexRecord(key, v); return true } catch { return false } })
  if (valid.length === 0) throw new NotFoundError('No index backup was found for these keys')
  return openIndexRecord(key, valid[selectIndexRecord(key, valid)] as Uint8Array)
}

export async function restoreIndex (ctx: MeshContext, options: MeshOptions = {}): Promise<RestoreResult> {
  const { signal } = options
  await ctx.index.load()
  const pointer = await findPointer(ctx, signal)
  const blob = await fetchShard(ctx, pointer.ptr, { ...(signal !== undefined ? { signal } : {}), hints: pointer.holders, askConnected: true })
  if (blob === undefined) throw new NotFoundError('The index backup is not reachable on any peer', { id: pointer.ptr.toString() })
  const { entries } = await decodeBackup(blob, ctx.keys)
  const added = await ctx.index.merge(entries)
  if (pointer.seq > (ctx.index.backup?.seq ?? -1)) await ctx.index.setBackup({ seq: pointer.seq, id: pointer.ptr.toString() })
  ctx.events.dispatch('index:changed', { op: 'restore', entries: ctx.index.size })
  return { seq: pointer.seq, added, total: ctx.index.size }
}
