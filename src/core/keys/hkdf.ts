/**
 * HKDF-SHA256 (RFC 5869) through @noble/hashes: the one key-derivation call
 * path used by ECIES, so it can be checked against the RFC's vectors.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidParametersError } from '../errors.ts'

/** RFC 5869 section 2.3: L <= 255 * HashLen */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32

/** HKDF-Extract then HKDF-Expand with SHA-256; `length` output bytes. */
export function hkdfSha256 (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new InvalidParametersError('HKDF-SHA256 output length must be 1..8160 bytes', { length })
  }
  return hkdf(sha256, ikm, salt, info, length)
}
