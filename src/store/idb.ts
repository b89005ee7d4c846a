/**
 * IndexedDB shard store (browsers), on idb.
 *
 * Schema (database `datamesh-shards` by default, version 1):
 *   object store `shards`  key: shard id (out of line)  value: Uint8Array
 *   object store `meta`    keyPath `id`  value: ShardRecord {id, size, storedAt, owner?}
 *                          index `by-owner` on `owner` (records without one are not indexed)
 * Bytes and records live in separate stores so opening (which reads every
 * record to rebuild usage) never loads shard bytes.
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
import type { ShardMedium, ShardRecord, ShardStore, StoreOptions } from './types.ts'
import { openVerifiedStore } from './verified-store.ts'

export const IDB_DEFAULT_NAME = 'datamesh-shards'
export const IDB_VERSION = 1
export const SHARDS_STORE = 'shards'
export const META_STORE = 'meta'

export interface ShardDBSchema extends DBSchema {
  shards: { key: string, value: Uint8Array }
  meta: { key: string, value: ShardRecord, indexes: { 'by-owner': string } }
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
    }
  })
}

class IdbMedium implements ShardMedium {
  readonly #db: IDBPDatabase<ShardDBSchema>

  constructor (db: IDBPDatabase<ShardDBSchema>) {
    this.#db = db
  }

  async load (): Promise<ShardRecord[]> {
    const tx = this.#db.transaction([SHARDS_STORE, META_STORE], 'readwrite')
    const shards = tx.objectStore(SHARDS_STORE)
    const meta = tx.objectStore(META_STORE)
    const [records, keys] = await Promise.all([meta.getAll(), shards.getAllKeys()])
    const withBytes = new Set(keys)
    const kept: ShardRecord[] = []
    const ops: Array<Promise<unknown>> = []
    for (const r of records) {
      if (withBytes.delete(r.id) && isRecord(r)) kept.push(r)
      else ops.push(meta.delete(r.id))
    }
    for (const orphan of withBytes) ops.push(shards.delete(orphan))
    ops.push(tx.done)
    await Promise.all(ops)
    return kept
  }

  async read (id: string): Promise<Uint8Array | undefined> {
    const value: unknown = await this.#db.get(SHARDS_STORE, id)
    if (value === undefined) return undefined
    if (value instanceof Uint8Array) return value
    if (value instanceof ArrayBuffer) return new Uint8Array(value)
    throw new CorruptShardError('Stored shard is not bytes', { id })
  }

  async write (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array }>): Promise<void> {
    const tx = this.#db.transaction([SHARDS_STORE, META_STORE], 'readwrite')
    const shards = tx.objectStore(SHARDS_STORE)
    const meta = tx.objectStore(META_STORE)
    const ops: Array<Promise<unknown>> = []
    for (const { record, bytes } of batch) {
      ops.push(shards.put(ownBuffer(bytes), record.id), meta.put(record))
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

  async remove (ids: readonly string[]): Promise<void> {
    const tx = this.#db.transaction([SHARDS_STORE, META_STORE], 'readwrite')
    const ops: Array<Promise<unknown>> = []
    for (const id of ids) {
      ops.push(tx.objectStore(SHARDS_STORE).delete(id), tx.objectStore(META_STORE).delete(id))
    }
    ops.push(tx.done)
    await Promise.all(ops)
  }

  async close (): Promise<void> {
    this.#db.close()
  }
}

/** The bytes as a Uint8Array that owns its whole (non-shared) ArrayBuffer. */
function ownBuffer (bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
  return whole ? bytes : bytes.slice()
}

function isRecord (r: unknown): r is ShardRecord {
  if (typeof r !== 'object' || r === null) return false
  const { id, size, storedAt, owner } = r as Record<string, unknown>
  return typeof id === 'string' && typeof size === 'number' && typeof storedAt === 'number' &&
    (owner === undefined || typeof owner === 'string')
}
