/**
 * The owner's index: the files they stored, by name, with each file key
 * wrapped (ECIES) to the owner. Kept through a small `IndexStorage` (memory
 * here; IndexedDB in the browser), and backed up to the mesh (./backup.ts).
 *
 * Stored form, version 1 (dag-cbor):
 *   { v: 1, entries: [entry, ...], backup?: { seq, id } }
 *   entry = { key, name, type, size, tags: [..], created, wrappedKey: <ECIES envelope>, holders: [peer id, ..] }
 * `backup` is the last index backup this device published (sequence number
 * and backup shard id). Names are unique within an index. File keys are
 * sealed; names, sizes and tags are not: the storage is the owner's own.
 */
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { AlreadyExistsError, MalformedDataError } from '../core/errors.ts'
import { MANIFEST_LIMITS, parseFileKey } from '../core/manifest.ts'
import type { AbortOptions } from '../store/types.ts'
import type { IndexEntry } from './types.ts'

export const INDEX_VERSION = 1
/** 64 MiB of index holds hundreds of thousands of entries. */
export const INDEX_MAX_BYTES = 64 * 1024 * 1024
const MAX_ENTRIES = 1_000_000
const MAX_HOLDERS = 64
const MAX_ENVELOPE_BYTES = 1024

/** Where an index's bytes live between sessions. */
export interface IndexStorage {
  /** the saved bytes, or undefined when nothing was saved yet */
  load: (options?: AbortOptions) => Promise<Uint8Array | undefined>
  save: (bytes: Uint8Array, options?: AbortOptions) => Promise<void>
}

export class MemoryIndexStorage implements IndexStorage {
  #bytes?: Uint8Array

  async load (): Promise<Uint8Array | undefined> {
    return this.#bytes?.slice()
  }

  async save (bytes: Uint8Array): Promise<void> {
    this.#bytes = bytes.slice()
  }
}

export interface BackupState {
  seq: number
  id: string
}

export function encodeEntry (e: IndexEntry): Record<string, unknown> {
  return { key: e.key, name: e.name, type: e.type, size: e.size, tags: e.tags, created: e.created, wrappedKey: e.wrappedKey, holders: e.manifestHolders }
}

export function decodeEntry (raw: unknown, what = 'index entry'): IndexEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new MalformedDataError(`${what} must be a map`)
  const L = MANIFEST_LIMITS
  const r = new RecordReader(raw as Record<string, unknown>, what)
  const key = r.string('key', 128)
  try { parseFileKey(key) } catch { throw r.fail('"key" is not a file key') }
  const strings = (field: string, max: number, bytes: number): string[] => (r.array(field, max) as unknown[]).map(s => {
    if (typeof s !== 'string' || s.length === 0 || s.length > bytes) throw r.fail(`"${field}" must hold short strings`)
    return s
  })
  const entry: IndexEntry = {
    key,
    name: r.string('name', L.nameBytes),
    type: r.string('type', L.typeBytes),
    size: r.int('size', 0, Number.MAX_SAFE_INTEGER),
    tags: strings('tags', L.tags, L.tagBytes),
    created: r.int('created', 0, Number.MAX_SAFE_INTEGER),
    wrappedKey: r.bytes('wrappedKey', { min: 1, max: MAX_ENVELOPE_BYTES }),
    manifestHolders: strings('holders', MAX_HOLDERS, L.hintBytes)
  }
  r.done()
  return entry
}

/** The index in memory, saved after every change. */
export class FileIndex {
  readonly #storage: IndexStorage
  readonly #byKey = new Map<string, IndexEntry>()
  readonly #byName = new Map<string, string>()
  #backup?: BackupState
  #loading?: Promise<void>
  #saving: Promise<void> = Promise.resolve()

  constructor (storage: IndexStorage) {
    this.#storage = storage
  }

  /** Read the stored index once; later calls wait for the same read. */
  async load (options?: AbortOptions): Promise<void> {
    this.#loading ??= (async () => {
      const bytes = await this.#storage.load(options)
      if (bytes === undefined) return
      // RecordReader has no optional-map accessor: `backup` is read on its own
      const { backup, ...fields } = decodeCborMap(bytes, INDEX_MAX_BYTES, 'index')
      const r = new RecordReader(fields, 'index')
      r.version(INDEX_VERSION)
      const entries = (r.array('entries', MAX_ENTRIES) as unknown[]).map(e => decodeEntry(e))
      r.done()
      if (backup !== undefined) {
        if (backup === null || typeof backup !== 'object' || Array.isArray(backup)) throw new MalformedDataError('index: "backup" must be a map')
        const b = new RecordReader(backup as Record<string, unknown>, 'index backup state')
        this.#backup = { seq: b.int('seq', 0, Number.MAX_SAFE_INTEGER), id: b.string('id', 128) }
        b.done()
      }
      for (const e of entries) this.#put(e)
    })()
    try {
      await this.#loading
    } catch (err) {
      this.#loading = undefined
      throw err
    }
  }

  entries (): IndexEntry[] {
    return [...this.#byKey.values()]
  }

  get size (): number {
    return this.#byKey.size
  }

  get (key: string): IndexEntry | undefined {
    return this.#byKey.get(key)
  }

  byName (name: string): IndexEntry | undefined {
    const key = this.#byName.get(name)
    return key === undefined ? undefined : this.#byKey.get(key)
  }

  /** AlreadyExistsError when the name or key is taken. */
  checkFree (name: string, key?: string): void {
    if (this.#byName.has(name)) throw new AlreadyExistsError('A file with this name is already in the index', { name })
    if (key !== undefined && this.#byKey.has(key)) throw new AlreadyExistsError('This file is already in the index', { key })
  }

  async add (entry: IndexEntry): Promise<void> {
    this.checkFree(entry.name, entry.key)
    this.#put(entry)
    await this.save()
  }

  async remove (key: string): Promise<boolean> {
    const entry = this.#byKey.get(key)
    if (entry === undefined) return false
    this.#byKey.delete(key)
    this.#byName.delete(entry.name)
    await this.save()
    return true
  }

  /** Change an entry's name or tags (AlreadyExistsError when the new name is taken); the updated entry, or undefined for an unknown key. */
  async update (key: string, change: { name?: string, tags?: string[] }): Promise<IndexEntry | undefined> {
    const entry = this.#byKey.get(key)
    if (entry === undefined) return undefined
    if (change.name !== undefined && change.name !== entry.name) this.checkFree(change.name)
    const next: IndexEntry = { ...entry, ...(change.name !== undefined ? { name: change.name } : {}), ...(change.tags !== undefined ? { tags: [...new Set(change.tags)] } : {}) }
    this.#byName.delete(entry.name)
    this.#put(next)
    await this.save()
    return next
  }

  /** Add the entries whose key and name are both new; returns how many were added. */
  async merge (entries: readonly IndexEntry[]): Promise<number> {
    let added = 0
    for (const e of entries) {
      if (this.#byKey.has(e.key) || this.#byName.has(e.name)) continue
      this.#put(e)
      added++
    }
    if (added > 0) await this.save()
    return added
  }

  get backup (): BackupState | undefined {
    return this.#backup
  }

  async setBackup (state: BackupState): Promise<void> {
    this.#backup = state
    await this.save()
  }

  /** Write the current state; saves run one after another, the last one wins. */
  async save (): Promise<void> {
    const bytes = encodeCbor({
      v: INDEX_VERSION,
      entries: this.entries().map(encodeEntry),
      ...(this.#backup !== undefined ? { backup: { seq: this.#backup.seq, id: this.#backup.id } } : {})
    })
    const next = this.#saving.catch(() => {}).then(async () => { await this.#storage.save(bytes) })
    this.#saving = next
    await next
  }

  #put (entry: IndexEntry): void {
    this.#byKey.set(entry.key, entry)
    this.#byName.set(entry.name, entry.key)
  }
}
