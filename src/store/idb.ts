/**
 * IndexedDB shard store (browsers), on idb.
 *
 * Schema (database `datamesh-shards` by default, version 2):
 *   object store `shards`  key: shard id (out of line)  value: Uint8Array
 *   object store `meta`    keyPath `id`  value: ShardRecord {id, size, storedAt, owner?, leaseUntil, renewer?}
 *                          index `by-owner` on `owner` (records without one are not indexed)
 *   object store `outboards` key: shard id (out of line)  value: Uint8Array, the shard's
 *                          outboard (../core/blake3-tree.ts); none for a shard of one group
 *   object store `lost`    keyPath `id`  value: LostShard {id, lostAt} (at most MAX_LOST_SHARDS, ./lost.ts)
 * Bytes, outboards and records live in separate stores so opening (which
 * reads every record to rebuild usage) loads neither shard bytes nor
 * outboards (0.2% of what is stored).
 *
 * Versions: 1 had no leases, outboards or losses. The upgrade to 2 adds the
 * `outboards` and `lost` stores; a record without `leaseUntil` (written by
 * version 1) gets `legacyLeaseUntil` (./lease.ts) when the store opens,
 * written back then, and a shard without an outboard gets one the first
 * time it is needed (./ranges.ts).
 *
 * IndexedDB reads a value whole: a range read or an audit loads the whole
 * shard (then checks only the groups asked for against the outboard).
 *
 * Invariants:
 * - A shard and its record are written and deleted in one transaction, so a
 *   batch is all or nothing; orphans (either half alone, e.g. after someone
 *   edited the database) are removed on open.
 * - Values are plain Uint8Array over their own ArrayBuffer (a view into a
 *   larger buffer is copied first, or the whole buffer would be cloned).
 *   Never Blob: Chromium fails Blob writes after ~1 GiB of traffic.
 * - Transactions use the default durability (never 'strict').
 * - The browser's own quota error surfaces as QuotaExceededError.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { CorruptShardError, QuotaExceededError } from '../core/errors.ts'
import { legacyLeaseUntil } from './lease.ts'
import type { ByteRange, LostShard, MediumState, ShardMedium, ShardParts, ShardRecord, ShardStore, StoreOptions } from './types.ts'
import { openVerifiedStore } from './verified-store.ts'

export const IDB_DEFAULT_NAME = 'datamesh-shards'
export const IDB_VERSION = 2
export const SHARDS_STORE = 'shards'
export const META_STORE = 'meta'
export const LOST_STORE = 'lost'
export const OUTBOARDS_STORE = 'outboards'

export interface ShardDBSchema extends DBSchema {
  shards: { key: string, value: Uint8Array }
  meta: { key: string, value: ShardRecord, indexes: { 'by-owner': string } }
  outboards: { key: string, value: Uint8Array }
  lost: { key: string, value: LostShard }
}

export interface IdbStoreOptions extends StoreOptions {
  /** database name (default `datamesh-shards`) */
  name?: string
}

/** Open (or create) the IndexedDB store; reads every record to rebuild usage. */
export async function openIdbStore (options: IdbStoreOptions): Promise<ShardStore> {
  const db = await openShardDB(options.name ?? IDB_DEFAULT_NAME)
  try {
    return await openVerifiedStore(new IdbMedium(db), options)
  } catch (err) {
    db.close()
    throw err
  }
}

/** Open the shard database, creating or migrating its schema. */
export async function openShardDB (name: string): Promise<IDBPDatabase<ShardDBSchema>> {
  return await openDB<ShardDBSchema>(name, IDB_VERSION, {
    upgrade (db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore(SHARDS_STORE)
        db.createObjectStore(META_STORE, { keyPath: 'id' }).createIndex('by-owner', 'owner')
      }
      if (oldVersion < 2) {
        // leases: records of version 1 get theirs on open (IdbMedium.load); outboards on first use
        db.createObjectStore(OUTBOARDS_STORE)
        db.createObjectStore(LOST_STORE, { keyPath: 'id' })
      }
    }
  })
}

class IdbMedium implements ShardMedium {
  readonly #db: IDBPDatabase<ShardDBSchema>

  constructor (db: IDBPDatabase<ShardDBSchema>) {
    this.#db = db
  }

  async load (now: number): Promise<MediumState> {
    const tx = this.#db.transaction([SHARDS_STORE, META_STORE, OUTBOARDS_STORE, LOST_STORE], 'readwrite')
    const shards = tx.objectStore(SHARDS_STORE)
    const meta = tx.objectStore(META_STORE)
    const outboards = tx.objectStore(OUTBOARDS_STORE)
    const [records, keys, outboardKeys, lost] = await Promise.all([meta.getAll(), shards.getAllKeys(), outboards.getAllKeys(), tx.objectStore(LOST_STORE).getAll()])
    const withBytes = new Set(keys)
    const kept: ShardRecord[] = []
    const ops: Array<Promise<unknown>> = []
    for (const r of records) {
      if (!withBytes.delete(r.id) || !isRecord(r)) {
        ops.push(meta.delete(r.id))
        continue
      }
      if (r.leaseUntil === undefined) {
        r.leaseUntil = legacyLeaseUntil(r.storedAt, now)
        ops.push(meta.put(r))
      }
      kept.push(r)
    }
    for (const orphan of withBytes) ops.push(shards.delete(orphan))
    const held = new Set(kept.map(r => r.id))
    for (const key of outboardKeys) if (!held.has(key)) ops.push(outboards.delete(key))
    ops.push(tx.done)
    await Promise.all(ops)
    return { records: kept, lost: lost.filter(isLost) }
  }

  async read (id: string): Promise<Uint8Array | undefined> {
    const value: unknown = await this.#db.get(SHARDS_STORE, id)
    return value === undefined ? undefined : asBytes(id, value)
  }

  async readParts (id: string, ranges: readonly ByteRange[], options: { outboard: boolean }): Promise<ShardParts | undefined> {
    const tx = this.#db.transaction([SHARDS_STORE, OUTBOARDS_STORE])
    const [value, outboard] = await Promise.all([
      tx.objectStore(SHARDS_STORE).get(id),
      options.outboard ? tx.objectStore(OUTBOARDS_STORE).get(id) : undefined,
      tx.done
    ])
    if (value === undefined) return undefined
    const bytes = asBytes(id, value)
    const parts: ShardParts = { size: bytes.byteLength, parts: ranges.map(r => bytes.subarray(r.offset, r.offset + r.length)) }
    if (outboard instanceof Uint8Array) parts.outboard = outboard
    return parts
  }

  async write (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array, outboard: Uint8Array }>): Promise<void> {
    const tx = this.#db.transaction([SHARDS_STORE, META_STORE, OUTBOARDS_STORE], 'readwrite')
    const shards = tx.objectStore(SHARDS_STORE)
    const meta = tx.objectStore(META_STORE)
    const outboards = tx.objectStore(OUTBOARDS_STORE)
    const ops: Array<Promise<unknown>> = []
    for (const { record, bytes, outboard } of batch) {
      ops.push(shards.put(ownBuffer(bytes), record.id), meta.put(record))
      if (outboard.byteLength > 0) ops.push(outboards.put(ownBuffer(outboard), record.id))
    }
    ops.push(tx.done)
    try {
      await Promise.all(ops)
    } catch (err) {
      if (err instanceof DOMException && err.name === 'QuotaExceededError') {
        throw new QuotaExceededError('The browser refused the write: its storage quota is exhausted', { cause: err.message })
      }
      throw err
    }
  }

  async keepOutboard (record: ShardRecord, outboard: Uint8Array): Promise<void> {
    if (outboard.byteLength > 0) await this.#db.put(OUTBOARDS_STORE, ownBuffer(outboard), record.id)
  }

  async remove (ids: readonly string[]): Promise<void> {
    const tx = this.#db.transaction([SHARDS_STORE, META_STORE, OUTBOARDS_STORE], 'readwrite')
    const ops: Array<Promise<unknown>> = []
    for (const id of ids) {
      ops.push(tx.objectStore(SHARDS_STORE).delete(id), tx.objectStore(META_STORE).delete(id), tx.objectStore(OUTBOARDS_STORE).delete(id))
    }
    ops.push(tx.done)
    await Promise.all(ops)
  }

  async setLeases (leases: ReadonlyArray<{ id: string, leaseUntil: number }>): Promise<void> {
    const tx = this.#db.transaction(META_STORE, 'readwrite')
    const meta = tx.store
    const ops: Array<Promise<unknown>> = leases.map(async ({ id, leaseUntil }) => {
      const record = await meta.get(id)
      if (record !== undefined) await meta.put({ ...record, leaseUntil })
    })
    ops.push(tx.done)
    await Promise.all(ops)
  }

  async setLost (lost: readonly LostShard[]): Promise<void> {
    const tx = this.#db.transaction(LOST_STORE, 'readwrite')
    const ops: Array<Promise<unknown>> = [tx.store.clear(), ...lost.map(async l => await tx.store.put({ id: l.id, lostAt: l.lostAt })), tx.done]
    await Promise.all(ops)
  }

  async close (): Promise<void> {
    this.#db.close()
  }
}

/** A stored value as bytes; CorruptShardError when it is not bytes at all. */
function asBytes (id: string, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  throw new CorruptShardError('Stored shard is not bytes', { id })
}

/** The bytes as a Uint8Array that owns its whole (non-shared) ArrayBuffer. */
function ownBuffer (bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
  return whole ? bytes : bytes.slice()
}

/** A record as version 1 (no lease) or 2 wrote it. */
function isRecord (r: unknown): r is Omit<ShardRecord, 'leaseUntil'> & { leaseUntil?: number } {
  if (typeof r !== 'object' || r === null) return false
  const { id, size, storedAt, owner, leaseUntil, renewer } = r as Record<string, unknown>
  return typeof id === 'string' && typeof size === 'number' && typeof storedAt === 'number' &&
    (owner === undefined || typeof owner === 'string') && (renewer === undefined || typeof renewer === 'string') &&
    (leaseUntil === undefined || (typeof leaseUntil === 'number' && Number.isFinite(leaseUntil)))
}

function isLost (l: unknown): l is LostShard {
  if (typeof l !== 'object' || l === null) return false
  const { id, lostAt } = l as Record<string, unknown>
  return typeof id === 'string' && typeof lostAt === 'number' && Number.isFinite(lostAt)
}
