/**
 * File manifests: what a file is and where its bytes are.
 *
 * Plain manifest (dag-cbor, deterministic: sorted keys, minimal integers), version 2 (written):
 *   { v: 2, name, type, tags: [..], size, created, coding: {k, m, stripeSize, segmentSize},
 *     stripes: [ { s: [CID x (k+m)], h?: [peer id x (k+m)] } ] }
 * Version 1 (still read, no longer written) also had coding.leafSize and per
 * stripe r: [32 bytes x (k+m)], Merkle roots over each shard's leaves that
 * nothing checked: they are read, bounded and dropped. A shard is now audited
 * against its id alone (blake3-tree.ts), so the manifest needs no roots.
 * Signed payload (dag-cbor): { m: <plain manifest bytes>, o: <owner Ed25519 key>, s: <signature> }
 *   signature = Ed25519(owner, "datamesh/manifest/v1" || 0x00 || m)
 * Sealed manifest (dag-cbor), the bytes stored in the mesh (its own version, 1, for both plain versions):
 *   { v: 1, n: <12-byte random nonce>, c: AES-256-GCM(manifestKey, n, signed payload, aad = "datamesh/manifest/v1") }
 *   manifestKey = HKDF(fileKey, "datamesh/v1/manifest") (see aead.ts)
 * The file's key is the CIDv1 (dag-cbor, BLAKE3-256) of the sealed bytes.
 *
 * Signing inside the encryption keeps the owner's identity from holders,
 * while anyone with the file key can check who made the file. Holders only
 * see the sealed bytes' size.
 */
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { deriveKey, NONCE_BYTES } from './aead.ts'
import { asBufferSource, equalBytes } from './bytes.ts'
import { decodeCborMap, encodeCbor, RecordReader, type Fail } from './cbor.ts'
import { TamperedManifestError, WrongKeyError, InvalidParametersError } from './errors.ts'
import { blake3, BLAKE3_CODE, initBlake3, parseShardCid } from './hash.ts'
import { domainSeparated, verifySignature, type Signer } from './signature.ts'
import { codingParameters, stripeCount, type CodingParameters, type StripeRecord } from './stripe.ts'

/** the plain manifest version written; version 1 is still read */
export const MANIFEST_VERSION = 2
/** the sealed envelope's version, unchanged since version 1 of the plain manifest */
export const SEALED_MANIFEST_VERSION = 1
export const DAG_CBOR_CODEC = 0x71
/** Caps that bound what a parser will accept. 16 MiB of manifest covers files of several TiB. */
export const MANIFEST_LIMITS = Object.freeze({
  sealedBytes: 16 * 1024 * 1024,
  nameBytes: 1024,
  typeBytes: 255,
  tags: 64,
  tagBytes: 128,
  hintBytes: 128,
  stripes: 4 * 1024 * 1024
})
const DOMAIN = 'datamesh/manifest/v1'
const AAD = new TextEncoder().encode(DOMAIN)

export interface ManifestStripe extends StripeRecord {
  /** where each shard was placed when the file was stored (peer ids; '' = unknown) */
  hints?: string[]
}

export interface Manifest {
  name: string
  /** MIME type, '' when unknown */
  type: string
  tags: string[]
  /** plaintext bytes */
  size: number
  /** milliseconds since the epoch */
  created: number
  coding: CodingParameters
  stripes: ManifestStripe[]
}

export interface OpenedManifest {
  manifest: Manifest
  /** the owner's Ed25519 public key; the signature over the manifest was checked */
  owner: Uint8Array
  /** the file's key: CID of the sealed bytes */
  key: CID
}

/** The content id of sealed manifest bytes (the file's key). */
export function manifestCid (sealed: Uint8Array): CID {
  return CID.createV1(DAG_CBOR_CODEC, Digest.create(BLAKE3_CODE, blake3(sealed)))
}

/** Parse a file key string, accepting only CIDv1 dag-cbor over BLAKE3-256. */
export function parseFileKey (key: string | CID): CID {
  let cid: CID | null
  try {
    cid = typeof key === 'string' ? CID.parse(key) : CID.asCID(key)
  } catch {
    cid = null
  }
  if (cid == null || cid.version !== 1 || cid.code !== DAG_CBOR_CODEC || cid.multihash.code !== BLAKE3_CODE || cid.multihash.size !== 32) {
    throw new InvalidParametersError('Not a DataMesh file key', { key: String(key) })
  }
  return cid
}

export function encodeManifest (m: Manifest): Uint8Array {
  const c = codingParameters(m.coding)
  if (m.stripes.length !== stripeCount(m.size, c)) throw new InvalidParametersError('Stripe count does not match the file size', { size: m.size, stripes: m.stripes.length })
  return encodeCbor({
    v: MANIFEST_VERSION,
    name: m.name,
    type: m.type,
    tags: m.tags,
    size: m.size,
    created: m.created,
    coding: { k: c.k, m: c.m, stripeSize: c.stripeSize, segmentSize: c.segmentSize },
    stripes: m.stripes.map(s => s.hints === undefined ? { s: s.shards } : { s: s.shards, h: s.hints })
  })
}

const tampered: Fail = (message, details) => new TamperedManifestError(message, details)

/** Version 1's leaf sizes, as its coding parameters bounded them. */
const V1_LEAF_BYTES = Object.freeze({ min: 64, max: 1024 * 1024 })

/** Strictly parse plain manifest bytes (already authenticated). */
export function decodeManifest (bytes: Uint8Array, fail: Fail = tampered): Manifest {
  const L = MANIFEST_LIMITS
  const fields = decodeCborMap(bytes, L.sealedBytes, 'manifest', fail)
  const r = new RecordReader(fields, 'manifest', fail)
  const version = r.version(fields.v === 1 ? 1 : MANIFEST_VERSION)
  const name = r.string('name', L.nameBytes)
  const type = r.string('type', L.typeBytes)
  const tags = (r.array('tags', L.tags) as unknown[]).map(t => {
    if (typeof t !== 'string' || t.length === 0 || t.length > L.tagBytes) throw r.fail('tags must be non-empty short strings')
    return t
  })
  const size = r.int('size', 0, Number.MAX_SAFE_INTEGER)
  const created = r.int('created', 0, Number.MAX_SAFE_INTEGER)
  const cr = new RecordReader(r.map('coding'), 'manifest coding', fail)
  let coding: CodingParameters
  try {
    coding = codingParameters({ k: cr.int('k', 1, 64), m: cr.int('m', 1, 64), stripeSize: cr.int('stripeSize', 1, 2 ** 32), segmentSize: cr.int('segmentSize', 1, 2 ** 32) })
    if (version === 1) cr.int('leafSize', V1_LEAF_BYTES.min, V1_LEAF_BYTES.max)
  } catch (err) {
    if (err instanceof InvalidParametersError) throw fail('manifest: coding parameters out of range', err.details)
    throw err
  }
  cr.done()
  const total = coding.k + coding.m
  const rawStripes = r.array('stripes', L.stripes) as unknown[]
  if (rawStripes.length !== stripeCount(size, coding)) throw r.fail('stripe count does not match the size')
  const stripes = rawStripes.map((raw, i): ManifestStripe => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw r.fail(`stripe ${i} must be a map`)
    const sr = new RecordReader(raw as Record<string, unknown>, `manifest stripe ${i}`, fail)
    const shards = (sr.array('s', total) as unknown[]).map(c => {
      const cid = CID.asCID(c)
      if (cid == null) throw sr.fail('shard ids must be CIDs')
      try { return parseShardCid(cid) } catch { throw sr.fail('shard ids must be CIDv1 raw BLAKE3-256') }
    })
    if (version === 1) {
      const roots = sr.array('r', total) as unknown[]
      if (roots.length !== total || roots.some(b => !(b instanceof Uint8Array) || b.byteLength !== 32)) throw sr.fail(`must list ${total} roots of 32 bytes`)
    }
    const hints = sr.array('h', total, true)?.map(h => {
      if (typeof h !== 'string' || h.length > L.hintBytes) throw sr.fail('hints must be short strings')
      return h
    })
    if (shards.length !== total || (hints !== undefined && hints.length !== total)) throw sr.fail(`must list ${total} shards`)
    sr.done()
    return hints === undefined ? { shards } : { shards, hints }
  })
  r.done()
  return { name, type, tags, size, created, coding, stripes }
}

/** Encrypt and sign a manifest; returns the sealed bytes and the file's key. */
export async function sealManifest (manifest: Manifest, fileKey: Uint8Array, owner: Signer): Promise<{ key: CID, bytes: Uint8Array }> {
  await initBlake3()
  const m = encodeManifest(manifest)
  const s = await owner.sign(domainSeparated(DOMAIN, m))
  const payload = encodeCbor({ m, o: owner.publicKey, s })
  const n = crypto.getRandomValues(new Uint8Array(NONCE_BYTES))
  const key = await deriveKey(fileKey, 'manifest')
  const c = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: n, additionalData: AAD }, key, asBufferSource(payload)))
  const bytes = encodeCbor({ v: SEALED_MANIFEST_VERSION, n, c })
  return { key: manifestCid(bytes), bytes }
}

/**
 * Check, decrypt and verify sealed manifest bytes. With `expectedKey`, the
 * bytes must hash to it (TamperedManifestError otherwise). A wrong file key is
 * a WrongKeyError; a bad signature or structure a TamperedManifestError.
 */
export async function openManifest (bytes: Uint8Array, fileKey: Uint8Array, expectedKey?: CID | string): Promise<OpenedManifest> {
  await initBlake3()
  const key = manifestCid(bytes)
  if (expectedKey !== undefined && !equalBytes(parseFileKey(expectedKey).bytes, key.bytes)) {
    throw new TamperedManifestError('Manifest bytes do not match the file key', { expected: String(expectedKey), actual: key.toString() })
  }
  const outer = new RecordReader(decodeCborMap(bytes, MANIFEST_LIMITS.sealedBytes, 'sealed manifest'), 'sealed manifest')
  outer.version(SEALED_MANIFEST_VERSION)
  const n = outer.bytes('n', NONCE_BYTES)
  const c = outer.bytes('c', { min: 16, max: MANIFEST_LIMITS.sealedBytes })
  outer.done()
  const aes = await deriveKey(fileKey, 'manifest')
  let payload: Uint8Array
  try {
    payload = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: asBufferSource(n), additionalData: AAD }, aes, asBufferSource(c)))
  } catch {
    throw new WrongKeyError('Could not decrypt the manifest: wrong file key, or the manifest was altered', { key: key.toString() })
  }
  const inner = new RecordReader(decodeCborMap(payload, MANIFEST_LIMITS.sealedBytes, 'signed manifest', tampered), 'signed manifest', tampered)
  const m = inner.bytes('m')
  const o = inner.bytes('o', 32)
  const s = inner.bytes('s', 64)
  inner.done()
  if (!verifySignature(o, domainSeparated(DOMAIN, m), s)) throw new TamperedManifestError('Manifest signature does not verify', { key: key.toString() })
  return { manifest: decodeManifest(m), owner: o, key }
}
