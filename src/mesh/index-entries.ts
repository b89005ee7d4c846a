/**
 * The owner's index entries and tombstones as they are stored and backed up
 * (./index-store.ts, ./backup.ts), with the rule that keeps a deleted file
 * from coming back.
 *
 *   entry     = dag-cbor { key, name, type, size, tags: [..], created, wrappedKey: <ECIES envelope>, holders: [peer id, ..], updated? }
 *   tombstone = dag-cbor { key, deletedAt }
 *
 * `updated` (ms since the epoch) is set by a rename or a change of tags and
 * is absent until then; it appears only in version 2 of the index and of the
 * backup, so an entry without it encodes byte for byte as version 1 wrote it.
 *
 * A tombstone records that the owner deleted the file `key`. A file key
 * names one sealed manifest and is never made again (a new put, or a copy,
 * gets a new one), so a tombstone always wins: no merge adds or keeps an
 * entry with a tombstoned key.
 *
 * How long a tombstone is kept (INDEX_TOMBSTONE_LIFETIME_MS): an entry can
 * only come back through a record that a device can still merge. A record
 * made before the delete counts until its `exp`, at most
 * INDEX_RECORD_MAX_LIFETIME_MS (400 days) after it was made, so at most that
 * long after the delete. A record made after the delete is made by a device
 * that first merged the newest record (a backup merges first, a sync merges
 * before it publishes), which carries the tombstone for as long as it is
 * kept, so that device's list lost the entry. Tombstones are therefore kept
 * INDEX_RECORD_MAX_LIFETIME_MS plus 30 days for clocks that disagree (the
 * delete is dated by one device's clock, records by another's, expiry
 * checked by a third's), then collected. At most INDEX_MAX_TOMBSTONES are
 * kept, the oldest dropped first past that (about 1.7 MB of a 16 MiB backup).
 */
import { concatBytes } from '../core/bytes.ts'
import { encodeCbor, RecordReader } from '../core/cbor.ts'
import { MalformedDataError } from '../core/errors.ts'
import { MANIFEST_LIMITS, parseFileKey } from '../core/manifest.ts'
import { INDEX_RECORD_MAX_LIFETIME_MS } from '../net/index-record.ts'
import type { IndexEntry, Tombstone } from './types.ts'

const DAY_MS = 24 * 60 * 60 * 1000
/** how long a tombstone is kept after the delete (see the module header) */
export const INDEX_TOMBSTONE_LIFETIME_MS = INDEX_RECORD_MAX_LIFETIME_MS + 30 * DAY_MS
/** most tombstones an index or a backup keeps (about 85 bytes each) */
export const INDEX_MAX_TOMBSTONES = 20_000
const MAX_HOLDERS = 64
const MAX_ENVELOPE_BYTES = 1024
const MAX_KEY_CHARS = 128

/** When an entry last changed: its rename or retag, else its creation. */
export function editedAt (e: IndexEntry): number {
  return e.updated ?? e.created
}

/** Whether a tombstone made at `deletedAt` is past its lifetime at `now`. */
export function tombstoneExpired (deletedAt: number, now: number): boolean {
  return deletedAt + INDEX_TOMBSTONE_LIFETIME_MS <= now
}

export function encodeEntry (e: IndexEntry): Record<string, unknown> {
  return { key: e.key, name: e.name, type: e.type, size: e.size, tags: e.tags, created: e.created, wrappedKey: e.wrappedKey, holders: e.manifestHolders, ...(e.updated !== undefined ? { updated: e.updated } : {}) }
}

function fileKey (r: RecordReader): string {
  const key = r.string('key', MAX_KEY_CHARS)
  try { parseFileKey(key) } catch { throw r.fail('"key" is not a file key') }
  return key
}

/** One entry; `updated` is read when `withUpdated` (version 2), refused as unknown otherwise. */
export function decodeEntry (raw: unknown, what = 'index entry', withUpdated = true): IndexEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new MalformedDataError(`${what} must be a map`)
  const L = MANIFEST_LIMITS
  const map = raw as Record<string, unknown>
  const r = new RecordReader(map, what)
  const key = fileKey(r)
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
  if (withUpdated && map.updated !== undefined) entry.updated = r.int('updated', 0, Number.MAX_SAFE_INTEGER)
  r.done()
  return entry
}

export function encodeTombstone (t: Tombstone): Record<string, unknown> {
  return { key: t.key, deletedAt: t.deletedAt }
}

export function decodeTombstones (raw: unknown[] | undefined, what: string): Tombstone[] {
  if (raw === undefined) return []
  if (raw.length > INDEX_MAX_TOMBSTONES) throw new MalformedDataError(`${what}: at most ${INDEX_MAX_TOMBSTONES} tombstones`)
  return raw.map(t => {
    if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new MalformedDataError(`${what}: a tombstone must be a map`)
    const r = new RecordReader(t as Record<string, unknown>, `${what} tombstone`)
    const tombstone = { key: fileKey(r), deletedAt: r.int('deletedAt', 0, Number.MAX_SAFE_INTEGER) }
    r.done()
    return tombstone
  })
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
