/**
 * Index pointer records in the DHT: where an owner's latest index backup is,
 * findable from the owner's public key alone (a fresh browser with only the
 * keys can restore its file list).
 *
 * Version 1:
 *   key      UTF-8 "/datamesh-index/" + base32 (multibase, lower case) of the owner's Ed25519 public key
 *   value    dag-cbor { p: <payload bytes>, s: Ed25519(owner, "datamesh/index-pointer/v1" || 0x00 || p) }
 *   payload  dag-cbor { v: 1, o: <owner Ed25519 public key, 32 bytes>, seq, ts,
 *                       ptr: <CID of the backup shard: CIDv1 raw BLAKE3-256>, h: [<peer id>, ...] }
 *
 * `seq` orders records (the DHT selector keeps the highest; ties go to the
 * later `ts`); `h` names peers that held the backup when it was written (at
 * most 16 hints). The validator, run by every DHT server before storing a
 * record and by readers on what they receive, checks that the record is
 * well formed, that `o` is the key's owner and that the signature verifies,
 * so only the owner can publish under their key. A server keeps the last
 * valid record it was sent: an old record replayed to one server can win
 * there, but readers ask many servers and keep the highest `seq`, and
 * kad-dht sends them the best one back. Records expire on servers after 48 h
 * (kad-dht's PROVIDERS_VALIDITY); owners publish again to keep them alive.
 */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { equalBytes } from '../core/bytes.ts'
import { MalformedDataError } from '../core/errors.ts'
import { parseShardCid } from '../core/hash.ts'
import { domainSeparated, verifySignature, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, type Signer } from '../core/signature.ts'

export const INDEX_RECORD_NAMESPACE = 'datamesh-index'
export const INDEX_RECORD_VERSION = 1
export const INDEX_RECORD_DOMAIN = 'datamesh/index-pointer/v1'
/** Cap of a record value: a few hundred bytes in practice. */
export const INDEX_RECORD_MAX_BYTES = 4096
export const INDEX_RECORD_MAX_HINTS = 16
const MAX_HINT_BYTES = 128

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const PREFIX = `/${INDEX_RECORD_NAMESPACE}/`

export interface IndexPointer {
  /** the owner's Ed25519 public key */
  owner: Uint8Array
  seq: number
  /** when it was made, ms since the epoch */
  ts: number
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

/** A signed record value for the DHT. */
export async function signIndexRecord (pointer: Omit<IndexPointer, 'owner'>, signer: Signer): Promise<Uint8Array> {
  if (pointer.holders.length > INDEX_RECORD_MAX_HINTS) throw new MalformedDataError(`At most ${INDEX_RECORD_MAX_HINTS} holder hints`)
  const p = encodeCbor({ v: INDEX_RECORD_VERSION, o: signer.publicKey, seq: pointer.seq, ts: pointer.ts, ptr: parseShardCid(pointer.ptr), h: pointer.holders })
  const s = await signer.sign(domainSeparated(INDEX_RECORD_DOMAIN, p))
  return encodeCbor({ p, s })
}

/** Parse and verify a record value found under `key`; MalformedDataError (or UnsupportedVersionError) when it is not valid. */
export function openIndexRecord (key: Uint8Array, value: Uint8Array): IndexPointer {
  const owner = ownerOfIndexRecordKey(key)
  const outer = new RecordReader(decodeCborMap(value, INDEX_RECORD_MAX_BYTES, 'index record'), 'index record')
  const p = outer.bytes('p', { min: 1, max: INDEX_RECORD_MAX_BYTES })
  const s = outer.bytes('s', ED25519_SIGNATURE_BYTES)
  outer.done()
  // RecordReader has no CID accessor: `ptr` is taken out and checked on its own
  const { ptr: rawPtr, ...fields } = decodeCborMap(p, INDEX_RECORD_MAX_BYTES, 'index record payload')
  const r = new RecordReader(fields, 'index record payload')
  r.version(INDEX_RECORD_VERSION)
  const o = r.bytes('o', ED25519_PUBLIC_KEY_BYTES)
  const seq = r.int('seq', 0, Number.MAX_SAFE_INTEGER)
  const ts = r.int('ts', 0, Number.MAX_SAFE_INTEGER)
  const holders = (r.array('h', INDEX_RECORD_MAX_HINTS) as unknown[]).map(h => {
    if (typeof h !== 'string' || h.length === 0 || h.length > MAX_HINT_BYTES) throw r.fail('holder hints must be short strings')
    return h
  })
  r.done()
  const cid = CID.asCID(rawPtr)
  if (cid == null) throw new MalformedDataError('index record payload: "ptr" must be a CID')
  if (!equalBytes(o, owner)) throw new MalformedDataError('Index record is not for the owner its key names')
  if (!verifySignature(o, domainSeparated(INDEX_RECORD_DOMAIN, p), s)) throw new MalformedDataError('Index record signature does not verify')
  return { owner: o, seq, ts, ptr: parseShardCid(cid), holders }
}

/** kad-dht validator: throws unless the record is a valid, owner-signed index pointer. */
export async function validateIndexRecord (key: Uint8Array, value: Uint8Array): Promise<void> {
  openIndexRecord(key, value)
}

/** kad-dht selector: the index of the record with the highest sequence number (then the latest time); invalid records lose. */
export function selectIndexRecord (key: Uint8Array, records: Uint8Array[]): number {
  let best = 0
  let bestRank: [number, number] = [-1, -1]
  records.forEach((value, i) => {
    let rank: [number, number]
    try {
      const r = openIndexRecord(key, value)
      rank = [r.seq, r.ts]
    } catch {
      return
    }
    if (rank[0] > bestRank[0] || (rank[0] === bestRank[0] && rank[1] > bestRank[1])) { best = i; bestRank = rank }
  })
  return best
}
