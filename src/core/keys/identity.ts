/**
 * A DataMesh identity: an X25519 key pair (RFC 7748) to receive encrypted
 * keys (ECIES) and an Ed25519 key pair (RFC 8032) to sign. The two are
 * independent random keys; neither is derived from the other.
 *
 * Secret material layout when serialised (only ever inside a sealed blob):
 *   bytes 0..31   X25519 secret key
 *   bytes 32..63  Ed25519 secret key (the RFC 8032 32-byte seed)
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { InvalidParametersError, MalformedDataError } from '../errors.ts'
import { concatBytes, wipe } from '../bytes.ts'
import type { OwnerSigner } from '../signature.ts'
import { holderSigner } from './holder-key.ts'
import { repairSigner } from './repair-key.ts'

export const X25519_KEY_BYTES = 32
export const ED25519_SECRET_KEY_BYTES = 32
export const IDENTITY_SECRET_BYTES = X25519_KEY_BYTES + ED25519_SECRET_KEY_BYTES

export interface KeyPair {
  readonly publicKey: Uint8Array
  readonly secretKey: Uint8Array
}

export interface Identity {
  /** encryption (ECIES recipient) */
  readonly x25519: KeyPair
  /** signatures */
  readonly ed25519: KeyPair
}

/** The public half of an identity: safe to publish. */
export interface PublicIdentity {
  readonly x25519: Uint8Array
  readonly ed25519: Uint8Array
}

/** A fresh identity from the platform CSPRNG. */
export function generateIdentity (): Identity {
  const x = x25519.keygen()
  const e = ed25519.keygen()
  return { x25519: { publicKey: x.publicKey, secretKey: x.secretKey }, ed25519: { publicKey: e.publicKey, secretKey: e.secretKey } }
}

/** Rebuild an identity from its two 32-byte secret keys (copied). */
export function identityFromSecretKeys (x25519Secret: Uint8Array, ed25519Secret: Uint8Array): Identity {
  if (x25519Secret.byteLength !== X25519_KEY_BYTES || ed25519Secret.byteLength !== ED25519_SECRET_KEY_BYTES) {
    throw new InvalidParametersError('Identity secret keys are 32 bytes each', { x25519: x25519Secret.byteLength, ed25519: ed25519Secret.byteLength })
  }
  const xs = x25519Secret.slice()
  const es = ed25519Secret.slice()
  return {
    x25519: { publicKey: x25519.getPublicKey(xs), secretKey: xs },
    ed25519: { publicKey: ed25519.getPublicKey(es), secretKey: es }
  }
}

/** The 64-byte secret layout above. The caller wipes it. */
export function encodeIdentitySecrets (identity: Identity): Uint8Array {
  return concatBytes([identity.x25519.secretKey, identity.ed25519.secretKey])
}

/** Inverse of `encodeIdentitySecrets`; MalformedDataError on a wrong length. */
export function decodeIdentitySecrets (bytes: Uint8Array): Identity {
  if (bytes.byteLength !== IDENTITY_SECRET_BYTES) throw new MalformedDataError('Identity secrets are 64 bytes', { length: bytes.byteLength })
  return identityFromSecretKeys(bytes.subarray(0, X25519_KEY_BYTES), bytes.subarray(X25519_KEY_BYTES))
}

export function publicIdentity (identity: Identity): PublicIdentity {
  return { x25519: identity.x25519.publicKey.slice(), ed25519: identity.ed25519.publicKey.slice() }
}

/** A Signer over the identity's Ed25519 key (see signature.ts for domain separation), its per-holder keys and its per-file repair keys. */
export function signerFromIdentity (identity: Identity): OwnerSigner {
  const secretKey = identity.ed25519.secretKey
  return {
    publicKey: identity.ed25519.publicKey.slice(),
    sign: (message) => ed25519.sign(message, secretKey),
    forHolder: (holder) => holderSigner(() => secretKey, holder),
    forFile: (fileKeyCid) => repairSigner(() => secretKey, fileKeyCid)
  }
}

/** Zero both secret keys in place (best effort: JS may have copied them). */
export function wipeIdentity (identity: Identity): void {
  wipe(identity.x25519.secretKey, identity.ed25519.secretKey)
}
