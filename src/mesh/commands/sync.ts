/**
 * syncIndex: keep the owner's file list findable and current. Run when the
 * owner unlocks and then periodically while unlocked (../index-keeper.ts).
 *
 * 1. Look up the owner's record (no DHT server answering: InsufficientPeersError,
 *    nothing done).
 * 2. Fetch the backup it names and merge it into the local index
 *    (../index-merge.ts: entries added, later renames taken, deleted files
 *    removed), so a list published by another device, or found after a
 *    failed restore, comes back by itself.
 * 3. Back up again (a new record with a renewed expiry) when
 *    - no record was found and this device lists files ('missing': a record
 *      lost or expired is published again),
 *    - the record was published more than `refreshAfterMs` ago ('refresh':
 *      long before it expires),
 *    - this device knows what the backup lacks ('local-changes': a file it
 *      lacks, a later rename or change of tags, or a delete; a backup that
 *      did not run before the page closed, or a device that published
 *      without having heard of a delete).
 *    Never when the newest backup could not be read: publishing this
 *    device's list then could hide entries only that backup holds.
 */
import { InsufficientPeersError } from '../../core/errors.ts'
import type { DecodedBackup } from '../backup.ts'
import type { MeshContext } from '../context.ts'
import { editedAt } from '../index-entries.ts'
import type { MeshOptions } from '../types.ts'
import { backupIndexNow } from './backup.ts'
import { adoptRecord, changedBy, lookupIndexPointer } from './restore.ts'
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
  /** entries it renamed or retagged (or moved to a free name) */
  updated: number
  /** entries it removed (deleted on another device) */
  removed: number
  /** why a new backup was published, if one was */
  published?: 'missing' | 'refresh' | 'local-changes'
}

export async function syncIndex (ctx: MeshContext, options: SyncOptions = {}): Promise<SyncResult> {
  return await oneAtATime(ctx, async () => await syncNow(ctx, options))
}

/** Whether this device's list holds something `backup` lacks: a file, a later edit of one, or a tombstone. */
export function localChanges (ctx: MeshContext, backup: DecodedBackup): boolean {
  const theirs = new Map(backup.entries.map(e => [e.key, e]))
  for (const e of ctx.index.entries()) {
    const t = theirs.get(e.key)
    if (t === undefined || editedAt(e) > editedAt(t)) return true
  }
  const gone = new Set(backup.deleted.map(t => t.key))
  return ctx.index.tombstones().some(t => !gone.has(t.key))
}

async function syncNow (ctx: MeshContext, options: SyncOptions): Promise<SyncResult> {
  const { signal } = options
  await ctx.index.load()
  const found = await lookupIndexPointer(ctx, signal)
  if (found.answered === 0) throw new InsufficientPeersError('No DHT server answered: the file list is synced once this device reaches a relay or storage peer', { reason: 'dht-get' })
  const { record } = found
  let merged = { added: 0, updated: 0, removed: 0 }
  let backup: DecodedBackup | undefined
  if (record !== undefined) {
    try {
      const adopted = await adoptRecord(ctx, record, signal)
      merged = adopted.merged
      backup = adopted.backup
      if (changedBy(merged)) ctx.events.dispatch('index:changed', { op: 'restore', entries: ctx.index.size })
    } catch (err) {
      if (signal?.aborted === true || (err as Error).name !== 'NotFoundError') throw err
      ctx.log('the newest index backup is not reachable: not republishing - %e', err)
      return { seq: record.seq, ...merged }
    }
  }
  let reason: SyncResult['published']
  if (record === undefined || backup === undefined) {
    if (ctx.index.size > 0 || ctx.index.tombstones().length > 0) reason = 'missing'
  } else if (Date.now() - record.ts > (options.refreshAfterMs ?? INDEX_REFRESH_AFTER_MS)) {
    reason = 'refresh'
  } else if (localChanges(ctx, backup)) {
    reason = 'local-changes'
  }
  if (reason === undefined) return { ...(record !== undefined ? { seq: record.seq } : {}), ...merged }
  const result = await backupIndexNow(ctx, options, { ...found })
  return { seq: result.seq, ...merged, published: reason }
}
