/**
 * Secrets sealed under a password: Argon2id (argon2.ts) derives a 256-bit
 * key, AES-256-GCM (WebCrypto) encrypts, the header is authenticated as AAD.
 *
 * Sealed blob, version 1 (offsets in bytes, integers big-endian):
 *   0    1    version = 0x01
 *   1    1    kdf     = 0x01  (Argon2id, RFC 9106 version 0x13)
 *   2    4    m, memory in KiB (uint32)
 *   6    1    t, iterations
 *   7    1    p, parallelism
 *   8    16   Argon2id salt
 *   24   12   AES-GCM nonce (random)
 *   36   n    AES-256-GCM ciphertext of the n-byte secret
 *   36+n 16   GCM tag
 *   AAD = bytes 0..36, then the caller's optional associated data.
 *
 * Several blobs may share one salt (and so one derived key), each with its
 * own random nonce: the keystore derives once per password and seals every
 * key record under it, so unlocking N keys costs one Argon2id run. Random
 * 96-bit nonces stay far below the 2^32-messages bound of SP 800-38D 8.3.
 *
 * A GCM failure under a password is reported as BadPasswordError: a wrong
 * password and altered bytes cannot be told apart, and neither changes
 * anything stored.
 */
import { BadPasswordError, MalformedDataError, UnsupportedVersionError, WrongKeyError } from '../errors.ts'
import { concatBytes, equalBytes, wipe, MiB } from '../bytes.ts'
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, gcmDecrypt, gcmEncrypt, importAesGcmKey } from '../keys/aes-gcm.ts'
import type { AbortOptions } from './vault.ts'
import { ARGON2_DEFAULT, ARGON2_SALT_BYTES, checkArgon2Params, checkArgon2ParamsWithin, checkStoredArgon2Params, deriveArgon2idKey, type Argon2Params } from './argon2.ts'

export const SEALED_VERSION = 1
export const KDF_ARGON2ID = 1
export const SEALED_HEADER_BYTES = 36
/** a sealed secret is small: a key record, or an export of many keys */
export const SEALED_MAX_BYTES = 4 * MiB

/** A key derived from a password, with what is needed to derive it again. */
export interface PasswordKey {
  readonly params: Argon2Params
  readonly salt: Uint8Array
  readonly key: CryptoKey
}

export interface SealedBlob {
  readonly params: Argon2Params
  readonly salt: Uint8Array
  readonly nonce: Uint8Array
  readonly header: Uint8Array
  readonly sealed: Uint8Array
}

/** Run Argon2id once; a fresh random salt unless one is given. */
export async function derivePasswordKey (password: string, params: Argon2Params = ARGON2_DEFAULT, salt?: Uint8Array, options?: AbortOptions): Promise<PasswordKey> {
  const checked = checkArgon2Params(params)
  const s = salt?.slice() ?? crypto.getRandomValues(new Uint8Array(ARGON2_SALT_BYTES))
  const raw = await deriveArgon2idKey(password, s, checked, options)
  try {
    return { params: checked, salt: s, key: await importAesGcmKey(raw) }
  } finally {
    wipe(raw)
  }
}

function encodeHeader (params: Argon2Params, salt: Uint8Array, nonce: Uint8Array): Uint8Array {
  const header = new Uint8Array(SEALED_HEADER_BYTES)
  const view = new DataView(header.buffer)
  header[0] = SEALED_VERSION
  header[1] = KDF_ARGON2ID
  view.setUint32(2, params.memoryKiB)
  header[6] = params.iterations
  header[7] = params.parallelism
  header.set(salt, 8)
  header.set(nonce, 24)
  return header
}

/** Strict parse; no decryption. */
export function parseSealedBlob (bytes: Uint8Array): SealedBlob {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 1) throw new MalformedDataError('Empty sealed blob')
  if (bytes[0] !== SEALED_VERSION) throw new UnsupportedVersionError('Unknown sealed blob version', { version: bytes[0] })
  if (bytes.byteLength < SEALED_HEADER_BYTES + GCM_TAG_BYTES) throw new MalformedDataError('Sealed blob too short', { length: bytes.byteLength })
  if (bytes.byteLength > SEALED_MAX_BYTES) throw new MalformedDataError('Sealed blob too large', { length: bytes.byteLength })
  if (bytes[1] !== KDF_ARGON2ID) throw new UnsupportedVersionError('Unknown key derivation function', { kdf: bytes[1] })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const params = checkStoredArgon2Params({ memoryKiB: view.getUint32(2), iterations: bytes[6] as number, parallelism: bytes[7] as number })
  return {
    params,
    salt: bytes.slice(8, 24),
    nonce: bytes.slice(24, SEALED_HEADER_BYTES),
    header: bytes.slice(0, SEALED_HEADER_BYTES),
    sealed: bytes.slice(SEALED_HEADER_BYTES)
  }
}

/** True when `blob` was sealed under a key derived with `key`'s salt and parameters. */
export function derivedAlike (key: PasswordKey, blob: SealedBlob): boolean {
  return equalBytes(key.salt, blob.salt) &&
    key.params.memoryKiB === blob.params.memoryKiB &&
    key.params.iterations === blob.params.iterations &&
    key.params.parallelism === blob.params.parallelism
}

function aad (header: Uint8Array, associatedData?: Uint8Array): Uint8Array {
  return associatedData === undefined ? header : concatBytes([header, associatedData])
}

export async function sealWithKey (key: PasswordKey, secret: Uint8Array, associatedData?: Uint8Array): Promise<Uint8Array> {
  if (secret.byteLength > SEALED_MAX_BYTES - SEALED_HEADER_BYTES - GCM_TAG_BYTES) {
    throw new MalformedDataError('Secret too large to seal', { length: secret.byteLength })
  }
  const nonce = crypto.getRandomValues(new Uint8Array(GCM_NONCE_BYTES))
  const header = encodeHeader(key.params, key.salt, nonce)
  return concatBytes([header, await gcmEncrypt(key.key, nonce, secret, aad(header, associatedData))])
}

/** Decrypt with an already derived key; BadPasswordError when it does not open. */
export async function openWithKey (key: PasswordKey, blob: SealedBlob | Uint8Array, associatedData?: Uint8Array): Promise<Uint8Array> {
  const parsed = blob instanceof Uint8Array ? parseSealedBlob(blob) : blob
  if (!derivedAlike(key, parsed)) throw new BadPasswordError('Sealed with a different password derivation')
  try {
    return await gcmDecrypt(key.key, parsed.nonce, parsed.sealed, aad(parsed.header, associatedData))
  } catch (err) {
    if (err instanceof WrongKeyError) throw new BadPasswordError()
    throw err
  }
}

/** Derive a key for the blob's recorded salt and parameters. */
export async function passwordKeyFor (password: string, blob: SealedBlob, options?: AbortOptions): Promise<PasswordKey> {
  return await derivePasswordKey(password, blob.params, blob.salt, options)
}

/** One-shot: derive with a fresh salt and seal. */
export async function sealWithPassword (password: string, secret: Uint8Array, options?: AbortOptions & { params?: Argon2Params, associatedData?: Uint8Array }): Promise<Uint8Array> {
  const key = await derivePasswordKey(password, options?.params ?? ARGON2_DEFAULT, undefined, options)
  return await sealWithKey(key, secret, options?.associatedData)
}

/**
 * One-shot: parse, derive with the recorded parameters, open. `maxParams`
 * bounds what the blob may ask for below the stored-data caps (checked
 * before any work: MalformedDataError with details.reason 'argon2-params').
 */
export async function openWithPassword (password: string, bytes: Uint8Array, options?: AbortOptions & { associatedData?: Uint8Array, maxParams?: Argon2Params }): Promise<Uint8Array> {
  const blob = parseSealedBlob(bytes)
  if (options?.maxParams !== undefined) checkArgon2ParamsWithin(blob.params, options.maxParams)
  const key = await passwordKeyFor(password, blob, options)
  return await openWithKey(key, blob, options?.associatedData)
}
