/**
 * Frozen sample: the per-holder owner keys (holder-key-v1.json) made by an
 * earlier build. From the owner's committed secret and a holder's peer id,
 * today's derivation gives the recorded seed and public key, by every path
 * an owner signs with (identity, raw secret key, unlocked keystore
 * session), so an owner keeps its quota and can still delete what it
 * stored. The recorded store, delete and grant signatures verify under the
 * recorded key, and today's signer makes the same bytes (Ed25519 signatures
 * are deterministic, RFC 8032 §5.1.6).
 */
import { describe, it, expect } from 'vitest'
import { deriveHolderSecretKey, holderPublicKey, HOLDER_KEY_INFO } from '../../../src/core/keys/holder-key.ts'
import { hkdfSha256 } from '../../../src/core/keys/hkdf.ts'
import { signerFromIdentity } from '../../../src/core/keys/identity.ts'
import { UnlockedIdentity } from '../../../src/core/keystore/session.ts'
import { signerFromSecretKey, verifySignature } from '../../../src/core/signature.ts'
import { fromHex, sampleIdentity, toHex } from '../../fixtures/formats/samples.ts'
import sample from '../../fixtures/formats/holder-key-v1.json'

const encoder = new TextEncoder()

describe('frozen per-holder owner keys (v1)', () => {
  it('the info string is the recorded one', () => {
    expect(HOLDER_KEY_INFO).toBe(sample.info)
  })

  it('owner secret + holder id give the recorded seed and public key (HKDF-SHA256, info || 0 || holder)', () => {
    for (const k of sample.keys) {
      const secret = sampleIdentity(k.owner).ed25519.secretKey
      const holder = fromHex(k.holderHex)
      expect(toHex(deriveHolderSecretKey(secret, holder)), `${k.owner} for ${k.holder}`).toBe(k.seedHex)
      expect(toHex(hkdfSha256(secret, new Uint8Array(0), new Uint8Array([...encoder.encode(sample.info), 0, ...holder]), 32))).toBe(k.seedHex)
      expect(toHex(holderPublicKey(secret, holder)), `${k.owner} for ${k.holder}`).toBe(k.publicKeyHex)
    }
  })

  it('every signer of an owner derives the recorded key for a holder', () => {
    for (const k of sample.keys) {
      const identity = sampleIdentity(k.owner)
      const holder = fromHex(k.holderHex)
      expect(toHex(signerFromIdentity(identity).forHolder(holder).publicKey)).toBe(k.publicKeyHex)
      expect(toHex(signerFromSecretKey(identity.ed25519.secretKey).forHolder(holder).publicKey)).toBe(k.publicKeyHex)
      const session = new UnlockedIdentity(k.owner, sampleIdentity(k.owner))
      expect(toHex(session.signer.forHolder(holder).publicKey)).toBe(k.publicKeyHex)
    }
  })

  it('the keys differ by holder and by owner, and none is the owner\'s own key', () => {
    const keys = new Set(sample.keys.map(k => k.publicKeyHex))
    expect(keys.size).toBe(sample.keys.length)
    for (const k of sample.keys) expect(k.publicKeyHex).not.toBe(toHex(sampleIdentity(k.owner).ed25519.publicKey))
  })

  it('the recorded store, delete and grant signatures verify under the recorded key, and today\'s signer makes them again', async () => {
    const { signed } = sample
    const key = sample.keys.find(k => k.owner === signed.owner && k.holder === signed.holder)
    expect(key?.publicKeyHex).toBe(signed.publicKeyHex)
    const owner = fromHex(signed.publicKeyHex)
    const signer = signerFromIdentity(sampleIdentity(signed.owner)).forHolder(fromHex(key?.holderHex ?? ''))
    for (const s of [signed.store, signed.delete, signed.grant]) {
      const preimage = fromHex(s.preimageHex)
      // every preimage starts with its domain and a 0 byte
      expect(toHex(preimage.subarray(0, s.domain.length + 1))).toBe(toHex(new Uint8Array([...encoder.encode(s.domain), 0])))
      expect(verifySignature(owner, preimage, fromHex(s.signatureHex)), s.domain).toBe(true)
      expect(verifySignature(sampleIdentity(signed.owner).ed25519.publicKey, preimage, fromHex(s.signatureHex)), `${s.domain} under the owner's own key`).toBe(false)
      expect(toHex(await signer.sign(preimage)), s.domain).toBe(s.signatureHex)
    }
  })
})
