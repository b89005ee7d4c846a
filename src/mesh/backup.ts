/**
 * Index backups: the owner's index, encrypted to the owner, as one raw shard
 * in the mesh; and the DHT pointer to the latest one (src/net/index-record.ts).
 *
 * Backup shard (dag-cbor), id = CIDv1(raw, BLAKE3-256 of the bytes):
 *   { v, e: ECIES(owner X25519 public key, plain) }        (src/core/keys/ecies.ts)
 *   version 2: plain = dag-cbor { v: 2, owner: <Ed25519 public key>, created, deleted: [tombstone, ...], entries: [index entry, ...] }
 *   version 1: plain = dag-cbor { v: 1, owner, created, entries }      (no tombstones, no entry with `updated`)
 * The outer `v` is the plaintext's, so a build that cannot read it says so
 * before decrypting. Both versions are read; version 1 is written when the
 * index holds nothing only version 2 can say, so earlier builds still read
 * such a backup. Entries and tombstones are those of ./index-entries.ts
 * (file keys inside are sealed to the owner a second time). Only the
 * owner's X25519 secret opens a backup; only the owner's Ed25519 key can
 * point the DHT record at one, so a backup planted by someone else is never
 * restored.
 */
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { equalBytes } from '../core/bytes.ts'
import { MalformedDataError } from '../core/errors.ts'
import { seal } from '../core/keys/ecies.ts'
import { DEFAULT_MAX_SHARD_SIZE } from '../net/protocol/constants.ts'
import { decodeEntry, decodeTombstones, encodeTombstone, encodeWithEntries, INDEX_MAX_TOMBSTONES } from './index-entries.ts'
import { INDEX_MAX_BYTES } from './index-store.ts'
import type { IndexEntry, MeshKeys, Tombstone } from './types.ts'

export const BACKUP_VERSION = 2
/** A backup travels as one shard. */
export const BACKUP_MAX_BYTES = DEFAULT_MAX_SHARD_SIZE

export interface DecodedBackup {
  created: number
  entries: IndexEntry[]
  /** tombstones (none in version 1) */
  deleted: Tombstone[]
}

/**
 * `entries`: each index entry already encoded (FileIndex.snapshot());
 * `deleted`: the index's tombstones; `edited`: some entry carries `updated`.
 */
export async function encodeBackup (entries: readonly Uint8Array[], keys: MeshKeys, created = Date.now(), more: { deleted?: readonly Tombstone[], edited?: boolean } = {}): Promise<Uint8Array> {
  const deleted = more.deleted ?? []
  const v = deleted.length > 0 || more.edited === true ? BACKUP_VERSION : 1
  const fields = { v, owner: keys.signer.publicKey, created, ...(v > 1 ? { deleted: deleted.map(encodeTombstone) } : {}) }
  const plain = encodeWithEntries(fields, entries)
  const blob = encodeCbor({ v, e: await seal(keys.x25519Public, plain) })
  if (blob.byteLength > BACKUP_MAX_BYTES) throw new MalformedDataError(`The index is too large for one backup shard (${BACKUP_MAX_BYTES} bytes)`, { size: blob.byteLength })
  return blob
}

export async function decodeBackup (blob: Uint8Array, keys: MeshKeys): Promise<DecodedBackup> {
  const map = decodeCborMap(blob, BACKUP_MAX_BYTES, 'index backup')
  const outer = new RecordReader(map, 'index backup')
  const version = outer.version(map.v === 1 ? 1 : BACKUP_VERSION)
  const e = outer.bytes('e', { min: 1, max: BACKUP_MAX_BYTES })
  outer.done()
  const plain = await keys.open(e) // WrongKeyError when it was not sealed to this owner
  const r = new RecordReader(decodeCborMap(plain, INDEX_MAX_BYTES, 'index backup content'), 'index backup content')
  r.version(version)
  const owner = r.bytes('owner', 32)
  const created = r.int('created', 0, Number.MAX_SAFE_INTEGER)
  const deleted = version === 1 ? [] : decodeTombstones(r.array('deleted', INDEX_MAX_TOMBSTONES), 'index backup')
  const entries = (r.array('entries', 1_000_000) as unknown[]).map(x => decodeEntry(x, 'backup entry', version > 1))
  r.done()
  if (!equalBytes(owner, keys.signer.publicKey)) throw new MalformedDataError('This index backup belongs to another owner')
  return { created, entries, deleted }
}
