/**
 * BLAKE3-256 and shard content ids.
 *
 * BLAKE3 comes from blake3-jit (4-way WebAssembly SIMD for inputs of 4 KiB
 * and more, plain JS below): measured 1.5-2x faster than hash-wasm's BLAKE3
 * in Chromium and ~1.3x in Node on this project's machines (see
 * docs/ARCHITECTURE.md). The tests cross-check it against hash-wasm and the
 * official test vectors.
 *
 * A shard id is a CIDv1 with the `raw` codec (0x55) over a BLAKE3-256
 * multihash (code 0x1e, 32-byte digest), written in base32 (`b...`).
 * Every holder and reader recomputes the hash, so ids are self-verifying.
 */
import { hash as blake3Hash, warmupSimd } from 'blake3-jit'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { MalformedDataError } from './errors.ts'
import { equalBytes } from './bytes.ts'

export const RAW_CODEC = 0x55
export const BLAKE3_CODE = 0x1e
export const BLAKE3_BYTES = 32

let simd: boolean | undefined

/** Prepare BLAKE3 (compiles the SIMD kernel once per thread); hashing is synchronous. */
export async function initBlake3 (): Promise<boolean> {
  simd ??= warmupSimd()
  return simd
}

let scratch = new Uint8Array(8192)

/** BLAKE3-256 of the concatenation of `parts`. */
export function blake3 (...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return blake3Hash(parts[0] as Uint8Array)
  // small multi-part inputs (domain-separated derivations): one contiguous copy keeps the one-shot SIMD path
  let length = 0
  for (const p of parts) length += p.byteLength
  if (length > scratch.byteLength) scratch = new Uint8Array(Math.max(length, 2 * scratch.byteLength))
  let offset = 0
  for (const p of parts) { scratch.set(p, offset); offset += p.byteLength }
  return blake3Hash(scratch.subarray(0, length))
}

/** CIDv1(raw, blake3-256) of `bytes`. */
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
