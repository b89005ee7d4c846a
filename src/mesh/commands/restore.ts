/**
 * restoreIndex: find the owner's latest index backup from the keys alone
 * (the DHT record under the owner's Ed25519 key: the greatest valid,
 * unexpired one any DHT server answers with, signature checked, its sealed
 * target opened with the owner's keys), fetch it, decrypt it and merge it
 * into the local index (../index-merge.ts): entries this device lacks are
 * added, later renames and tag changes taken, files the owner deleted
 * removed and never brought back. A stale or replayed record can only add
 * what it holds, and remove only what the owner deleted.
 *
 * Failures say what happened, never that files are gone:
 * - InsufficientPeersError: no DHT server answered (not connected yet);
 * - NotFoundError, details.reason 'no-record': servers answered, none holds
 *   a current record for these keys (never backed up, or no device has
 *   published it since the record expired or was lost);
 * - NotFoundError, details.reason 'backup-unreachable': the record names a
 *   backup no reachable peer holds (looked for until every place to look
 *   answered, or `config.backupWaitMs`);
 * - WrongKeyError, details.reason 'index-target': the record's backup
 *   pointer is not sealed to these keys for this record.
 */
import { InsufficientPeersError, NotFoundError } from '../../core/errors.ts'
import { checkIndexRecordFresh, compareIndexRecords, indexRecordKey, openIndexRecord, openIndexTarget, type IndexPointer, type IndexRecord } from '../../net/index-record.ts'
import { decodeBackup, type DecodedBackup } from '../backup.ts'
import type { MeshContext } from '../context.ts'
import type { MergeResult } from '../index-merge.ts'
import { fetchShard } from '../locate.ts'
import { withTimeout } from '../peers.ts'
import type { MeshOptions, RestoreResult } from '../types.ts'
import { oneAtATime } from './serial.ts'

/** what kad-dht's get yields that matters here */
interface DhtGetEvent {
  name: string
  messageName?: string
  value?: Uint8Array
  record?: { value: Uint8Array }
}

export interface PointerLookup {
  /** the greatest valid, unexpired record found (its target not opened yet) */
  record?: IndexRecord
  /** DHT servers that answered the lookup (-1: unknown, no DHT service) */
  answered: number
}

/**
 * Ask the DHT for the owner's record. Every answer is collected as it comes
 * (kad-dht's own result arrives only after it corrected out-of-date
 * servers, and a refused correction would lose it), checked, and the
 * greatest kept.
 */
export async function lookupIndexPointer (ctx: MeshContext, signal?: AbortSignal): Promise<PointerLookup> {
  const key = indexRecordKey(ctx.keys.signer.publicKey)
  const options = signal !== undefined ? { signal } : {}
  const values: Uint8Array[] = []
  let answered = ctx.dht === undefined ? -1 : 0
  try {
    if (ctx.dht !== undefined) {
      for await (const event of ctx.dht.get(key, options) as AsyncIterable<DhtGetEvent>) {
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'GET_VALUE') {
          answered++
          if (event.record?.value !== undefined) values.push(event.record.value)
        } else if (event.name === 'VALUE' && event.value !== undefined) {
          values.push(event.value)
        }
      }
    } else {
      values.push(await ctx.libp2p.contentRouting.get(key, options))
    }
  } catch (err) {
    if (signal?.aborted === true) throw err
    ctx.log('index pointer lookup ended early - %e', err)
  }
  let best: { record: IndexRecord, value: Uint8Array } | undefined
  for (const value of values) {
    try {
      const record = openIndexRecord(key, value)
      checkIndexRecordFresh(record)
      if (best === undefined || compareIndexRecords({ record, value }, best) > 0) best = { record, value }
    } catch {}
  }
  return { ...(best !== undefined ? { record: best.record } : {}), answered }
}

/** Where the record's backup is (its sealed target opened with the owner's keys). */
export async function openPointer (ctx: MeshContext, record: IndexRecord): Promise<IndexPointer> {
  return await openIndexTarget(indexRecordKey(ctx.keys.signer.publicKey), record, ctx.keys.open)
}

/** The backup a pointer names; NotFoundError when no reachable peer holds it. */
export async function fetchBackup (ctx: MeshContext, pointer: IndexPointer, signal?: AbortSignal): Promise<DecodedBackup> {
  const wait = ctx.config.backupWaitMs
  const bounded = wait === undefined ? signal : withTimeout(signal, wait)
  let blob: Uint8Array | undefined
  try {
    blob = await fetchShard(ctx, pointer.ptr, { ...(bounded !== undefined ? { signal: bounded } : {}), hints: pointer.holders, askConnected: true })
  } catch (err) {
    // the wait ran out (not the caller's signal): not found in time
    if (signal?.aborted === true || bounded?.aborted !== true) throw err
  }
  if (blob === undefined) throw new NotFoundError('The file list backup is not reachable on any peer right now', { reason: 'backup-unreachable', id: pointer.ptr.toString() })
  return await decodeBackup(blob, ctx.keys)
}

/**
 * Merge the backup `record` names and remember it as the latest known
 * (when it is newer than what this device knew); the backup and what the
 * merge changed.
 */
export async function adoptRecord (ctx: MeshContext, record: IndexRecord, signal?: AbortSignal): Promise<{ backup: DecodedBackup, merged: MergeResult }> {
  const pointer = await openPointer(ctx, record)
  const backup = await fetchBackup(ctx, pointer, signal)
  const merged = await ctx.index.merge(backup)
  if (record.seq > (ctx.index.backup?.seq ?? -1)) await ctx.index.setBackup({ seq: record.seq, id: pointer.ptr.toString() })
  return { backup, merged }
}

/** Whether a merge changed the index. */
export function changedBy (merged: MergeResult): boolean {
  return merged.added + merged.updated + merged.removed > 0
}

export async function restoreIndex (ctx: MeshContext, options: MeshOptions = {}): Promise<RestoreResult> {
  return await oneAtATime(ctx, async () => await restoreNow(ctx, options))
}

async function restoreNow (ctx: MeshContext, options: MeshOptions): Promise<RestoreResult> {
  const { signal } = options
  await ctx.index.load()
  const { record, answered } = await lookupIndexPointer(ctx, signal)
  if (record === undefined) {
    if (answered === 0) throw new InsufficientPeersError('No DHT server answered: the file list cannot be looked up until this device reaches a relay or storage peer', { reason: 'dht-get' })
    throw new NotFoundError('No current backup of the file list was found for these keys (the files are not deleted: a device that lists them publishes the list again when it is unlocked)', { reason: 'no-record' })
  }
  const { merged } = await adoptRecord(ctx, record, signal)
  ctx.events.dispatch('index:changed', { op: 'restore', entries: ctx.index.size })
  return { seq: record.seq, ...merged, total: ctx.index.size }
}
