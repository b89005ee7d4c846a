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
 *
 * Every change is saved, and the change resolves once a save holding it
 * has been written; changes made while a save is being written share the
 * next one (at most one write runs and one waits), so a burst of puts costs
 * a couple of writes and the last state is always the one that stays.
 * A save that fails takes back exactly the changes it carried: they are
 * undone in memory and their callers get the error, so nothing a caller
 * saw fail is written by a later save (a put whose index save fails deletes
 * its shards, and its entry must not come back listed). Changes made while
 * the failed save was written are kept, unless they built on an undone one.
 * Each entry's encoding is kept next to it once made, so a save joins bytes
 * instead of re-encoding every entry; the listing, newest first, is kept
 * sorted until the next change.
 */
import { concatBytes } from '../core/bytes.ts'
import { Coalescer } from '../core/coalesce.ts'
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

/** CBOR head of an array of `n` items (RFC 8949 §3.1, major type 4, shortest form as dag-cbor requires). */
function arrayHead (n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x80 + n)
  if (n < 0x100) return Uint8Array.of(0x98, n)
  if (n < 0x10000) return Uint8Array.of(0x99, n >> 8, n & 0xff)
  return Uint8Array.of(0x9a, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
}

/** dag-cbor orders map keys by length, then bytewise. */
function sortsBeforeEntries (key: string): boolean {
  return key.length < 7 || (key.length === 7 && key < 'entries')
}

/**
 * The dag-cbor encoding of `{ ...fields, entries: [...] }` where each entry
 * is given already encoded: the same bytes as encoding the whole map, for
 * maps of fewer than 23 fields whose keys all sort before "entries".
 */
export function encodeWithEntries (fields: Record<string, unknown>, entries: readonly Uint8Array[]): Uint8Array {
  const keys = Object.keys(fields)
  if (keys.length >= 23 || !keys.every(sortsBeforeEntries)) throw new TypeError('encodeWithEntries: the other fields must be few and sort before "entries"')
  const head = encodeCbor(fields)
  head[0] = 0xa0 + keys.length + 1 // one more pair in the map's head
  return concatBytes([head, encodeCbor('entries'), arrayHead(entries.length), ...entries])
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

/** One entry as the index keeps it: its listing, and its encoding once a save needed it. */
interface Held {
  entry: IndexEntry
  listed: ListedEntry
  encoded?: Uint8Array
}

/** An entry without its wrapped key: what a listing shows. */
export type ListedEntry = Omit<IndexEntry, 'wrappedKey'>

function hold (entry: IndexEntry): Held {
  const { wrappedKey, ...listed } = entry
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

/** One step back: an entry as it was before (undefined: absent), or the backup state as it was. */
type Undo = { key: string, held: Held | undefined } | { backup: BackupState | undefined }

/**
 * A change not yet written. `make` checks that it applies to the current
 * state (throwing, having changed nothing, when it does not), makes it and
 * returns what the caller gets; `undo` is filled while it runs.
 */
interface Change {
  readonly make: () => unknown
  result: unknown
  undo: Undo[]
  /** why the change was dropped when a failed save was undone under it */
  dropped?: unknown
}

export interface FileIndexOptions {
  /** called after a failed save was undone (the listing changed back) */
  onRollBack?: () => void
}

/** The index in memory; every change is saved (see the module header). */
export class FileIndex {
  readonly #storage: IndexStorage
  readonly #onRollBack: (() => void) | undefined
  readonly #byKey = new Map<string, Held>()
  readonly #byName = new Map<string, string>()
  #backup?: BackupState
  #loading?: Promise<void>
  /** the save being written, and the one waiting to start (it will hold every change made before it starts) */
  readonly #saving = new Coalescer(async () => { await this.#write() })
  /** changes made and not yet written, oldest first */
  #unsaved: Change[] = []
  /** where the change being made records its undo steps */
  #recording?: Undo[]
  /** the entries as last written or loaded */
  #saved: Held[] = []
  #sorted?: ListedEntry[]
  #saves = 0

  constructor (storage: IndexStorage, options: FileIndexOptions = {}) {
    this.#storage = storage
    this.#onRollBack = options.onRollBack
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
      const entries = (r.array('entries', MAX_ENTRIES) as unknown[]).map(e => hold(decodeEntry(e)))
      r.done()
      if (backup !== undefined) {
        if (backup === null || typeof backup !== 'object' || Array.isArray(backup)) throw new MalformedDataError('index: "backup" must be a map')
        const b = new RecordReader(backup as Record<string, unknown>, 'index backup state')
        this.#backup = { seq: b.int('seq', 0, Number.MAX_SAFE_INTEGER), id: b.string('id', 128) }
        b.done()
      }
      for (const h of entries) this.#apply(h.entry.key, h)
      this.#saved = entries
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
    return this.#saved.map(encoded)
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

  async remove (key: string): Promise<boolean> {
    return await this.#change(() => {
      if (!this.#byKey.has(key)) return false
      this.#set(key, undefined)
      return true
    })
  }

  /** Change an entry's name or tags (AlreadyExistsError when the new name is taken); the updated entry, or undefined for an unknown key. */
  async update (key: string, change: { name?: string, tags?: string[] }): Promise<IndexEntry | undefined> {
    const { name } = change
    const tags = change.tags !== undefined ? [...new Set(change.tags)] : undefined
    return await this.#change(() => {
      const entry = this.#byKey.get(key)?.entry
      if (entry === undefined) return undefined
      if (name !== undefined && name !== entry.name) this.checkFree(name)
      const next: IndexEntry = { ...entry, ...(name !== undefined ? { name } : {}), ...(tags !== undefined ? { tags: [...tags] } : {}) }
      this.#set(key, hold(next))
      return next
    })
  }

  /** Add the entries whose key and name are both new; returns how many were added. */
  async merge (entries: readonly IndexEntry[]): Promise<number> {
    return await this.#change(() => {
      let added = 0
      for (const e of entries) {
        if (this.#byKey.has(e.key) || this.#byName.has(e.name)) continue
        this.#set(e.key, hold(e))
        added++
      }
      return added
    })
  }

  get backup (): BackupState | undefined {
    return this.#backup
  }

  async setBackup (state: BackupState): Promise<void> {
    await this.#change(() => {
      this.#recording?.push({ backup: this.#backup })
      this.#backup = state
    })
  }

  /**
   * Write the current state. Resolves once a save begun after this call has
   * been written; calls made while one is being written share the next.
   * When the write fails, the changes it carried are undone (see #rollBack).
   */
  async save (): Promise<void> {
    await this.#saving.run()
  }

  /** One save (src/core/coalesce.ts runs one at a time): it carries every change made before it started. */
  async #write (): Promise<void> {
    const carried = this.#unsaved.length
    const held = [...this.#byKey.values()]
    try {
      await this.#storage.save(this.#encode(held.map(encoded)))
      this.#saves++
      this.#unsaved.splice(0, carried)
      this.#saved = held
    } catch (err) {
      this.#rollBack(carried)
      throw err
    }
  }

  /** The stored form of the current state. */
  encode (): Uint8Array {
    return this.#encode(this.encodedEntries())
  }

  #encode (entries: readonly Uint8Array[]): Uint8Array {
    const fields = { v: INDEX_VERSION, ...(this.#backup !== undefined ? { backup: { seq: this.#backup.seq, id: this.#backup.id } } : {}) }
    return encodeWithEntries(fields, entries)
  }

  /** Make a change now and resolve once a save holding it is written; a change that alters nothing needs no save. */
  async #change<T> (make: () => T): Promise<T> {
    const change: Change = { make, result: undefined, undo: [] }
    this.#make(change)
    if (change.undo.length === 0) return change.result as T
    this.#unsaved.push(change)
    await this.save()
    if (change.dropped !== undefined) throw change.dropped
    return change.result as T
  }

  /** Make (or make again) a change, recording how to undo it; one that throws is undone and rethrows. */
  #make (change: Change): void {
    change.undo = []
    this.#recording = change.undo
    try {
      change.result = change.make()
    } catch (err) {
      this.#undo(change)
      throw err
    } finally {
      this.#recording = undefined
    }
  }

  #undo (change: Change): void {
    for (let i = change.undo.length - 1; i >= 0; i--) {
      const step = change.undo[i] as Undo
      if ('key' in step) this.#apply(step.key, step.held)
      else this.#backup = step.backup
    }
  }

  /**
   * A save failed: undo the changes it carried (the first `carried` unsaved
   * ones; their callers get the save's error), keeping those made while it
   * was written. Every unsaved change is undone, newest first, back to the
   * last written state, and the later ones are made again on top of it in
   * order: one that no longer applies (it renamed or tagged an entry whose
   * add failed, or took a name a failed rename had freed) is dropped, and
   * its caller gets why.
   */
  #rollBack (carried: number): void {
    const unsaved = this.#unsaved
    this.#unsaved = []
    for (let i = unsaved.length - 1; i >= 0; i--) this.#undo(unsaved[i] as Change)
    for (const change of unsaved.slice(carried)) {
      try {
        this.#make(change)
        if (change.undo.length > 0) this.#unsaved.push(change)
      } catch (e) {
        change.dropped = e
      }
    }
    try { this.#onRollBack?.() } catch { /* a listener must not change the outcome */ }
  }

  /** Set an entry (undefined: remove it), recording how to undo it when a change is being made. */
  #set (key: string, held: Held | undefined): void {
    this.#recording?.push({ key, held: this.#byKey.get(key) })
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
}
