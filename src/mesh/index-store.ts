/**
 * The owner's index: the files they stored, by name, with each file key
 * wrapped (ECIES) to the owner, and the files they deleted (tombstones).
 * Kept through a small `IndexStorage` (memory here; IndexedDB in the
 * browser), and backed up to the mesh (./backup.ts).
 *
 * Stored form (dag-cbor; entries and tombstones: ./index-entries.ts):
 *   version 2: { v: 2, backup?: { seq, id }, deleted: [tombstone, ...], entries: [entry, ...] }
 *   version 1: { v: 1, backup?: { seq, id }, entries: [entry, ...] }   (no tombstones, no entry with `updated`)
 * Version 1 is still read, and still written while the index holds nothing
 * only version 2 can say, byte for byte as earlier builds wrote it (so an
 * earlier build still reads it). `backup` is the last index backup this
 * device published or merged (sequence number and backup shard id). Names
 * are unique within an index. File keys are sealed; names, sizes and tags
 * are not: the storage is the owner's own. A remove leaves a tombstone, and
 * merges (./index-merge.ts) never bring a tombstoned file back; tombstones
 * past their lifetime are collected, and at most INDEX_MAX_TOMBSTONES kept
 * (./index-tombstones.ts).
 *
 * Every change is saved, and the change resolves once a save holding it
 * has been written; changes made while a save is being written share the
 * next one (at most one write runs and one waits), so a burst of puts costs
 * a couple of writes and the last state is always the one that stays.
 * A save that fails takes back exactly the changes it carried: they are
 * undone in memory and their callers get the error, so nothing a caller
 * saw fail is written by a later save (a put whose index save fails deletes
 * its shards, and its entry must not come back listed). Changes made while
 * the failed save was written are kept, unless they built on an undone one
 * (./index-journal.ts keeps the unwritten changes with their undo steps).
 * Each entry's encoding is kept next to it once made, so a save joins bytes
 * instead of re-encoding every entry; the listing, newest first, is kept
 * sorted until the next change.
 */
import { Coalescer } from '../core/coalesce.ts'
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { AlreadyExistsError, MalformedDataError } from '../core/errors.ts'
import type { AbortOptions } from '../store/types.ts'
import { ChangeJournal } from './index-journal.ts'
import { decodeEntry, decodeTombstones, editedAt, encodeEntry, encodeTombstone, encodeWithEntries, tombstoneExpired, INDEX_MAX_TOMBSTONES } from './index-entries.ts'
import { mergeInto, type MergeResult } from './index-merge.ts'
import { Tombstones } from './index-tombstones.ts'
import type { IndexEntry, Tombstone } from './types.ts'

export { decodeEntry, encodeEntry, encodeWithEntries } from './index-entries.ts'
export type { MergeResult } from './index-merge.ts'

export const INDEX_VERSION = 2
/** 64 MiB of index holds hundreds of thousands of entries. */
export const INDEX_MAX_BYTES = 64 * 1024 * 1024
const MAX_ENTRIES = 1_000_000

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

/** What a backup carries: the index as last written (entries encoded), its current tombstones, and whether any entry was edited. */
export interface IndexSnapshot {
  entries: Uint8Array[]
  deleted: Tombstone[]
  /** some entry carries `updated` (only version 2 can say so) */
  edited: boolean
}

/** One entry as the index keeps it: its listing, and its encoding once a save needed it. */
interface Held {
  entry: IndexEntry
  listed: ListedEntry
  encoded?: Uint8Array
}

/** An entry without its wrapped key: what a listing shows. */
export type ListedEntry = Omit<IndexEntry, 'wrappedKey' | 'updated'>

function hold (entry: IndexEntry): Held {
  const { wrappedKey, updated, ...listed } = entry
  return { entry, listed }
}

function encoded (h: Held): Uint8Array {
  h.encoded ??= encodeCbor(encodeEntry(h.entry))
  return h.encoded
}

/** newest first, then by name */
function newestFirst (a: ListedEntry, b: ListedEntry): number {
  return b.created - a.created || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
}

/** One step back: an entry as it was before (undefined: absent), a tombstone as it was, or the backup state as it was. */
type Undo = { key: string, held: Held | undefined } | { tomb: string, deletedAt: number | undefined } | { backup: BackupState | undefined }

export interface FileIndexOptions {
  /** called after a failed save was undone (the listing changed back) */
  onRollBack?: () => void
  /** the clock that dates edits and tombstones (ms since the epoch) */
  now?: () => number
}

/** The index in memory; every change is saved (see the module header). */
export class FileIndex {
  readonly #storage: IndexStorage
  readonly #onRollBack: (() => void) | undefined
  readonly #now: () => number
  readonly #byKey = new Map<string, Held>()
  readonly #byName = new Map<string, string>()
  readonly #tombstones = new Tombstones({ now: () => this.#now() })
  #backup?: BackupState
  #loading?: Promise<void>
  /** the save being written, and the one waiting to start (it will hold every change made before it starts) */
  readonly #saving = new Coalescer(async () => { await this.#write() })
  /** changes made and not yet written, with how to take each back */
  readonly #journal = new ChangeJournal<Undo>(step => { this.#revert(step) })
  /** the entries and tombstones as last written or loaded */
  #saved: { held: Held[], deleted: Tombstone[] } = { held: [], deleted: [] }
  #sorted?: ListedEntry[]
  #saves = 0

  constructor (storage: IndexStorage, options: FileIndexOptions = {}) {
    this.#storage = storage
    this.#onRollBack = options.onRollBack
    this.#now = options.now ?? Date.now
  }

  /** Read the stored index once; later calls wait for the same read. */
  async load (options?: AbortOptions): Promise<void> {
    this.#loading ??= (async () => {
      const bytes = await this.#storage.load(options)
      if (bytes === undefined) return
      // RecordReader has no optional-map accessor: `backup` is read on its own
      const { backup, ...fields } = decodeCborMap(bytes, INDEX_MAX_BYTES, 'index')
      const r = new RecordReader(fields, 'index')
      const version = r.version(fields.v === 1 ? 1 : INDEX_VERSION)
      const deleted = version === 1 ? [] : decodeTombstones(r.array('deleted', INDEX_MAX_TOMBSTONES), 'index')
      const entries = (r.array('entries', MAX_ENTRIES) as unknown[]).map(e => hold(decodeEntry(e, 'index entry', version > 1)))
      r.done()
      if (backup !== undefined) {
        if (backup === null || typeof backup !== 'object' || Array.isArray(backup)) throw new MalformedDataError('index: "backup" must be a map')
        const b = new RecordReader(backup as Record<string, unknown>, 'index backup state')
        this.#backup = { seq: b.int('seq', 0, Number.MAX_SAFE_INTEGER), id: b.string('id', 128) }
        b.done()
      }
      for (const h of entries) this.#apply(h.entry.key, h)
      const now = this.#now()
      for (const t of deleted) if (!tombstoneExpired(t.deletedAt, now)) this.#tombstones.set(t.key, t.deletedAt)
      this.#saved = { held: entries, deleted: this.tombstones() }
    })()
    try {
      await this.#loading
    } catch (err) {
      this.#loading = undefined
      throw err
    }
  }

  entries (): IndexEntry[] {
    return Array.from(this.#byKey.values(), h => h.entry)
  }

  /** Every entry's encoding, in the order of entries() (each encoded once, when first needed). */
  encodedEntries (): Uint8Array[] {
    return Array.from(this.#byKey.values(), encoded)
  }

  /** The encoding of every entry as last written (or loaded): none of the changes still being saved. */
  savedEntries (): Uint8Array[] {
    return this.#saved.held.map(encoded)
  }

  /** What a backup carries: entries and tombstones as last written (none of the changes still being saved), tombstones still current. */
  snapshot (): IndexSnapshot {
    const now = this.#now()
    return {
      entries: this.savedEntries(),
      deleted: this.#saved.deleted.filter(t => !tombstoneExpired(t.deletedAt, now)),
      edited: this.#saved.held.some(h => h.entry.updated !== undefined)
    }
  }

  /** The current tombstones, oldest first. */
  tombstones (): Tombstone[] {
    return this.#tombstones.list()
  }

  /** When `key` was deleted, if its tombstone is kept. */
  deletedAt (key: string): number | undefined {
    return this.#tombstones.deletedAt(key)
  }

  /** The entries without their wrapped keys, newest first (kept sorted until the next change; do not modify). */
  listing (): readonly ListedEntry[] {
    this.#sorted ??= Array.from(this.#byKey.values(), h => h.listed).sort(newestFirst)
    return this.#sorted
  }

  get size (): number {
    return this.#byKey.size
  }

  /** Saves written so far (tests, diagnostics). */
  get saves (): number {
    return this.#saves
  }

  get (key: string): IndexEntry | undefined {
    return this.#byKey.get(key)?.entry
  }

  byName (name: string): IndexEntry | undefined {
    const key = this.#byName.get(name)
    return key === undefined ? undefined : this.#byKey.get(key)?.entry
  }

  /** AlreadyExistsError when the name or key is taken. */
  checkFree (name: string, key?: string): void {
    if (this.#byName.has(name)) throw new AlreadyExistsError('A file with this name is already in the index', { name })
    if (key !== undefined && this.#byKey.has(key)) throw new AlreadyExistsError('This file is already in the index', { key })
  }

  async add (entry: IndexEntry): Promise<void> {
    await this.#change(() => {
      this.checkFree(entry.name, entry.key)
      this.#set(entry.key, hold(entry))
    })
  }

  /** Remove a file the owner deleted, leaving its tombstone (also for a file not listed here); whether an entry was removed. */
  async remove (key: string): Promise<boolean> {
    return await this.#change(() => {
      const listed = this.#byKey.has(key)
      if (listed) this.#set(key, undefined)
      if (this.deletedAt(key) === undefined) this.#setTomb(key, this.#now())
      this.#collect()
      return listed
    })
  }

  /**
   * Change an entry's name or tags (AlreadyExistsError when the new name is
   * taken); the updated entry, or undefined for an unknown key. The change is
   * dated (`updated`) later than any the entry carries, so it wins merges
   * against every version this device has seen.
   */
  async update (key: string, change: { name?: string, tags?: string[] }): Promise<IndexEntry | undefined> {
    const { name } = change
    const tags = change.tags !== undefined ? [...new Set(change.tags)] : undefined
    return await this.#change(() => {
      const entry = this.#byKey.get(key)?.entry
      if (entry === undefined) return undefined
      if (name !== undefined && name !== entry.name) this.checkFree(name)
      const next: IndexEntry = {
        ...entry,
        ...(name !== undefined ? { name } : {}),
        ...(tags !== undefined ? { tags: [...tags] } : {}),
        updated: Math.max(this.#now(), editedAt(entry) + 1)
      }
      this.#set(key, hold(next))
      return next
    })
  }

  /** Merge another device's list (a backup) as one change: see ./index-merge.ts. */
  async merge (backup: { entries: readonly IndexEntry[], deleted?: readonly Tombstone[] }): Promise<MergeResult> {
    return await this.#change(() => {
      const result = mergeInto({
        get: key => this.get(key),
        keyOfName: name => this.#byName.get(name),
        set: entry => { this.#set(entry.key, hold(entry)) },
        remove: key => { this.#set(key, undefined) },
        deletedAt: key => this.deletedAt(key),
        tombstone: t => { this.#setTomb(t.key, t.deletedAt) }
      }, { entries: backup.entries, deleted: backup.deleted ?? [] }, this.#now())
      this.#collect()
      return result
    })
  }

  get backup (): BackupState | undefined {
    return this.#backup
  }

  async setBackup (state: BackupState): Promise<void> {
    await this.#change(() => {
      this.#journal.record({ backup: this.#backup })
      this.#backup = state
    })
  }

  /**
   * Write the current state. Resolves once a save begun after this call has
   * been written; calls made while one is being written share the next.
   * When the write fails, the changes it carried are undone (./index-journal.ts).
   */
  async save (): Promise<void> {
    await this.#saving.run()
  }

  /** One save (src/core/coalesce.ts runs one at a time): it carries every change made before it started. */
  async #write (): Promise<void> {
    const carried = this.#journal.size
    const held = [...this.#byKey.values()]
    const deleted = this.tombstones()
    try {
      await this.#storage.save(this.#encode(held, deleted))
      this.#saves++
      this.#journal.written(carried)
      this.#saved = { held, deleted }
    } catch (err) {
      this.#journal.rollBack(carried)
      try { this.#onRollBack?.() } catch { /* a listener must not change the outcome */ }
      throw err
    }
  }

  /** The stored form of the current state. */
  encode (): Uint8Array {
    return this.#encode([...this.#byKey.values()], this.tombstones())
  }

  /** Version 1 while nothing needs version 2 (see the module header). */
  #encode (held: readonly Held[], deleted: readonly Tombstone[]): Uint8Array {
    const version = deleted.length > 0 || held.some(h => h.entry.updated !== undefined) ? 2 : 1
    const fields = {
      v: version,
      ...(this.#backup !== undefined ? { backup: { seq: this.#backup.seq, id: this.#backup.id } } : {}),
      ...(version > 1 ? { deleted: deleted.map(encodeTombstone) } : {})
    }
    return encodeWithEntries(fields, held.map(encoded))
  }

  /**
   * Make a change now (throwing, having changed nothing, when it does not
   * apply) and resolve once a save holding it is written; a change that
   * alters nothing needs no save. A failed save may make it again or drop it.
   */
  async #change<T> (make: () => T): Promise<T> {
    const change = this.#journal.make(make)
    if (!change.pending) return change.outcome()
    await this.save()
    return change.outcome()
  }

  /** Take back one step of a change. */
  #revert (step: Undo): void {
    if ('key' in step) this.#apply(step.key, step.held)
    else if ('tomb' in step) this.#tombstones.set(step.tomb, step.deletedAt)
    else this.#backup = step.backup
  }

  /** Set an entry (undefined: remove it), recording how to undo it when a change is being made. */
  #set (key: string, held: Held | undefined): void {
    this.#journal.record({ key, held: this.#byKey.get(key) })
    this.#apply(key, held)
  }

  #apply (key: string, held: Held | undefined): void {
    const old = this.#byKey.get(key)
    if (old !== undefined && this.#byName.get(old.entry.name) === key) this.#byName.delete(old.entry.name)
    if (held === undefined) {
      this.#byKey.delete(key)
    } else {
      this.#byKey.set(key, held)
      this.#byName.set(held.entry.name, key)
    }
    this.#sorted = undefined
  }

  /** Set a tombstone (undefined: drop it), recording how to undo it. */
  #setTomb (key: string, deletedAt: number | undefined): void {
    this.#journal.record({ tomb: key, deletedAt: this.#tombstones.set(key, deletedAt) })
  }

  /** Drop tombstones past their lifetime, then the oldest beyond INDEX_MAX_TOMBSTONES (part of the change being made). */
  #collect (): void {
    for (const key of this.#tombstones.collectable()) this.#setTomb(key, undefined)
  }
}
