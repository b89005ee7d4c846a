/**
 * Per-file repair keys: the owner hands repairers a capability for one file
 * (../repair-cap.ts), signed by a key of that file alone, derived from the
 * owner's signing key, so repairers and holders never see the owner's public
 * key, cannot link two files of one owner by key, and a capability speaks
 * for one file only. Holders store re-created shards under this key (owner
 * and renewer label), so a listed repairer may later renew exactly those.
 *
 *   id    = HKDF-SHA256(ikm = the file's secret 32-byte key, salt = "",
 *                       info = "datamesh/v1/repair-id", L = 32)         (`fileRepairId`)
 *   seed  = HKDF-SHA256(ikm  = the owner's Ed25519 secret key (the RFC 8032 32-byte seed),
 *                       salt = "" (RFC 5869 §2.2: HashLen zero bytes),
 *                       info = "datamesh/v1/repair-key" || 0x00 || id,
 *                       L    = 32)
 *   key   = the Ed25519 key pair of `seed` (RFC 8032 §5.1.5)
 *
 * The repair id comes from the file's secret key, which exists before the
 * first shard leaves (the file key CID, its sealed manifest's id, exists
 * only after every stripe is placed, and changes when a one-stripe file's
 * holders differ from the plan): so every shard of a file, stripes and
 * manifest copies alike, is stored with the same renewer, the key that signs
 * the file's repair capability. The owner finds the file's key in its index
 * on every device; a share link's holder has it too but not the owner's
 * secret, so cannot make the repair key. The 0 byte ends the domain string,
 * so no id can make the info of another purpose (keys/holder-key.ts uses the
 * same construction with its own string). HKDF is a PRF keyed by the owner's
 * secret: nobody without it can compute a file's key or link two of them.
 * `deriveRepairSecretKey` takes any 1 to 128 id bytes (its frozen vectors
 * include CIDs); the mesh always passes `fileRepairId(fileKey)`.
 *
 * Like holder keys, the secret never leaves the keystore's session: a signer
 * re-derives the seed at each signature and wipes it after.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, wipe } from '../bytes.ts'
import { InvalidParametersError } from '../errors.ts'
import type { Signer } from '../signature.ts'
import { FILE_KEY_BYTES } from '../aead.ts'
import { hkdfSha256 } from './hkdf.ts'

export const REPAIR_KEY_INFO = 'datamesh/v1/repair-key'
/** HKDF info of a file's repair id, from its secret key */
export const REPAIR_ID_INFO = 'datamesh/v1/repair-id'
/** longest file key CID accepted: a CIDv1 with a 32-byte digest is 36 bytes; room for longer hashes, no more */
export const MAX_FILE_KEY_CID_BYTES = 128

const encoder = new TextEncoder()

/**
 * The repair id of the file whose secret key is `fileKey` (32 bytes): what
 * its repair key is derived for (see the module header). Reveals nothing of
 * the file key (HKDF is one-way), and only the owner turns it into a key.
 */
export function fileRepairId (fileKey: Uint8Array): Uint8Array {
  if (!(fileKey instanceof Uint8Array) || fileKey.byteLength !== FILE_KEY_BYTES) {
    throw new InvalidParametersError(`A file's secret key is ${FILE_KEY_BYTES} bytes`)
  }
  return hkdfSha256(fileKey, new Uint8Array(0), encoder.encode(REPAIR_ID_INFO), 32)
}

/** The 32-byte Ed25519 seed of the repair key of the file `fileKeyCid` (CID bytes). The caller wipes it. */
export function deriveRepairSecretKey (ownerSecretKey: Uint8Array, fileKeyCid: Uint8Array): Uint8Array {
  if (!(ownerSecretKey instanceof Uint8Array) || ownerSecretKey.byteLength !== 32) {
    throw new InvalidParametersError('The owner secret key is a 32-byte Ed25519 seed')
  }
  checkFileKeyCid(fileKeyCid)
  return hkdfSha256(ownerSecretKey, new Uint8Array(0), concatBytes([encoder.encode(REPAIR_KEY_INFO), Uint8Array.of(0), fileKeyCid]), 32)
}

/** The public key of the file's repair key (its repair identity). */
export function repairPublicKey (ownerSecretKey: Uint8Array, fileKeyCid: Uint8Array): Uint8Array {
  const seed = deriveRepairSecretKey(ownerSecretKey, fileKeyCid)
  try {
    return ed25519.getPublicKey(seed)
  } finally {
    wipe(seed)
  }
}

/**
 * A signer with the repair key of `fileKeyCid`. `secret` is asked for the
 * owner's secret key at every signature (so it may throw once locked); the
 * derived seed lives only for the one signature.
 */
export function repairSigner (secret: () => Uint8Array, fileKeyCid: Uint8Array): Signer {
  const cid = fileKeyCid.slice()
  return {
    publicKey: repairPublicKey(secret(), cid),
    sign: (message) => {
      const seed = deriveRepairSecretKey(secret(), cid)
      try {
        return ed25519.sign(message, seed)
      } finally {
        wipe(seed)
      }
    }
  }
}

function checkFileKeyCid (cid: unknown): asserts cid is Uint8Array {
  if (!(cid instanceof Uint8Array) || cid.byteLength === 0 || cid.byteLength > MAX_FILE_KEY_CID_BYTES) {
    throw new InvalidParametersError(`A file key CID is 1 to ${MAX_FILE_KEY_CID_BYTES} bytes (binary CID)`)
  }
}
