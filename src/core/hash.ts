/**
 * BLAKE3-256 (hash-wasm) and shard content ids.
 *
 * A shard id is a CIDv1 with the `raw` codec (0x55) over a BLAKE3-256
 * multihash (code 0x1e, 32-byte digest), written in base32 (`b...`).
 * Every holder and reader recomputes the hash, so ids are self-verifying.
 */
import { createBLAKE3, type IHasher } from 'hash-wasm'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { MalformedDataError } from './errors.ts'
import { equalBytes } from './bytes.ts'

export const RAW_CODEC = 0x55
export const BLAKE3_CODE = 0x1e
export const BLAKE3_BYTES = 32

let hasherPromise: Promise<IHasher> | undefined
let hasher: IHasher | undefined

/** Load the BLAKE3 wasm once per thread; afterwards hashing is synchronous. */
export async function initBlake3 (): Promise<IHasher> {
  hasherPromise ??= createBLAKE3(256).then(h => { hasher = h; return h })
  return await hasherPromise
}

function ready (): IHasher {
  if (hasher === undefined) throw new Error('initBlake3() must be awaited before hashing')
  return hasher
}

/** BLAKE3-256 of the concatenation of `parts`. Call `initBlake3()` first. */
export function blake3 (...parts: Uint8Array[]): Uint8Array {
  const h = ready()
  h.init()
  for (const p of parts) h.update(p)
  return h.digest('binary')
}

/** CIDv1(raw, blake3-256) of `bytes`. Call `initBlake3()` first. */
export function shardCid (bytes: Uint8Array): CID {
  return cidFromDigest(blake3(bytes))
}

export function cidFromDigest (digest: Uint8Array): CID {
  return CID.createV1(RAW_CODEC, Digest.create(BLAKE3_CODE, digest))
}

/** Parse a shard id (string or CID bytes), accepting only CIDv1 raw blake3-256. */
export function parseShardCid (id: string | Uint8Array | CID): CID {
  let cid: CID
  try {
    const parsed = typeof id === 'string' ? CID.parse(id) : id instanceof Uint8Array ? CID.decode(id) : CID.asCID(id)
    if (parsed == null) throw new Error('not a CID')
    cid = parsed as CID
  } catch (err) {
    throw new MalformedDataError('Not a valid shard id', { id: String(id), cause: String(err) })
  }
  if (cid.version !== 1 || cid.code !== RAW_CODEC || cid.multihash.code !== BLAKE3_CODE || cid.multihash.size !== BLAKE3_BYTES) {
    throw new MalformedDataError('Shard id must be a CIDv1 (raw) over a BLAKE3-256 hash', { id: cid.toString() })
  }
  return cid
}

/** True when `bytes` hash to `cid`. */
export function matchesCid (cid: CID, bytes: Uint8Array): boolean {
  return equalBytes(cid.multihash.digest, blake3(bytes))
}
