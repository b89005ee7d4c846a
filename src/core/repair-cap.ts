/**
 * Repair capabilities, version 1: what an owner gives the repairers of one
 * file so they can keep it whole while the owner is away. One home: the
 * type, the encoder, the strict parser and the verifier.
 *
 * Payload (dag-cbor map, deterministic: sorted keys, minimal integers):
 *
 *   { v: 1,
 *     key: <32 bytes: the file's repair key K_f, Ed25519 public (keys/repair-key.ts)>,
 *     seq: <int 0..2^53-1: a newer capability for the same key replaces an older one>,
 *     exp: <int, ms since the Unix epoch: useless after this>,
 *     k: <int>, m: <int>                     (k >= 1, m >= 1, k + m <= 64: erasure.ts)
 *     manifest: { id: <36 bytes: shard id of the sealed manifest>, size: <int 1..16 MiB>, copies: <int 1..16> },
 *     stripes: [{ size: <int 1..128 MiB: bytes of each shard>, ids: [<36 bytes: shard id> x (k + m)] } x 1..16,384],
 *     repairers: [<peer id as multihash bytes, 1..128 bytes> x 1..4, distinct] }
 *
 * Signature: Ed25519 (RFC 8032) by `key` over
 *   "datamesh/repair-cap/v1" || 0x00 || payload bytes
 * carried beside the payload (`{ bytes, sig }`), never inside it, so the
 * signed bytes are exactly the bytes on the wire. Shard ids are CIDv1
 * (raw, BLAKE3-256) in binary form: 0x01 0x55 0x1e 0x20 and the 32-byte
 * digest (hash.ts `parseShardCid` accepts exactly these).
 *
 * It carries nothing else: no read key, no file name, no owner key. A
 * repairer learns the file's shard ids and sizes, its coding and when the
 * capability ends; the bytes it may fetch are ciphertext.
 *
 * Caps, checked before anything grows with the input: at most
 * MAX_REPAIR_CAP_BYTES (4 MiB) and MAX_CAP_STRIPES stripes (16,384: 64 GiB
 * of file at the default 4 MiB stripes with 4 + 2 shards, whose stripes
 * take ~244 bytes each), at most MAX_CAP_REPAIRERS repairers. The structure
 * (items, arrays and maps, nesting, string lengths) is walked first
 * (cbor.ts), so a hostile 4 MiB input decodes to at most ~200,000 items. A
 * verifier also refuses a capability already expired or reaching more than
 * MAX_CAP_LIFETIME_MS (plus clock skew) into the future.
 *
 * Errors: MalformedDataError (not a capability), UnsupportedVersionError
 * (another version), NotAllowedError with reason 'bad-signature',
 * StaleRecordError with reason 'expired', NotAllowedError with reason
 * 'too-long' (an expiry beyond the lifetime cap).
 */
import { decodeCborMap, encodeCbor, RecordReader, type CborLimits } from './cbor.ts'
import { equalBytes, MiB } from './bytes.ts'
import { checkCodingParameters } from './erasure.ts'
import { InvalidParametersError, MalformedDataError, NotAllowedError, StaleRecordError } from './errors.ts'
import { BLAKE3_BYTES, BLAKE3_CODE, RAW_CODEC } from './hash.ts'
import { domainSeparated, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, verifySignature, type Signer } from './signature.ts'
import type { CID } from 'multiformats/cid'

const DAY_MS = 24 * 60 * 60 * 1000

export const REPAIR_CAP_VERSION = 1
export const REPAIR_CAP_DOMAIN = 'datamesh/repair-cap/v1'
/** largest encoded capability: a file of 64 GiB at 4 MiB stripes and 4 + 2 shards fits */
export const MAX_REPAIR_CAP_BYTES = 4 * MiB
/** most stripes one capability names (see the module header) */
export const MAX_CAP_STRIPES = 16_384
/** most repairers one capability lists: a file needs two (DURABILITY); more only cost holders checks */
export const MAX_CAP_REPAIRERS = 4
/** the longest a capability may run ahead of the verifier's clock: owners sign for 90 days */
export const MAX_CAP_LIFETIME_MS = 90 * DAY_MS
/** accepted clock difference between owner and verifier, either way */
export const CAP_CLOCK_SKEW_MS = DAY_MS
/** largest shard size a capability may state: a 64 MiB stripe (stripe.ts LIMITS) over k = 1, with room for its AEAD tags */
export const MAX_CAP_SHARD_BYTES = 128 * MiB
/** largest sealed manifest (manifest.ts caps it at 16 MiB) */
export const MAX_CAP_MANIFEST_BYTES = 16 * MiB
/** most manifest copies an owner keeps */
export const MAX_CAP_MANIFEST_COPIES = 16
/** longest peer id accepted, as multihash bytes (34–38 for the key types libp2p uses) */
export const MAX_REPAIRER_ID_BYTES = 128
/** a shard id in binary form: CIDv1, raw, BLAKE3-256 */
export const SHARD_ID_BYTES = 4 + BLAKE3_BYTES
const SHARD_ID_PREFIX = Uint8Array.of(1, RAW_CODEC, BLAKE3_CODE, BLAKE3_BYTES)
/** one id's smallest honest encoding: a 2-byte byte-string head and 36 bytes */
const ENCODED_ID_BYTES = 2 + SHARD_ID_BYTES

export interface RepairCapStripe {
  /** bytes of every shard of the stripe */
  size: number
  /** the k + m shard ids in shard order, binary (SHARD_ID_BYTES each) */
  ids: Uint8Array[]
}

export interface RepairCap {
  /** K_f: the file's repair key, Ed25519 public (32 bytes); it signs the capability */
  key: Uint8Array
  seq: number
  /** ms since the Unix epoch */
  exp: number
  k: number
  m: number
  manifest: { id: Uint8Array, size: number, copies: number }
  stripes: RepairCapStripe[]
  /** peer ids (multihash bytes) allowed to repair, in the owner's order */
  repairers: Uint8Array[]
}

/** A capability as it travels: the payload bytes and K_f's signature over them. */
export interface SignedRepairCap {
  bytes: Uint8Array
  sig: Uint8Array
}

/** Where a shard id sits in a capability: a stripe's shard, or the manifest (stripe -1). */
export interface CapShard {
  stripe: number
  index: number
  size: number
}

/** Byte and structure caps of a capability payload (see the module header). */
export const REPAIR_CAP_LIMITS: Readonly<CborLimits> = Object.freeze({
  maxBytes: MAX_REPAIR_CAP_BYTES,
  // top map (9 pairs), manifest (3 pairs), 4 per stripe map besides its ids, repairers, ids at their smallest honest size
  maxItems: 32 + 5 * MAX_CAP_STRIPES + MAX_CAP_REPAIRERS + Math.floor(MAX_REPAIR_CAP_BYTES / ENCODED_ID_BYTES),
  // top map, manifest, stripes, repairers, and a map and an ids list per stripe
  maxContainers: 4 + 2 * MAX_CAP_STRIPES,
  // map > stripes > stripe > ids > id
  maxDepth: 5,
  maxTextBytes: 16,
  maxByteStringBytes: MAX_REPAIRER_ID_BYTES
})

const fail = (message: string, details?: Record<string, unknown>): MalformedDataError => new MalformedDataError(message, details)

/** The bytes K_f signs: the domain, a 0 byte, the payload. */
export function repairCapPreimage (bytes: Uint8Array): Uint8Array {
  return domainSeparated(REPAIR_CAP_DOMAIN, bytes)
}

/** Encode a capability (checked as the parser would: InvalidParametersError otherwise). */
export function encodeRepairCap (cap: RepairCap): Uint8Array {
  const bytes = encodeCbor({
    v: REPAIR_CAP_VERSION,
    key: cap.key,
    seq: cap.seq,
    exp: cap.exp,
    k: cap.k,
    m: cap.m,
    manifest: { id: cap.manifest.id, size: cap.manifest.size, copies: cap.manifest.copies },
    stripes: cap.stripes.map(s => ({ size: s.size, ids: s.ids })),
    repairers: cap.repairers
  })
  try {
    parseRepairCap(bytes)
  } catch (err) {
    throw new InvalidParametersError(`Not a valid repair capability: ${(err as Error).message}`, { ...(err as MalformedDataError).details })
  }
  return bytes
}

/** Encode and sign with K_f (`signer` must be the capability's key). */
export async function signRepairCap (cap: RepairCap, signer: Signer): Promise<SignedRepairCap> {
  if (!equalBytes(signer.publicKey, cap.key)) throw new InvalidParametersError('A repair capability is signed by its own key (the file\'s repair key)')
  const bytes = encodeRepairCap(cap)
  return { bytes, sig: await signer.sign(repairCapPreimage(bytes)) }
}

/** Strictly parse capability payload bytes (not verified: see verifyRepairCap). */
export function parseRepairCap (bytes: Uint8Array): RepairCap {
  const what = 'repair capability'
  const r = new RecordReader(decodeCborMap(bytes, REPAIR_CAP_LIMITS, what, fail), what, fail)
  r.version(REPAIR_CAP_VERSION)
  const key = r.bytes('key', ED25519_PUBLIC_KEY_BYTES)
  const seq = r.int('seq', 0, Number.MAX_SAFE_INTEGER)
  const exp = r.int('exp', 0, Number.MAX_SAFE_INTEGER)
  const k = r.int('k', 1, 64)
  const m = r.int('m', 1, 64)
  try {
    checkCodingParameters(k, m)
  } catch {
    throw r.fail('k and m are out of range', { k, m })
  }
  const mr = new RecordReader(r.map('manifest'), `${what} manifest`, fail)
  const manifest = { id: shardId(mr, mr.bytes('id', SHARD_ID_BYTES)), size: mr.int('size', 1, MAX_CAP_MANIFEST_BYTES), copies: mr.int('copies', 1, MAX_CAP_MANIFEST_COPIES) }
  mr.done()
  const rawStripes = r.array('stripes', MAX_CAP_STRIPES) as unknown[]
  if (rawStripes.length === 0) throw r.fail('"stripes" must not be empty')
  const stripes = rawStripes.map((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Uint8Array) throw r.fail('"stripes" must hold maps', { stripe: i })
    const sr = new RecordReader(raw as Record<string, unknown>, `${what} stripe ${i}`, fail)
    const size = sr.int('size', 1, MAX_CAP_SHARD_BYTES)
    const ids = sr.array('ids', k + m) as unknown[]
    if (ids.length !== k + m) throw sr.fail(`"ids" must hold k + m = ${k + m} shard ids`)
    sr.done()
    return { size, ids: ids.map(id => shardId(sr, id)) }
  })
  const repairers = r.array('repairers', MAX_CAP_REPAIRERS) as unknown[]
  if (repairers.length === 0) throw r.fail('"repairers" must not be empty')
  for (const [i, peer] of repairers.entries()) {
    if (!(peer instanceof Uint8Array) || peer.byteLength === 0 || peer.byteLength > MAX_REPAIRER_ID_BYTES) {
      throw r.fail(`"repairers" must hold peer ids of 1 to ${MAX_REPAIRER_ID_BYTES} bytes`)
    }
    if (repairers.slice(0, i).some(p => equalBytes(p as Uint8Array, peer))) throw r.fail('"repairers" must be distinct')
  }
  r.done()
  return { key, seq, exp, k, m, manifest, stripes, repairers: repairers as Uint8Array[] }
}

export interface VerifyOptions {
  /** the verifier's clock, ms since the Unix epoch */
  now: number
}

/**
 * Parse, check K_f's signature and the expiry. NotAllowedError
 * ('bad-signature', 'too-long'), StaleRecordError ('expired'), or the
 * parser's errors.
 */
export function verifyRepairCap (signed: SignedRepairCap, { now }: VerifyOptions): RepairCap {
  if (!(signed.sig instanceof Uint8Array) || signed.sig.byteLength !== ED25519_SIGNATURE_BYTES) {
    throw new MalformedDataError('A repair capability signature is 64 bytes')
  }
  const cap = parseRepairCap(signed.bytes)
  if (!verifySignature(cap.key, repairCapPreimage(signed.bytes), signed.sig)) {
    throw new NotAllowedError('The repair capability is not signed by its key', { reason: 'bad-signature' })
  }
  if (cap.exp <= now) throw new StaleRecordError('The repair capability has expired', { reason: 'expired', exp: cap.exp, now })
  if (cap.exp > now + MAX_CAP_LIFETIME_MS + CAP_CLOCK_SKEW_MS) {
    throw new NotAllowedError('The repair capability reaches further ahead than a capability may', { reason: 'too-long', exp: cap.exp, now })
  }
  return cap
}

/** Where `id` (a shard CID) sits in `cap`, or undefined. Scans the ids: no index is kept per capability. */
export function findCapShard (cap: RepairCap, id: CID | Uint8Array): CapShard | undefined {
  const bytes = id instanceof Uint8Array ? id : id.bytes
  if (bytes.byteLength !== SHARD_ID_BYTES) return undefined
  if (sameId(cap.manifest.id, bytes)) return { stripe: -1, index: 0, size: cap.manifest.size }
  for (let stripe = 0; stripe < cap.stripes.length; stripe++) {
    const s = cap.stripes[stripe] as RepairCapStripe
    for (let index = 0; index < s.ids.length; index++) {
      if (sameId(s.ids[index] as Uint8Array, bytes)) return { stripe, index, size: s.size }
    }
  }
  return undefined
}

/** Equality of two public shard ids of SHARD_ID_BYTES, digest end first: most pairs differ at the first byte looked at. */
function sameId (a: Uint8Array, b: Uint8Array): boolean {
  for (let i = SHARD_ID_BYTES - 1; i >= 0; i--) if (a[i] !== b[i]) return false
  return true
}

/** Whether `peer` (multihash bytes) is one of the capability's repairers. */
export function isRepairer (cap: RepairCap, peer: Uint8Array): boolean {
  return cap.repairers.some(p => equalBytes(p, peer))
}

/** A binary shard id: exactly the bytes parseShardCid accepts (CIDv1, raw, BLAKE3-256). */
function shardId (r: RecordReader, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength !== SHARD_ID_BYTES || value[0] !== SHARD_ID_PREFIX[0] || value[1] !== SHARD_ID_PREFIX[1] ||
    value[2] !== SHARD_ID_PREFIX[2] || value[3] !== SHARD_ID_PREFIX[3]) {
    throw r.fail('shard ids must be CIDv1 (raw, BLAKE3-256) bytes')
  }
  return value
}
