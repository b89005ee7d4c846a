/**
 * Index pointer records in the DHT: where an owner's latest index backup is,
 * findable from the owner's public key alone (a fresh browser with only the
 * keys can restore its file list), readable only by the owner.
 *
 *   key      UTF-8 "/datamesh-index/" + base32 (multibase, lower case) of the owner's Ed25519 public key
 *   value    dag-cbor { p: <payload bytes>, s: Ed25519(owner, "datamesh/index-pointer/v1" || 0x00 || p) }
 *   payload  version 2 (written): dag-cbor { v: 2, o: <owner Ed25519 public key, 32 bytes>, seq, ts, exp, x: <sealed target> }
 *            version 1 (still read): dag-cbor { v: 1, o, seq, ts, ptr, h }, the target in the clear, no `exp`
 *   x        ECIES (src/core/keys/ecies.ts) to the owner's X25519 public key of
 *              target = dag-cbor { ptr: <CID of the backup shard: CIDv1 raw BLAKE3-256>, h: [<peer id>, ...] }
 *            with associated data
 *              "datamesh/index-pointer/sealed/v1" || 0x00 || dag-cbor { k: <the record key's bytes>, seq }
 *
 * Why the target is sealed: every DHT server near the key stores the
 * record, and those are the relay and the storage peers, the very peers
 * that hold the backup. In the clear, a holder of a backup copy could look
 * up the record of a known owner key, find its own shard id in it, and so
 * link the per-holder owner key that stored the copy (and everything that
 * key stored there) to the owner. Sealed, a server sees only the owner's key,
 * `seq`, `ts`, `exp` and the envelope's length (about how many holder hints
 * it names). The associated data binds an envelope to one record key and one
 * `seq`: an envelope copied into another record (another `seq`, or another
 * owner's key) does not open (WrongKeyError).
 *
 * `ts` is when it was made and `exp` when it stops counting (ms since the
 * epoch; `exp` - `ts` at most INDEX_RECORD_MAX_LIFETIME_MS). A version 1
 * record expires INDEX_RECORD_V1_LIFETIME_MS after its `ts` (48 h: the time
 * DHT servers always kept it), so records of earlier builds stay readable
 * until then and are then replaced by the owner's next publication.
 *
 * Records are ordered by (`seq`, `ts`, value bytes), a total order: the DHT
 * selector, readers and servers all keep the greatest. A server refuses a
 * record below the one it holds for the key (StaleRecordError 'superseded'),
 * so an old record replayed to it cannot replace a newer one; everyone
 * refuses an expired record (StaleRecordError 'expired'). `h` names peers
 * that held the backup when it was written (at most 16 hints). The
 * validator, run by every DHT server before storing a record and by readers
 * on what they receive, checks that the record is well formed, unexpired,
 * that `o` is the key's owner and that the signature verifies, so only the
 * owner can publish under their key; none of it needs the target, which
 * only the owner's keys open (`openIndexTarget`).
 */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { equalBytes } from '../core/bytes.ts'
import { MalformedDataError, StaleRecordError, WrongKeyError } from '../core/errors.ts'
import { parseShardCid } from '../core/hash.ts'
import { seal, ECIES_OVERHEAD, type EciesOptions } from '../core/keys/ecies.ts'
import { domainSeparated, verifySignature, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, type Signer } from '../core/signature.ts'

export const INDEX_RECORD_NAMESPACE = 'datamesh-index'
export const INDEX_RECORD_VERSION = 2
export const INDEX_RECORD_DOMAIN = 'datamesh/index-pointer/v1'
/** domain of the associated data that binds a sealed target to its record */
export const INDEX_TARGET_DOMAIN = 'datamesh/index-pointer/sealed/v1'
/** Cap of a record value: a few hundred bytes in practice. */
export const INDEX_RECORD_MAX_BYTES = 4096
export const INDEX_RECORD_MAX_HINTS = 16
const MAX_HINT_BYTES = 128

const DAY_MS = 24 * 60 * 60 * 1000
/**
 * How long a record published now counts: long enough that a list nobody
 * opened for a season (a lost device, a long trip) is still found by a new
 * device; short enough that a captured record cannot be replayed for ever
 * and servers forget abandoned keys. Owners republish long before it ends.
 */
export const INDEX_RECORD_LIFETIME_MS = 90 * DAY_MS
/** the longest lifetime a server or reader accepts */
export const INDEX_RECORD_MAX_LIFETIME_MS = 400 * DAY_MS
/** what a version 1 record (no `exp`) counts for after its `ts`: kad-dht's record validity, all it ever had */
export const INDEX_RECORD_V1_LIFETIME_MS = 2 * DAY_MS

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const PREFIX = `/${INDEX_RECORD_NAMESPACE}/`

/** Where the backup is: what only the owner reads (sealed in version 2). */
export interface IndexTarget {
  /** the backup shard's id */
  ptr: CID
  /** peers that held the backup when it was written */
  holders: string[]
}

/** A record as anyone can check it: signed, owned, ordered, expiring. */
export interface IndexRecord {
  version: 1 | 2
  /** the owner's Ed25519 public key */
  owner: Uint8Array
  seq: number
  /** when it was made, ms since the epoch */
  ts: number
  /** when it stops counting, ms since the epoch */
  expires: number
  /** version 2: the target sealed to the owner */
  sealed?: Uint8Array
  /** version 1: the target in the clear */
  target?: IndexTarget
}

/** A record with its target opened. */
export type IndexPointer = Omit<IndexRecord, 'sealed' | 'target'> & IndexTarget

/** What opens an ECIES envelope sealed to the owner (the mesh's `keys.open`). */
export type OpenEnvelope = (envelope: Uint8Array, options?: EciesOptions) => Promise<Uint8Array>

/** The DHT key of an owner's index pointer. */
export function indexRecordKey (owner: Uint8Array): Uint8Array {
  if (owner.byteLength !== ED25519_PUBLIC_KEY_BYTES) throw new MalformedDataError('An owner key is 32 bytes', { length: owner.byteLength })
  return encoder.encode(PREFIX + base32.encode(owner))
}

/** Whether a DHT key is in the index record namespace (it may still be malformed). */
export function isIndexRecordKey (key: Uint8Array): boolean {
  return decoder.decode(key.subarray(0, PREFIX.length)) === PREFIX
}

/** The owner named by a DHT key, or MalformedDataError. */
export function ownerOfIndexRecordKey (key: Uint8Array): Uint8Array {
  const text = decoder.decode(key)
  if (!text.startsWith(PREFIX)) throw new MalformedDataError('Not an index record key')
  let owner: Uint8Array
  try {
    owner = base32.decode(text.slice(PREFIX.length))
  } catch {
    throw new MalformedDataError('Index record key does not hold an owner key')
  }
  if (owner.byteLength !== ED25519_PUBLIC_KEY_BYTES || !equalBytes(indexRecordKey(owner), key)) throw new MalformedDataError('Index record key is not canonical')
  return owner
}

/** The associated data a target is sealed under: the record's key and seq, domain-separated. */
export function indexTargetContext (key: Uint8Array, seq: number): Uint8Array {
  return domainSeparated(INDEX_TARGET_DOMAIN, encodeCbor({ k: key, seq }))
}

export interface IndexRecordInit extends IndexTarget {
  seq: number
  ts: number
  /** default `ts` + INDEX_RECORD_LIFETIME_MS */
  expires?: number
}

/** A signed record value for the DHT (version 2), its target sealed to `x25519Public` (the owner's). */
export async function signIndexRecord (init: IndexRecordInit, signer: Signer, x25519Public: Uint8Array): Promise<Uint8Array> {
  if (init.holders.length > INDEX_RECORD_MAX_HINTS) throw new MalformedDataError(`At most ${INDEX_RECORD_MAX_HINTS} holder hints`)
  const expires = init.expires ?? init.ts + INDEX_RECORD_LIFETIME_MS
  checkLifetime(init.ts, expires)
  const key = indexRecordKey(signer.publicKey)
  const target = encodeCbor({ ptr: parseShardCid(init.ptr), h: init.holders })
  const x = await seal(x25519Public, target, { associatedData: indexTargetContext(key, init.seq) })
  const p = encodeCbor({ v: INDEX_RECORD_VERSION, o: signer.publicKey, seq: init.seq, ts: init.ts, exp: expires, x })
  const s = await signer.sign(domainSeparated(INDEX_RECORD_DOMAIN, p))
  const value = encodeCbor({ p, s })
  if (value.byteLength > INDEX_RECORD_MAX_BYTES) throw new MalformedDataError(`An index record is at most ${INDEX_RECORD_MAX_BYTES} bytes`, { size: value.byteLength })
  return value
}

function checkLifetime (ts: number, expires: number): void {
  if (expires <= ts || expires - ts > INDEX_RECORD_MAX_LIFETIME_MS) {
    throw new MalformedDataError(`An index record lives more than 0 and at most ${INDEX_RECORD_MAX_LIFETIME_MS} ms`, { ts, expires })
  }
}

/** `ptr` and `h` of a target map (version 1 payload, or an opened version 2 target). */
function readTarget (rawPtr: unknown, r: RecordReader): IndexTarget {
  const holders = (r.array('h', INDEX_RECORD_MAX_HINTS) as unknown[]).map(h => {
    if (typeof h !== 'string' || h.length === 0 || h.length > MAX_HINT_BYTES) throw r.fail('holder hints must be short strings')
    return h
  })
  const cid = CID.asCID(rawPtr)
  if (cid == null) throw r.fail('"ptr" must be a CID')
  return { ptr: parseShardCid(cid), holders }
}

/**
 * Parse and verify a record value found under `key`, without opening its
 * target (its expiry is not checked here: see `checkIndexRecordFresh`);
 * MalformedDataError (or UnsupportedVersionError) when it is not valid.
 */
export function openIndexRecord (key: Uint8Array, value: Uint8Array): IndexRecord {
  const owner = ownerOfIndexRecordKey(key)
  const outer = new RecordReader(decodeCborMap(value, INDEX_RECORD_MAX_BYTES, 'index record'), 'index record')
  const p = outer.bytes('p', { min: 1, max: INDEX_RECORD_MAX_BYTES })
  const s = outer.bytes('s', ED25519_SIGNATURE_BYTES)
  outer.done()
  // RecordReader has no CID accessor: `ptr` (version 1) is taken out and checked on its own
  const { ptr: rawPtr, ...fields } = decodeCborMap(p, INDEX_RECORD_MAX_BYTES, 'index record payload')
  const r = new RecordReader(fields, 'index record payload')
  const version = r.version(fields.v === 1 ? 1 : INDEX_RECORD_VERSION) as 1 | 2
  const o = r.bytes('o', ED25519_PUBLIC_KEY_BYTES)
  const seq = r.int('seq', 0, Number.MAX_SAFE_INTEGER)
  const ts = r.int('ts', 0, Number.MAX_SAFE_INTEGER)
  let record: IndexRecord
  if (version === 1) {
    record = { version, owner: o, seq, ts, expires: ts + INDEX_RECORD_V1_LIFETIME_MS, target: readTarget(rawPtr, r) }
  } else {
    if (rawPtr !== undefined) throw r.fail('unknown field "ptr"')
    const expires = r.int('exp', 0, Number.MAX_SAFE_INTEGER)
    record = { version, owner: o, seq, ts, expires, sealed: r.bytes('x', { min: ECIES_OVERHEAD, max: INDEX_RECORD_MAX_BYTES }) }
  }
  r.done()
  checkLifetime(ts, record.expires)
  if (!equalBytes(o, owner)) throw new MalformedDataError('Index record is not for the owner its key names')
  if (!verifySignature(o, domainSeparated(INDEX_RECORD_DOMAIN, p), s)) throw new MalformedDataError('Index record signature does not verify')
  return record
}

/**
 * The record's target, opened with the owner's keys. A sealed target that
 * does not open for this record's key and seq (copied from another record or
 * another owner, or not sealed to these keys) is WrongKeyError.
 */
export async function openIndexTarget (key: Uint8Array, record: IndexRecord, open: OpenEnvelope): Promise<IndexPointer> {
  const { sealed, target, ...rest } = record
  if (target !== undefined) return { ...rest, ...target }
  if (sealed === undefined) throw new MalformedDataError('Index record holds no target')
  let plain: Uint8Array
  try {
    plain = await open(sealed, { associatedData: indexTargetContext(key, record.seq) })
  } catch (err) {
    if ((err as Error)?.name !== 'WrongKeyError') throw err
    throw new WrongKeyError('This index record\'s backup pointer does not open with these keys for this record (sealed for another record or owner)', { reason: 'index-target', seq: record.seq })
  }
  const { ptr: rawPtr, ...fields } = decodeCborMap(plain, INDEX_RECORD_MAX_BYTES, 'index record target')
  const r = new RecordReader(fields, 'index record target')
  const opened = readTarget(rawPtr, r)
  r.done()
  return { ...rest, ...opened }
}

/** StaleRecordError ('expired') once `record` no longer counts. */
export function checkIndexRecordFresh (record: Pick<IndexRecord, 'seq' | 'expires'>, now = Date.now()): void {
  if (record.expires <= now) {
    throw new StaleRecordError(`This index record expired on ${new Date(record.expires).toISOString()}`, { reason: 'expired', seq: record.seq, expires: record.expires })
  }
}

/** Lexicographic order of two byte strings (a shorter prefix first). */
function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.byteLength - b.byteLength
}

/** Order of two valid records of one key: by seq, then ts, then value bytes (negative: `a` is older). */
export function compareIndexRecords (a: { record: IndexRecord, value: Uint8Array }, b: { record: IndexRecord, value: Uint8Array }): number {
  return Math.sign(a.record.seq - b.record.seq) || Math.sign(a.record.ts - b.record.ts) || compareBytes(a.value, b.value)
}

/**
 * A DHT server's rule for storing `incoming` under `key` where it holds
 * `held` (undefined: nothing, or nothing valid): the incoming record must be
 * valid and unexpired, and not older than the held one (unless that one has
 * expired). Throws MalformedDataError or StaleRecordError; returns the
 * opened incoming record.
 */
export function checkIndexRecordUpdate (key: Uint8Array, incoming: Uint8Array, held: Uint8Array | undefined, now = Date.now()): IndexRecord {
  const record = openIndexRecord(key, incoming)
  checkIndexRecordFresh(record, now)
  if (held === undefined) return record
  let current: IndexRecord
  try {
    current = openIndexRecord(key, held)
    checkIndexRecordFresh(current, now)
  } catch {
    return record // what is held no longer counts
  }
  if (compareIndexRecords({ record, value: incoming }, { record: current, value: held }) < 0) {
    throw new StaleRecordError(`A newer index record is held here (sequence ${current.seq}; this one is ${record.seq})`, { reason: 'superseded', seq: record.seq, held: current.seq })
  }
  return record
}

/** kad-dht validator: throws unless the record is a valid, unexpired, owner-signed index pointer. */
export async function validateIndexRecord (key: Uint8Array, value: Uint8Array): Promise<void> {
  checkIndexRecordFresh(openIndexRecord(key, value))
}

/** kad-dht selector: the index of the greatest valid, unexpired record (see compareIndexRecords); invalid ones lose. */
export function selectIndexRecord (key: Uint8Array, records: Uint8Array[], now = Date.now()): number {
  let best = 0
  let bestRecord: { record: IndexRecord, value: Uint8Array } | undefined
  records.forEach((value, i) => {
    let record: IndexRecord
    try {
      record = openIndexRecord(key, value)
      checkIndexRecordFresh(record, now)
    } catch {
      return
    }
    if (bestRecord === undefined || compareIndexRecords({ record, value }, bestRecord) > 0) { best = i; bestRecord = { record, value } }
  })
  return best
}
