/**
 * Content encryption: AES-256-GCM (WebCrypto) in segments, STREAM-style.
 *
 * A file has one random 256-bit file key. Sub-keys are derived from it with
 * HKDF-SHA256 (RFC 5869) under distinct `info` strings, so the content and
 * the manifest never share a key:
 *   contentKey  = HKDF(fileKey, salt = "", info = "datamesh/v1/content",  32)
 *   manifestKey = HKDF(fileKey, salt = "", info = "datamesh/v1/manifest", 32)
 *
 * Segment nonce (12 bytes, never reused under one content key):
 *   bytes 0..7   stripe index, unsigned 64-bit big-endian
 *   bytes 8..11  segment index within the stripe (31 bits, big-endian), with
 *                the top bit set on the very last segment of the file
 * A sealed segment is ciphertext || 16-byte tag. Binding position and the
 * final flag into the nonce means segments cannot be reordered, swapped
 * between stripes, or the file truncated, without authentication failing
 * (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, 2015).
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidParametersError, WrongKeyError } from './errors.ts'
import { asBufferSource, wipe } from './bytes.ts'

export const FILE_KEY_BYTES = 32
export const NONCE_BYTES = 12
export const TAG_BYTES = 16
const FINAL_FLAG = 0x8000_0000
const encoder = new TextEncoder()

export type SubKeyPurpose = 'content' | 'manifest'

export function randomFileKey (): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(FILE_KEY_BYTES))
}

/** Derive and import an AES-256-GCM key for one purpose from a file key. */
export async function deriveKey (fileKey: Uint8Array, purpose: SubKeyPurpose): Promise<CryptoKey> {
  if (fileKey.byteLength !== FILE_KEY_BYTES) throw new InvalidParametersError('A file key is 32 bytes', { length: fileKey.byteLength })
  const raw = hkdf(sha256, fileKey, new Uint8Array(0), encoder.encode(`datamesh/v1/${purpose}`), 32)
  try {
    return await crypto.subtle.importKey('raw', asBufferSource(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
  } finally {
    wipe(raw)
  }
}

export function segmentNonce (stripe: number, segment: number, final: boolean): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(stripe) || stripe < 0 || !Number.isInteger(segment) || segment < 0 || segment >= FINAL_FLAG) {
    throw new InvalidParametersError('Segment position out of range', { stripe, segment })
  }
  const nonce = new Uint8Array(NONCE_BYTES)
  const view = new DataView(nonce.buffer)
  view.setUint32(0, Math.floor(stripe / 2 ** 32))
  view.setUint32(4, stripe >>> 0)
  view.setUint32(8, (segment | (final ? FINAL_FLAG : 0)) >>> 0)
  return nonce
}

/** Number of segments a stripe of `plainLength` bytes is sealed in (at least one). */
export function segmentCount (plainLength: number, segmentSize: number): number {
  return Math.max(1, Math.ceil(plainLength / segmentSize))
}

export function sealedLength (plainLength: number, segmentSize: number): number {
  return plainLength + TAG_BYTES * segmentCount(plainLength, segmentSize)
}

/**
 * Seal one stripe's plaintext into `out` (which must hold sealedLength bytes).
 * Segments are encrypted concurrently; WebCrypto may run them off-thread.
 */
export async function sealStripe (key: CryptoKey, stripe: number, plain: Uint8Array, segmentSize: number, finalStripe: boolean, out: Uint8Array): Promise<void> {
  const n = segmentCount(plain.byteLength, segmentSize)
  const jobs = new Array<Promise<ArrayBuffer>>(n)
  for (let s = 0; s < n; s++) {
    const iv = segmentNonce(stripe, s, finalStripe && s === n - 1)
    const part = plain.subarray(s * segmentSize, (s + 1) * segmentSize)
    jobs[s] = crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, asBufferSource(part))
  }
  const sealed = await Promise.all(jobs)
  let offset = 0
  for (const c of sealed) {
    out.set(new Uint8Array(c), offset)
    offset += c.byteLength
  }
}

/** Open a sealed stripe (exactly sealedLength bytes) into `out` (plainLength bytes). */
export async function openStripe (key: CryptoKey, stripe: number, sealed: Uint8Array, segmentSize: number, finalStripe: boolean, out: Uint8Array): Promise<void> {
  const n = segmentCount(out.byteLength, segmentSize)
  if (sealed.byteLength !== out.byteLength + n * TAG_BYTES) {
    throw new InvalidParametersError('Sealed stripe has the wrong length', { sealed: sealed.byteLength, plain: out.byteLength })
  }
  const step = segmentSize + TAG_BYTES
  const jobs = new Array<Promise<ArrayBuffer>>(n)
  for (let s = 0; s < n; s++) {
    const iv = segmentNonce(stripe, s, finalStripe && s === n - 1)
    jobs[s] = crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, asBufferSource(sealed.subarray(s * step, (s + 1) * step)))
  }
  let plain: ArrayBuffer[]
  try {
    plain = await Promise.all(jobs)
  } catch (err) {
    throw new WrongKeyError('Could not decrypt: wrong key, or the data was altered', { stripe, cause: String(err) })
  }
  let offset = 0
  for (const p of plain) {
    out.set(new Uint8Array(p), offset)
    offset += p.byteLength
  }
}
