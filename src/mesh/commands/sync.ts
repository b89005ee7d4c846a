/**
 * syncIndex: keep the owner's file list findable and current. Run when the
 * owner unlocks and then periodically while unlocked (../index-keeper.ts).
 *
 * 1. Look up the owner's record (no DHT server answering: InsufficientPeersError,
 *    nothing done).
 * 2. Fetch the backup it names and merge it into the local index (never
 *    removing or changing a known entry: ./restore.ts), so a list published
 *    by another device, or found after a failed restore, comes back by itself.
 * 3. Back up again (a new record with a renewed expiry) when
 *    - no record was found and this device lists files ('missing': a record
 *      lost or expired is published again),
 *    - the record was published more than `refreshAfterMs` ago ('refresh':
 *      long before it expires),
 *    - this device lists files the backup does not ('local-changes': a
 *      backup that did not run before the page closed).
 *    Never when the newest backup could not be read: publishing this
 *    device's list then could hide entries only that backup holds.
 */
import { InsufficientPeersError } from '../../core/errors.ts'
import type { MeshContext } from '../context.ts'
import type { MeshOptions } from '../types.ts'
import { backupIndexNow } from './backup.ts'
import { adoptPointer, lookupIndexPointer } from './restore.ts'
import { oneAtATime } from './serial.ts'

/** Republish a record this old (a day: a record lives INDEX_RECORD_LIFETIME_MS, 90 days) */
export const INDEX_REFRESH_AFTER_MS = 24 * 60 * 60 * 1000

export interface SyncOptions extends MeshOptions {
  refreshAfterMs?: number
}

export interface SyncResult {
  /** the record's sequence number after the sync (none found and none published: undefined) */
  seq?: number
  /** entries the record's backup added to this device's list */
  added: number
  /** why a new backup was published, if one was */
  published?: 'missing' | 'refresh' | 'local-changes'
}

export async function syncIndex (ctx: MeshContext, options: SyncOptions = {}): Promise<SyncResult> {
  return await oneAtATime(ctx, async () => await syncNow(ctx, options))
}

async function syncNow (ctx: MeshContext, options: SyncOptions): Promise<SyncResult> {
  const { signal } = options
  await ctx.index.load()
  const found = await lookupIndexPointer(ctx, signal)
  if (found.answered === 0) throw new InsufficientPeersError('No DHT server answered: the file list is synced once this device reaches a relay or storage peer', { reason: 'dht-get' })
  const { pointer } = found
  let added = 0
  let held: Set<string> | undefined
  if (pointer !== undefined) {
    try {
      const adopted = await adoptPointer(ctx, pointer, signal)
      added = adopted.added
      held = new Set(adopted.entries.map(e => e.key))
      if (added > 0) ctx.events.dispatch('index:changed', { op: 'restore', entries: ctx.index.size })
    } catch (err) {
      if (signal?.aborted === true || (err as Error).name !== 'NotFoundError') throw err
      ctx.log('the newest index backup is not reachable: not republishing - %e', err)
      return { seq: pointer.seq, added }
    }
  }
  let reason: SyncResult['published']
  if (pointer === undefined) {
    if (ctx.index.size > 0) reason = 'missing'
  } else if (Date.now() - pointer.ts > (options.refreshAfterMs ?? INDEX_REFRESH_AFTER_MS)) {
    reason = 'refresh'
  } else if (ctx.index.entries().some(e => held?.has(e.key) !== true)) {
    reason = 'local-changes'
  }
  if (reason === undefined) return { ...(pointer !== undefined ? { seq: pointer.seq } : {}), added }
  const result = await backupIndexNow(ctx, options, { ...found })
  return { seq: result.seq, added, published: reason }
}
