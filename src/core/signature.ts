/**
 * Ed25519 signatures (RFC 8032) through @noble/curves.
 *
 * Anything that signs for an owner (manifests, store and delete requests,
 * votes) takes a `Signer`, so the secret key can stay inside the keystore.
 * Every signed message starts with a domain string naming its purpose and
 * version, so a signature made for one purpose is never valid for another.
 * An owner's signer also derives the key it uses with one holder
 * (`OwnerSigner.forHolder`, keys/holder-key.ts), so holders never see the
 * owner's own public key, and the key of each file's repair capabilities
 * (`OwnerSigner.forFile`, keys/repair-key.ts).
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes } from './bytes.ts'
import { holderSigner } from './keys/holder-key.ts'
import { repairSigner } from './keys/repair-key.ts'

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64

export interface Signer {
  /** Ed25519 public key, 32 bytes */
  readonly publicKey: Uint8Array
  sign: (message: Uint8Array) => Promise<Uint8Array> | Uint8Array
}

/** An owner's signer: its own key, and the key it uses with each holder. */
export interface OwnerSigner extends Signer {
  /**
   * The owner's key for one holder (`holder`: the holder's peer id as
   * multihash bytes), derived from this signer's secret (keys/holder-key.ts).
   * It signs what the owner asks of that holder: stores, store grants and
   * deletes.
   */
  forHolder: (holder: Uint8Array) => Signer
  /**
   * The repair key of one file (`fileKeyCid`: its file key as binary CID
   * bytes), derived from this signer's secret (keys/repair-key.ts). It signs
   * the file's repair capabilities (repair-cap.ts) and their releases.
   */
  forFile: (fileKeyCid: Uint8Array) => Signer
}

const encoder = new TextEncoder()

/** `domain` as UTF-8 followed by a 0 byte, then `message`. */
export function domainSeparated (domain: string, message: Uint8Array): Uint8Array {
  return concatBytes([encoder.encode(domain), Uint8Array.of(0), message])
}

/** A signer over a raw 32-byte Ed25519 secret key (tests and the keystore). */
export function signerFromSecretKey (secretKey: Uint8Array): OwnerSigner {
  const publicKey = ed25519.getPublicKey(secretKey)
  return { publicKey, sign: (message) => ed25519.sign(message, secretKey), forHolder: (holder) => holderSigner(() => secretKey, holder), forFile: (cid) => repairSigner(() => secretKey, cid) }
}

/** Strict verification (RFC 8032, no malleable encodings); false on any bad input. */
export function verifySignature (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES || signature.byteLength !== ED25519_SIGNATURE_BYTES) return false
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}
