/**
 * Public identity as bytes and as a compact, copy-pasteable string.
 *
 * Bytes (65), version 1:
 *   byte  0       version = 0x01
 *   bytes 1..32   X25519 public key (RFC 7748 u-coordinate, little-endian)
 *   bytes 33..64  Ed25519 public key (RFC 8032 encoding)
 *
 * String: multibase base58btc ('z' prefix) of the 65 bytes followed by a
 * 4-byte checksum, the first 4 bytes of SHA-256 over the 65 bytes, so a
 * mistyped character is caught. About 95 characters long.
 *
 * The parser is strict: prefix, alphabet, canonical encoding (re-encoding
 * gives the same string), length, version, checksum, and an Ed25519 key that
 * is a valid point not of small order.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { base58btc } from 'multiformats/bases/base58'
import { MalformedDataError, UnsupportedVersionError } from '../errors.ts'
import { concatBytes, equalBytes } from '../bytes.ts'
import { X25519_KEY_BYTES, type PublicIdentity } from './identity.ts'

export const PUBLIC_IDENTITY_VERSION = 1
export const PUBLIC_IDENTITY_BYTES = 1 + 32 + 32
const CHECKSUM_BYTES = 4
/** generous bound on the string form, checked before decoding anything */
const MAX_STRING_LENGTH = 128

export function encodePublicIdentity (pub: PublicIdentity): Uint8Array {
  if (pub.x25519.byteLength !== X25519_KEY_BYTES || pub.ed25519.byteLength !== 32) {
    throw new MalformedDataError('Public keys are 32 bytes each')
  }
  return concatBytes([Uint8Array.of(PUBLIC_IDENTITY_VERSION), pub.x25519, pub.ed25519])
}

export function decodePublicIdentity (bytes: Uint8Array): PublicIdentity {
  if (bytes.byteLength < 1) throw new MalformedDataError('Empty public key')
  if (bytes[0] !== PUBLIC_IDENTITY_VERSION) throw new UnsupportedVersionError('Unknown public key version', { version: bytes[0] })
  if (bytes.byteLength !== PUBLIC_IDENTITY_BYTES) throw new MalformedDataError('A public key is 65 bytes', { length: bytes.byteLength })
  const ed = bytes.slice(33, 65)
  if (!isUsableEd25519PublicKey(ed)) throw new MalformedDataError('Not a valid Ed25519 public key')
  return { x25519: bytes.slice(1, 33), ed25519: ed }
}

function isUsableEd25519PublicKey (key: Uint8Array): boolean {
  try {
    return !ed25519.Point.fromBytes(key, false).isSmallOrder()
  } catch {
    return false
  }
}

function checksum (bytes: Uint8Array): Uint8Array {
  return sha256(bytes).subarray(0, CHECKSUM_BYTES)
}

/** `z...` string form of a public identity. */
export function formatPublicIdentity (pub: PublicIdentity): string {
  const bytes = encodePublicIdentity(pub)
  return base58btc.encode(concatBytes([bytes, checksum(bytes)]))
}

/** Strict inverse of `formatPublicIdentity`. */
export function parsePublicIdentity (text: string): PublicIdentity {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_STRING_LENGTH || !text.startsWith('z')) {
    throw new MalformedDataError('Not a DataMesh public key (expected a base58btc string starting with z)')
  }
  let raw: Uint8Array
  try {
    raw = base58btc.decode(text)
  } catch (err) {
    throw new MalformedDataError('Public key is not valid base58btc', { cause: String(err) })
  }
  if (base58btc.encode(raw) !== text) throw new MalformedDataError('Public key is not canonically encoded')
  if (raw.byteLength !== PUBLIC_IDENTITY_BYTES + CHECKSUM_BYTES) {
    if (raw.byteLength > 0 && raw[0] !== PUBLIC_IDENTITY_VERSION) throw new UnsupportedVersionError('Unknown public key version', { version: raw[0] })
    throw new MalformedDataError('Public key has the wrong length', { length: raw.byteLength })
  }
  const bytes = raw.subarray(0, PUBLIC_IDENTITY_BYTES)
  if (!equalBytes(checksum(bytes), raw.subarray(PUBLIC_IDENTITY_BYTES))) {
    throw new MalformedDataError('Public key checksum does not match (typo?)')
  }
  return decodePublicIdentity(bytes)
}

export function equalPublicIdentities (a: PublicIdentity, b: PublicIdentity): boolean {
  return equalBytes(a.x25519, b.x25519) && equalBytes(a.ed25519, b.ed25519)
}
