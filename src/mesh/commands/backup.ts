/**
 * backupIndex: store the encrypted index in the mesh (../backup.ts) and
 * point the owner's DHT record at it (src/net/index-record.ts; the pointer
 * and holders sealed to the owner).
 *
 * - First the current record is looked up: a newer one than this device
 *   knows (another device of the owner published since) is merged in
 *   (../index-merge.ts), so the new backup holds its entries, edits and
 *   deletions too and no device's list replaces another's.
 * - The sequence number is above any known (this device's last one and the
 *   record found), and at least the current time in ms, so devices with
 *   roughly right clocks keep order; the record lives
 *   INDEX_RECORD_LIFETIME_MS (republished long before: ./sync.ts).
 * - Once the record is published, the backup it replaced (the one this
 *   device knew as the latest) is deleted, best effort, also when saving the
 *   new state locally fails: the record names the new backup whatever this
 *   device remembers, and the next lookup finds it. A backup whose record
 *   no DHT server accepted is deleted at once. One whose publication threw
 *   midway is kept: some server may already point at it, and deleting it
 *   would leave the owner's newest record naming nothing.
 * - Backups, restores and syncs of one mesh run one at a time (./serial.ts):
 *   the look-up, merge, publication and `seq` of one never interleave with
 *   another's.
 */
import { InsufficientPeersError } from '../../core/errors.ts'
import { initBlake3, parseShardCid, shardCid } from '../../core/hash.ts'
import { indexRecordKey, signIndexRecord, INDEX_RECORD_LIFETIME_MS, INDEX_RECORD_MAX_HINTS } from '../../net/index-record.ts'
import { encodeBackup } from '../backup.ts'
import type { MeshContext } from '../context.ts'
import { newPlacementState, replicate } from '../placement.ts'
import { survey } from '../survey.ts'
import { deleteOn } from '../transfer.ts'
import type { BackupResult, MeshOptions } from '../types.ts'
import { adoptRecord, changedBy, lookupIndexPointer, type PointerLookup } from './restore.ts'
import { oneAtATime } from './serial.ts'

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

/**
 * Merge the record found when it is newer than what this device knows. A
 * backup it names that no peer holds is passed over (nobody can restore
 * it); the lookup's result is returned either way.
 */
export async function catchUp (ctx: MeshContext, signal?: AbortSignal): Promise<PointerLookup> {
  const found = await lookupIndexPointer(ctx, signal)
  if (found.record !== undefined && found.record.seq > (ctx.index.backup?.seq ?? -1)) {
    try {
      const { merged } = await adoptRecord(ctx, found.record, signal)
      if (changedBy(merged)) ctx.events.dispatch('index:changed', { op: 'restore', entries: ctx.index.size })
    } catch (err) {
      if (signal?.aborted === true || (err as Error).name !== 'NotFoundError') throw err
      ctx.log('the newest index backup is not reachable; backing up this device\'s list - %e', err)
    }
  }
  return found
}

/** Delete a backup shard wherever a reachable peer holds it (best effort). */
async function dropBackup (ctx: MeshContext, id: string, signal?: AbortSignal): Promise<void> {
  const old = parseShardCid(id)
  const found = await survey(ctx, [old], [], signal).catch(() => undefined)
  await Promise.allSettled([...(found?.holdings ?? [])].filter(([, has]) => has[0] === true).map(async ([peer]) => { await deleteOn(ctx, peer, old) }))
}

/** Back up now, without waiting for other backups (callers run it through oneAtATime). */
export async function backupIndexNow (ctx: MeshContext, options: MeshOptions = {}, lookedUp?: PointerLookup): Promise<BackupResult> {
  const { signal } = options
  await ctx.index.load()
  await initBlake3()
  const known = (lookedUp ?? await catchUp(ctx, signal)).record
  const previous = ctx.index.backup
  // what the index has written: a change whose save still runs (and may fail and be undone) waits for the next backup
  const snapshot = ctx.index.snapshot()
  const blob = await encodeBackup(snapshot.entries, ctx.keys, Date.now(), snapshot)
  const id = shardCid(blob)
  const state = newPlacementState(await ctx.peers.candidates(signal !== undefined ? { signal } : {}))
  const holders = await replicate(ctx, state, id, blob, ctx.config.manifestReplicas, signal)
  const now = Date.now()
  const seq = Math.max((previous?.seq ?? 0) + 1, (known?.seq ?? 0) + 1, now)
  const value = await signIndexRecord({ seq, ts: now, expires: now + INDEX_RECORD_LIFETIME_MS, ptr: id, holders: holders.slice(0, INDEX_RECORD_MAX_HINTS) }, ctx.keys.signer, ctx.keys.x25519Public)
  const acknowledged = await publish(ctx, indexRecordKey(ctx.keys.signer.publicKey), value, signal)
  if (acknowledged === 0) {
    await Promise.allSettled(state.attempted.map(async s => { await deleteOn(ctx, s.peer, s.id) }))
    throw new InsufficientPeersError('No DHT server accepted the index pointer: connect to a relay or storage peer and retry', { reason: 'dht-put' })
  }
  let unsaved: unknown
  try {
    await ctx.index.setBackup({ seq, id: id.toString() })
  } catch (err) {
    unsaved = err
  }
  if (previous !== undefined && previous.id !== id.toString()) await dropBackup(ctx, previous.id, signal)
  if (unsaved !== undefined) throw unsaved
  const result: BackupResult = { seq, id: id.toString(), holders, entries: snapshot.entries.length }
  ctx.events.dispatch('index:backup', result)
  return result
}

export async function backupIndex (ctx: MeshContext, options: MeshOptions = {}): Promise<BackupResult> {
  return await oneAtATime(ctx, async () => await backupIndexNow(ctx, options))
}
