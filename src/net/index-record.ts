/**
 * Index pointer records in the DHT: where an owner's latest index backup is,
 * findable from the owner's public key alone (a fresh browser with only the
 * keys can restore its file list).
 *
 *   key      UTF-8 "/datamesh-index/" + base32 (multibase, lower case) of the owner's Ed25519 public key
 *   value    dag-cbor { p: <payload bytes>, s: Ed25519(owner, "datamesh/index-pointer/v1" || 0x00 || p) }
 *   payload  version 2 (written): dag-cbor { v: 2, o: <owner Ed25519 public key, 32 bytes>, seq, ts, exp,
 *                                            ptr: <CID of the backup shard: CIDv1 raw BLAKE3-256>, h: [<peer id>, ...] }
 *            version 1 (still read): the same without `exp`
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
 * owner can publish under their key.
 */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { equalBytes } from '../core/bytes.ts'
import { MalformedDataError, StaleRecordError } from '../core/errors.ts'
import { parseShardCid } from '../core/hash.ts'
import { domainSeparated, verifySignature, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, type Signer } from '../core/signature.ts'

export const INDEX_RECORD_NAMESPACE = 'datamesh-index'
export const INDEX_RECORD_VERSION = 2
export const INDEX_RECORD_DOMAIN = 'datamesh/index-pointer/v1'
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

export interface IndexPointer {
  /** the owner's Ed25519 public key */
  owner: Uint8Array
  seq: number
  /** when it was made, ms since the epoch */
  ts: number
  /** when it stops counting, ms since the epoch */
  expires: number
  /** the backup shard's id */
  ptr: CID
  /** peers that held the backup when it was written */
  holders: string[]
}

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

/** A signed record value for the DHT (version 2); `expires` defaults to `ts` + INDEX_RECORD_LIFETIME_MS. */
export async function signIndexRecord (pointer: Omit<IndexPointer, 'owner' | 'expires'> & { expires?: number }, signer: Signer): Promise<Uint8Array> {
  if (pointer.holders.length > INDEX_RECORD_MAX_HINTS) throw new MalformedDataError(`At most ${INDEX_RECORD_MAX_HINTS} holder hints`)
  const expires = pointer.expires ?? pointer.ts + INDEX_RECORD_LIFETIME_MS
  checkLifetime(pointer.ts, expires)
  const p = encodeCbor({ v: INDEX_RECORD_VERSION, o: signer.publicKey, seq: pointer.seq, ts: pointer.ts, exp: expires, ptr: parseShardCid(pointer.ptr), h: pointer.holders })
  const s = await signer.sign(domainSeparated(INDEX_RECORD_DOMAIN, p))
  return encodeCbor({ p, s })
}

function checkLifetime (ts: number, expires: number): void {
  if (expires <= ts || expires - ts > INDEX_RECORD_MAX_LIFETIME_MS) {
    throw new MalformedDataError(`An index record lives more than 0 and at most ${INDEX_RECORD_MAX_LIFETIME_MS} ms`, { ts, expires })
  }
}

/**
 * Parse and verify a record value found under `key` (its expiry is not
 * checked here: see `checkIndexRecordFresh`); MalformedDataError (or
 * UnsupportedVersionError) when it is not valid.
 */
export function openIndexRecord (key: Uint8Array, value: Uint8Array): IndexPointer {
  const owner = ownerOfIndexRecordKey(key)
  const outer = new RecordReader(decodeCborMap(value, INDEX_RECORD_MAX_BYTES, 'index record'), 'index record')
  const p = outer.bytes('p', { min: 1, max: INDEX_RECORD_MAX_BYTES })
  const s = outer.bytes('s', ED25519_SIGNATURE_BYTES)
  outer.done()
  // RecordReader has no CID accessor: `ptr` is taken out and checked on its own
  const { ptr: rawPtr, ...fields } = decodeCborMap(p, INDEX_RECORD_MAX_BYTES, 'index record payload')
  const r = new RecordReader(fields, 'index record payload')
  const version = r.version(fields.v === 1 ? 1 : INDEX_RECORD_VERSION)
  const o = r.bytes('o', ED25519_PUBLIC_KEY_BYTES)
  const seq = r.int('seq', 0, Number.MAX_SAFE_INTEGER)
  const ts = r.int('ts', 0, Number.MAX_SAFE_INTEGER)
  const expires = version === 1 ? ts + INDEX_RECORD_V1_LIFETIME_MS : r.int('exp', 0, Number.MAX_SAFE_INTEGER)
  const holders = (r.array('h', INDEX_RECORD_MAX_HINTS) as unknown[]).map(h => {
    if (typeof h !== 'string' || h.length === 0 || h.length > MAX_HINT_BYTES) throw r.fail('holder hints must be short strings')
    return h
  })
  r.done()
  const cid = CID.asCID(rawPtr)
  if (cid == null) throw new MalformedDataError('index record payload: "ptr" must be a CID')
  checkLifetime(ts, expires)
  if (!equalBytes(o, owner)) throw new MalformedDataError('Index record is not for the owner its key names')
  if (!verifySignature(o, domainSeparated(INDEX_RECORD_DOMAIN, p), s)) throw new MalformedDataError('Index record signature does not verify')
  return { owner: o, seq, ts, expires, ptr: parseShardCid(cid), holders }
}

/** StaleRecordError ('expired') once `pointer` no longer counts. */
export function checkIndexRecordFresh (pointer: IndexPointer, now = Date.now()): void {
  if (pointer.expires <= now) {
    throw new StaleRecordError(`This index record expired on ${new Date(pointer.expires).toISOString()}`, { reason: 'expired', seq: pointer.seq, expires: pointer.expires })
  }
}

/** Lexicographic order of two byte strings (a shorter prefix first). */
function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.byteLength - b.byteLength
}

/** Order of two valid records of one key: by seq, then ts, then value bytes (negative: `a` is older). */
export function compareIndexRecords (a: { pointer: IndexPointer, value: Uint8Array }, b: { pointer: IndexPointer, value: Uint8Array }): number {
  return Math.sign(a.pointer.seq - b.pointer.seq) || Math.sign(a.pointer.ts - b.pointer.ts) || compareBytes(a.value, b.value)
}

/**
 * A DHT server's rule for storing `incoming` under `key` where it holds
 * `held` (undefined: nothing, or nothing valid): the incoming record must be
 * valid and unexpired, and not older than the held one (unless that one has
 * expired). Throws MalformedDataError or StaleRecordError; returns the
 * opened incoming record.
 */
export function checkIndexRecordUpdate (key: Uint8Array, incoming: Uint8Array, held: Uint8Array | undefined, now = Date.now()): IndexPointer {
  const pointer = openIndexRecord(key, incoming)
  checkIndexRecordFresh(pointer, now)
  if (held === undefined) return pointer
  let current: IndexPointer
  try {
    current = openIndexRecord(key, held)
    checkIndexRecordFresh(current, now)
  } catch {
    return pointer // what is held no longer counts
  }
  if (compareIndexRecords({ pointer, value: incoming }, { pointer: current, value: held }) < 0) {
    throw new StaleRecordError(`A newer index record is held here (sequence ${current.seq}; this one is ${pointer.seq})`, { reason: 'superseded', seq: pointer.seq, held: current.seq })
  }
  return pointer
}

/** kad-dht validator: throws unless the record is a valid, unexpired, owner-signed index pointer. */
export async function validateIndexRecord (key: Uint8Array, value: Uint8Array): Promise<void> {
  checkIndexRecordFresh(openIndexRecord(key, value))
}

/** kad-dht selector: the index of the greatest valid, unexpired record (see compareIndexRecords); invalid ones lose. */
export function selectIndexRecord (key: Uint8Array, records: Uint8Array[], now = Date.now()): number {
  let best = 0
  let bestRecord: { pointer: IndexPointer, value: Uint8Array } | undefined
  records.forEach((value, i) => {
    let pointer: IndexPointer
    try {
      pointer = openIndexRecord(key, value)
      checkIndexRecordFresh(pointer, now)
    } catch {
      return
    }
    if (bestRecord === undefined || compareIndexRecords({ pointer, value }, bestRecord) > 0) { best = i; bestRecord = { pointer, value } }
  })
  return best
}
