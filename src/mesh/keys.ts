/**
 * MeshKeys from an unlocked identity (Node, tests, the CLI). The browser
 * builds its MeshKeys over the keystore session instead, so the X25519
 * secret never reaches the mesh layer; here it stays inside this closure.
 */
import { open, type Identity, signerFromIdentity } from '../core/keys/index.ts'
import type { MeshKeys } from './types.ts'

export function meshKeysFromIdentity (identity: Identity): MeshKeys {
  const secret = identity.x25519.secretKey
  return {
    signer: signerFromIdentity(identity),
    x25519Public: identity.x25519.publicKey.slice(),
    open: async (envelope, options) => await open(secret, envelope, options)
  }
}
