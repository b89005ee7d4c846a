/**
 * restoreIndex: find the owner's latest index backup from the keys alone
 * (the DHT record under the owner's Ed25519 key: the greatest valid,
 * unexpired one any DHT server answers with, signature checked), fetch it,
 * decrypt it and merge it into the local index. A merge never removes or
 * changes an entry this device knows: a restored entry whose file is
 * already listed is skipped, one whose name is taken by another file is
 * added under a free name ("name (2)"), so a stale or replayed record can
 * only add what it holds.
 *
 * Failures say what happened, never that files are gone:
 * - InsufficientPeersError: no DHT server answered (not connected yet);
 * - NotFoundError, details.reason 'no-record': servers answered, none holds
 *   a current record for these keys (never backed up, or no device has
 *   published it since the record expired or was lost);
 * - NotFoundError, details.reason 'backup-unreachable': the record names a
 *   backup no reachable peer holds.
 */
import { utf8Length } from '../../core/cbor.ts'
import { InsufficientPeersError, NotFoundError } from '../../core/errors.ts'
import { MANIFEST_LIMITS } from '../../core/manifest.ts'
import { checkIndexRecordFresh, compareIndexRecords, indexRecordKey, openIndexRecord, type IndexPointer } from '../../net/index-record.ts'
import { decodeBackup } from '../backup.ts'
import type { MeshContext } from '../context.ts'
import { fetchShard } from '../locate.ts'
import type { IndexEntry, MeshOptions, RestoreResult } from '../types.ts'
import { oneAtATime } from './serial.ts'

/** what kad-dht's get yields that matters here */
interface DhtGetEvent {
  name: string
  messageName?: string
  value?: Uint8Array
  record?: { value: Uint8Array }
}

export interface PointerLookup {
  /** the greatest valid, unexpired record found */
  pointer?: IndexPointer
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
  let best: { pointer: IndexPointer, value: Uint8Array } | undefined
  for (const value of values) {
    try {
      const pointer = openIndexRecord(key, value)
      checkIndexRecordFresh(pointer)
      if (best === undefined || compareIndexRecords({ pointer, value }, best) > 0) best = { pointer, value }
    } catch {}
  }
  return { ...(best !== undefined ? { pointer: best.pointer } : {}), answered }
}

/** The entries of the backup a pointer names; NotFoundError when no reachable peer holds it. */
export async function fetchBackupEntries (ctx: MeshContext, pointer: IndexPointer, signal?: AbortSignal): Promise<IndexEntry[]> {
  const blob = await fetchShard(ctx, pointer.ptr, { ...(signal !== undefined ? { signal } : {}), hints: pointer.holders, askConnected: true })
  if (blob === undefined) throw new NotFoundError('The file list backup is not reachable on any peer right now', { reason: 'backup-unreachable', id: pointer.ptr.toString() })
  return (await decodeBackup(blob, ctx.keys)).entries
}

/**
 * `name`, or "name (2)", "name (3)" ... (before the extension) whichever
 * `taken` says is free, shortened where needed to stay within `maxBytes`
 * of UTF-8.
 */
export function freeName (name: string, taken: (name: string) => boolean, maxBytes = MANIFEST_LIMITS.nameBytes): string {
  if (!taken(name)) return name
  const dot = name.lastIndexOf('.')
  const [stem, ext] = dot > 0 && name.length - dot <= 16 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  for (let i = 2; ; i++) {
    const suffix = ` (${i})${ext}`
    let chars = Array.from(stem)
    while (chars.length > 0 && utf8Length(chars.join('') + suffix) > maxBytes) chars = chars.slice(0, -1)
    const candidate = chars.join('') + suffix
    if (!taken(candidate)) return candidate
  }
}

/**
 * Merge backup entries into the index without removing or changing any it
 * holds; returns how many were added. Entries of files already listed are
 * skipped; a name taken by another file gets a free one.
 */
export async function mergeEntries (ctx: MeshContext, entries: readonly IndexEntry[]): Promise<number> {
  const names = new Set<string>()
  const keys = new Set<string>()
  const fresh: IndexEntry[] = []
  for (const e of entries) {
    if (ctx.index.get(e.key) !== undefined || keys.has(e.key)) continue
    keys.add(e.key)
    const name = freeName(e.name, n => names.has(n) || ctx.index.byName(n) !== undefined)
    names.add(name)
    fresh.push(name === e.name ? e : { ...e, name })
  }
  return fresh.length === 0 ? 0 : await ctx.index.merge(fresh)
}

/** Merge the backup `pointer` names and remember it as the latest known; the entries it holds. */
export async function adoptPointer (ctx: MeshContext, pointer: IndexPointer, signal?: AbortSignal): Promise<{ entries: IndexEntry[], added: number }> {
  const entries = await fetchBackupEntries(ctx, pointer, signal)
  const added = await mergeEntries(ctx, entries)
  if (pointer.seq > (ctx.index.backup?.seq ?? -1)) await ctx.index.setBackup({ seq: pointer.seq, id: pointer.ptr.toString() })
  return { entries, added }
}

export async function restoreIndex (ctx: MeshContext, options: MeshOptions = {}): Promise<RestoreResult> {
  return await oneAtATime(ctx, async () => await restoreNow(ctx, options))
}

async function restoreNow (ctx: MeshContext, options: MeshOptions): Promise<RestoreResult> {
  const { signal } = options
  await ctx.index.load()
  const { pointer, answered } = await lookupIndexPointer(ctx, signal)
  if (pointer === undefined) {
    if (answered === 0) throw new InsufficientPeersError('No DHT server answered: the file list cannot be looked up until this device reaches a relay or storage peer', { reason: 'dht-get' })
    throw new NotFoundError('No current backup of the file list was found for these keys (the files are not deleted: a device that lists them publishes the list again when it is unlocked)', { reason: 'no-record' })
  }
  const { added } = await adoptPointer(ctx, pointer, signal)
  ctx.events.dispatch('index:changed', { op: 'restore', entries: ctx.index.size })
  return { seq: pointer.seq, added, total: ctx.index.size }
}
