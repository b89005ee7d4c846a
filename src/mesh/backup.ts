/**
 * Index backups: the owner's index, encrypted to the owner, as one raw shard
 * in the mesh; and the DHT pointer to the latest one (src/net/index-record.ts).
 *
 * Backup shard, version 1 (dag-cbor), id = CIDv1(raw, BLAKE3-256 of the bytes):
 *   { v: 1, e: ECIES(owner X25519 public key, plain) }        (src/core/keys/ecies.ts)
 *   plain = dag-cbor { v: 1, owner: <Ed25519 public key>, created, entries: [index entry, ...] }
 * Index entries are those of ./index-store.ts (file keys inside are sealed
 * to the owner a second time). Only the owner's X25519 secret opens a
 * backup; only the owner's Ed25519 key can point the DHT record at one, so a
 * backup planted by someone else is never restored.
 */
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { equalBytes } from '../core/bytes.ts'
import { MalformedDataError } from '../core/errors.ts'
import { seal } from '../core/keys/ecies.ts'
import { DEFAULT_MAX_SHARD_SIZE } from '../net/protocol/constants.ts'
import { decodeEntry, encodeWithEntries, INDEX_MAX_BYTES } from './index-store.ts'
import type { IndexEntry, MeshKeys } from './types.ts'

export const BACKUP_VERSION = 1
/** A backup travels as one shard. */
export const BACKUP_MAX_BYTES = DEFAULT_MAX_SHARD_SIZE

/** `entries`: each index entry already encoded (FileIndex.encodedEntries()) */
export async function encodeBackup (entries: readonly Uint8Array[], keys: MeshKeys, created = Date.now()): Promise<Uint8Array> {
  const plain = encodeWithEntries({ v: BACKUP_VERSION, owner: keys.signer.publicKey, created }, entries)
  const blob = encodeCbor({ v: BACKUP_VERSION, e: await seal(keys.x25519Public, plain) })
  if (blob.byteLength > BACKUP_MAX_BYTES) throw new MalformedDataError(`The index is too large for one backup shard (${BACKUP_MAX_BYTES} bytes)`, { size: blob.byteLength })
  return blob
}

export async function decodeBackup (blob: Uint8Array, keys: MeshKeys): Promise<{ created: number, entries: IndexEntry[] }> {
  const outer = new RecordReader(decodeCborMap(blob, BACKUP_MAX_BYTES, 'index backup'), 'index backup')
  outer.version(BACKUP_VERSION)
  const e = outer.bytes('e', { min: 1, max: BACKUP_MAX_BYTES })
  outer.done()
  const plain = await keys.open(e) // WrongKeyError when it was not sealed to this owner
  const r = new RecordReader(decodeCborMap(plain, INDEX_MAX_BYTES, 'index backup content'), 'index backup content')
  r.version(BACKUP_VERSION)
  const owner = r.bytes('owner', 32)
  const created = r.int('created', 0, Number.MAX_SAFE_INTEGER)
  const entries = (r.array('entries', 1_000_000) as unknown[]).map(x => decodeEntry(x, 'backup entry'))
  r.done()
  if (!equalBytes(owner, keys.signer.publicKey)) throw new MalformedDataError('This index backup belongs to another owner')
  return { created, entries }
}
