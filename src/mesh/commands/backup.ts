/**
 * backupIndex: store the encrypted index in the mesh (../backup.ts) and
 * point the owner's DHT record at it (src/net/index-record.ts), with a
 * sequence number above any this device published before (at least the
 * current time in ms, so devices with roughly right clocks keep order).
 * The previous backup this device published is then deleted (best effort).
 * The record expires on DHT servers after 48 h: back up again (or call
 * this periodically) to keep it findable.
 */
import { InsufficientPeersError } from '../../core/errors.ts'
import { initBlake3, parseShardCid, shardCid } from '../../core/hash.ts'
import { indexRecordKey, signIndexRecord, INDEX_RECORD_MAX_HINTS } from '../../net/index-record.ts'
import { encodeBackup } from '../backup.ts'
import type { MeshContext } from '../context.ts'
import { newPlacementState, replicate } from '../placement.ts'
import { survey } from '../survey.ts'
import { deleteOn } from '../transfer.ts'
import type { BackupResult, MeshOptions } from '../types.ts'

/** Publish a signed record; returns how many DHT servers acknowledged it (-1: unknown). */
async function publish (ctx: MeshContext, key: Uint8Array, value: Uint8Array, signal?: AbortSignal): Promise<number> {
  const options = signal !== undefined ? { signal } : {}
  if (ctx.dht === undefined) {
    await ctx.libp2p.contentRouting.put(key, value, options)
    return -1
  }
  let acknowledged = 0
  for await (const event of ctx.dht.put(key, value, options)) {
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') acknowledged++
  }
  return acknowledged
}

export async function backupIndex (ctx: MeshContext, options: MeshOptions = {}): Promise<BackupResult> {
  const { signal } = options
  await ctx.index.load()
  await initBlake3()
  const previous = ctx.index.backup
  // what the index has written: a change whose save still runs (and may fail and be undone) waits for the next backup
  const entries = ctx.index.savedEntries()
  const blob = await encodeBackup(entries, ctx.keys)
  const id = shardCid(blob)
  const state = newPlacementState(await ctx.peers.candidates(signal !== undefined ? { signal } : {}))
  const holders = await replicate(ctx, state, id, blob, ctx.config.manifestReplicas, signal)
  const seq = Math.max((previous?.seq ?? 0) + 1, Date.now())
  const value = await signIndexRecord({ seq, ts: Date.now(), ptr: id, holders: holders.slice(0, INDEX_RECORD_MAX_HINTS) }, ctx.keys.signer)
  const acknowledged = await publish(ctx, indexRecordKey(ctx.keys.signer.publicKey), value, signal)
  if (acknowledged === 0) {
    await Promise.allSettled(state.attempted.map(async s => { await deleteOn(ctx, s.peer, s.id) }))
    throw new InsufficientPeersError('No DHT server accepted the index pointer: connect to a relay or storage peer and retry', { reason: 'dht-put' })
  }
  await ctx.index.setBackup({ seq, id: id.toString() })
  if (previous !== undefined && previous.id !== id.toString()) {
    const old = parseShardCid(previous.id)
    const found = await survey(ctx, [old], [], signal).catch(() => undefined)
    await Promise.allSettled([...(found?.holdings ?? [])].filter(([, has]) => has[0] === true).map(async ([peer]) => { await deleteOn(ctx, peer, old) }))
  }
  const result: BackupResult = { seq, id: id.toString(), holders, entries: entries.length }
  ctx.events.dispatch('index:backup', result)
  return result
}
