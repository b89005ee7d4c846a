/**
 * ECIES: encrypt to an X25519 public key (RFC 7748) with an ephemeral key,
 * HKDF-SHA256 (RFC 5869) and AES-256-GCM (NIST SP 800-38D). Used to wrap
 * file keys and other small secrets to an owner or a recipient.
 *
 * Envelope, version 1 (all offsets in bytes):
 *   0       1    version = 0x01
 *   1       1    suite   = 0x01  (X25519 + HKDF-SHA256 + AES-256-GCM)
 *   2       32   ephemeral X25519 public key E
 *   34      n    AES-256-GCM ciphertext of the n-byte plaintext
 *   34+n    16   GCM tag
 * Minimum length 50 (empty plaintext).
 *
 *   shared     = X25519(e, R)                 rejected when all zero (low-order R or E)
 *   okm        = HKDF-SHA256(ikm = shared, salt = E || R,
 *                            info = "datamesh/v1/ecies/x25519-hkdf-sha256-aes256gcm", L = 44)
 *   key, nonce = okm[0..32], okm[32..44]
 *   AAD        = envelope bytes 0..34 (the header), followed by the caller's
 *                optional associated data (not stored in the envelope)
 *
 * A fresh ephemeral key per envelope makes the derived key and nonce unique,
 * so the deterministic nonce is safe. Binding E and R into the salt ties the
 * key to both parties (no key-compromise or re-targeting games).
 *
 * Errors when opening: altered bytes or a wrong key -> WrongKeyError; too
 * short or a low-order ephemeral key -> MalformedDataError; unknown version
 * or suite -> UnsupportedVersionError.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { InvalidParametersError, MalformedDataError, UnsupportedVersionError } from '../errors.ts'
import { concatBytes, wipe } from '../bytes.ts'
import { hkdfSha256 } from './hkdf.ts'
import { AES_KEY_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES, gcmDecrypt, gcmEncrypt, importAesGcmKey } from './aes-gcm.ts'
import { X25519_KEY_BYTES } from './identity.ts'

export const ECIES_VERSION = 1
export const ECIES_SUITE_X25519_HKDF_SHA256_AES256GCM = 1
export const ECIES_HEADER_BYTES = 2 + X25519_KEY_BYTES
export const ECIES_OVERHEAD = ECIES_HEADER_BYTES + GCM_TAG_BYTES
export const ECIES_INFO = 'datamesh/v1/ecies/x25519-hkdf-sha256-aes256gcm'

const info = new TextEncoder().encode(ECIES_INFO)

export interface EciesOptions {
  /** extra authenticated context (e.g. a manifest id) that must match on open */
  associatedData?: Uint8Array
}

function isAllZero (bytes: Uint8Array): boolean {
  let acc = 0
  for (let i = 0; i < bytes.byteLength; i++) acc |= bytes[i] as number
  return acc === 0
}

/** X25519 that never returns the all-zero secret; undefined for a low-order point. */
function sharedSecret (secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined {
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey)
  } catch {
    return undefined // @noble/curves refuses the all-zero result itself
  }
  if (isAllZero(shared)) return undefined
  return shared
}

async function deriveAead (shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Promise<{ key: CryptoKey, nonce: Uint8Array }> {
  const okm = hkdfSha256(shared, concatBytes([ephemeralPublic, recipientPublic]), info, AES_KEY_BYTES + GCM_NONCE_BYTES)
  try {
    return { key: await importAesGcmKey(okm.subarray(0, AES_KEY_BYTES)), nonce: okm.slice(AES_KEY_BYTES) }
  } finally {
    wipe(okm, shared)
  }
}

function aadOf (header: Uint8Array, options?: EciesOptions): Uint8Array {
  return options?.associatedData === undefined ? header : concatBytes([header, options.associatedData])
}

/** Encrypt `plaintext` so that only the holder of `recipientPublicKey`'s secret can read it. */
export async function seal (recipientPublicKey: Uint8Array, plaintext: Uint8Array, options?: EciesOptions): Promise<Uint8Array> {
  if (recipientPublicKey.byteLength !== X25519_KEY_BYTES) {
    throw new InvalidParametersError('An X25519 public key is 32 bytes', { length: recipientPublicKey.byteLength })
  }
  const ephemeral = x25519.keygen()
  const shared = sharedSecret(ephemeral.secretKey, recipientPublicKey)
  wipe(ephemeral.secretKey)
  if (shared === undefined) throw new InvalidParametersError('Recipient public key is a low-order point')
  const header = concatBytes([Uint8Array.of(ECIES_VERSION, ECIES_SUITE_X25519_HKDF_SHA256_AES256GCM), ephemeral.publicKey])
  const { key, nonce } = await deriveAead(shared, ephemeral.publicKey, recipientPublicKey)
  const sealed = await gcmEncrypt(key, nonce, plaintext, aadOf(header, options))
  return concatBytes([header, sealed])
}

/** Check version, suite and length without decrypting. */
export function parseEnvelope (envelope: Uint8Array): { ephemeralPublicKey: Uint8Array, header: Uint8Array, sealed: Uint8Array } {
  if (!(envelope instanceof Uint8Array)) throw new MalformedDataError('An envelope is a Uint8Array')
  if (envelope.byteLength < 1) throw new MalformedDataError('Empty envelope')
  if (envelope[0] !== ECIES_VERSION) throw new UnsupportedVersionError('Unknown envelope version', { version: envelope[0] })
  if (envelope.byteLength < 2) throw new MalformedDataError('Envelope too short', { length: envelope.byteLength })
  if (envelope[1] !== ECIES_SUITE_X25519_HKDF_SHA256_AES256GCM) throw new UnsupportedVersionError('Unknown envelope cipher suite', { suite: envelope[1] })
  if (envelope.byteLength < ECIES_OVERHEAD) throw new MalformedDataError('Envelope too short', { length: envelope.byteLength, minimum: ECIES_OVERHEAD })
  return {
    header: envelope.subarray(0, ECIES_HEADER_BYTES),
    ephemeralPublicKey: envelope.subarray(2, ECIES_HEADER_BYTES),
    sealed: envelope.subarray(ECIES_HEADER_BYTES)
  }
}

/** Decrypt an envelope with the recipient's X25519 secret key. */
export async function open (recipientSecretKey: Uint8Array, envelope: Uint8Array, options?: EciesOptions): Promise<Uint8Array> {
  if (recipientSecretKey.byteLength !== X25519_KEY_BYTES) {
    throw new InvalidParametersError('An X25519 secret key is 32 bytes', { length: recipientSecretKey.byteLength })
  }
  const { header, ephemeralPublicKey, sealed } = parseEnvelope(envelope)
  const shared = sharedSecret(recipientSecretKey, ephemeralPublicKey)
  if (shared === undefined) throw new MalformedDataError('Envelope ephemeral key is a low-order point')
  const { key, nonce } = await deriveAead(shared, ephemeralPublicKey, x25519.getPublicKey(recipientSecretKey))
  return await gcmDecrypt(key, nonce, sealed, aadOf(header, options))
}
