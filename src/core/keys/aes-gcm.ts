/**
 * AES-256-GCM (NIST SP 800-38D) for small records through WebCrypto: a
 * 32-byte key, a 12-byte nonce, a 16-byte tag appended to the ciphertext.
 * Authentication failure is a WrongKeyError; callers that know better (a
 * password) translate it. Raw keys are imported non-extractable and never kept.
 */
import { InvalidParametersError, WrongKeyError } from '../errors.ts'
import { asBufferSource } from '../bytes.ts'

export const AES_KEY_BYTES = 32
export const GCM_NONCE_BYTES = 12
export const GCM_TAG_BYTES = 16

/** Import a raw 256-bit key as a non-extractable AES-GCM CryptoKey. */
export async function importAesGcmKey (raw: Uint8Array): Promise<CryptoKey> {
  if (raw.byteLength !== AES_KEY_BYTES) throw new InvalidParametersError('An AES-256 key is 32 bytes', { length: raw.byteLength })
  return await crypto.subtle.importKey('raw', asBufferSource(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
}

function params (nonce: Uint8Array, aad: Uint8Array): AesGcmParams {
  if (nonce.byteLength !== GCM_NONCE_BYTES) throw new InvalidParametersError('An AES-GCM nonce is 12 bytes', { length: nonce.byteLength })
  return { name: 'AES-GCM', iv: asBufferSource(nonce), additionalData: asBufferSource(aad), tagLength: GCM_TAG_BYTES * 8 }
}

/** ciphertext || tag */
export async function gcmEncrypt (key: CryptoKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.encrypt(params(nonce, aad), key, asBufferSource(plaintext)))
}

/** Plaintext, or WrongKeyError when the key is wrong or any byte was altered. */
export async function gcmDecrypt (key: CryptoKey, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  if (sealed.byteLength < GCM_TAG_BYTES) throw new WrongKeyError('Ciphertext is shorter than its tag')
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params(nonce, aad), key, asBufferSource(sealed)))
  } catch (err) {
    throw new WrongKeyError(undefined, { cause: String(err) })
  }
}
