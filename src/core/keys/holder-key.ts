/**
 * Per-holder owner keys: the owner signs what it asks of one holder (store,
 * store grant, delete) with an Ed25519 key of its own for that holder,
 * derived from the owner's signing key, so holders never see the owner's
 * public key and cannot tell, by key, that shards on two holders belong to
 * one owner. Quotas and signed deletes keep working: a holder sees the same
 * key from the same owner every time.
 *
 *   seed  = HKDF-SHA256(ikm  = the owner's Ed25519 secret key (the RFC 8032 32-byte seed),
 *                       salt = "" (RFC 5869 §2.2: HashLen zero bytes),
 *                       info = "datamesh/v1/holder-owner-key" || 0x00 || holder,
 *                       L    = 32)
 *   key   = the Ed25519 key pair of `seed` (RFC 8032 §5.1.5)
 *
 * `holder` is the holder's libp2p peer id as multihash bytes: the bytes the
 * store and delete signatures already bind. The 0 byte ends the domain
 * string, so no holder id can make the info of another purpose. The seed
 * is independent of the owner's key for any other holder or purpose (HKDF
 * is a PRF keyed by the secret); nobody without the owner's secret can
 * compute it or link the public keys.
 *
 * The secrets never leave their holder: the keystore derives inside its
 * unlocked session (session.ts) and re-derives the seed at each signature,
 * wiping it after, so a derived signer stops working once the keystore locks.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, wipe } from '../bytes.ts'
import { InvalidParametersError } from '../errors.ts'
import type { Signer } from '../signature.ts'
import { hkdfSha256 } from './hkdf.ts'

export const HOLDER_KEY_INFO = 'datamesh/v1/holder-owner-key'
/** longest holder id accepted: a peer id multihash is 34–38 bytes for the key types libp2p uses */
export const MAX_HOLDER_ID_BYTES = 128

const encoder = new TextEncoder()

/** The 32-byte Ed25519 seed of the owner's key for `holder`. The caller wipes it. */
export function deriveHolderSecretKey (ownerSecretKey: Uint8Array, holder: Uint8Array): Uint8Array {
  if (!(ownerSecretKey instanceof Uint8Array) || ownerSecretKey.byteLength !== 32) {
    throw new InvalidParametersError('The owner secret key is a 32-byte Ed25519 seed')
  }
  checkHolder(holder)
  return hkdfSha256(ownerSecretKey, new Uint8Array(0), concatBytes([encoder.encode(HOLDER_KEY_INFO), Uint8Array.of(0), holder]), 32)
}

/** The public key of the owner's key for `holder`. */
export function holderPublicKey (ownerSecretKey: Uint8Array, holder: Uint8Array): Uint8Array {
  const seed = deriveHolderSecretKey(ownerSecretKey, holder)
  try {
    return ed25519.getPublicKey(seed)
  } finally {
    wipe(seed)
  }
}

/**
 * A signer with the owner's key for `holder`. `secret` is asked for the
 * owner's secret key at every signature (so it may throw once locked); the
 * derived seed lives only for the one signature.
 */
export function holderSigner (secret: () => Uint8Array, holder: Uint8Array): Signer {
  const id = holder.slice()
  return {
    publicKey: holderPublicKey(secret(), id),
    sign: (message) => {
      const seed = deriveHolderSecretKey(secret(), id)
      try {
        return ed25519.sign(message, seed)
      } finally {
        wipe(seed)
      }
    }
  }
}

function checkHolder (holder: unknown): asserts holder is Uint8Array {
  if (!(holder instanceof Uint8Array) || holder.byteLength === 0 || holder.byteLength > MAX_HOLDER_ID_BYTES) {
    throw new InvalidParametersError(`A holder id is 1 to ${MAX_HOLDER_ID_BYTES} bytes (a peer id as multihash bytes)`)
  }
}
