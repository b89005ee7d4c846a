/**
 * Per-file repair keys (src/core/keys/repair-key.ts): frozen known-answer
 * vectors (made with Node's own HKDF and Ed25519, and checked again on random
 * inputs by repair-key.node.test.ts), unlinkability between files and to
 * the owner's other keys, and the keystore's signer deriving inside its session.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { deriveRepairSecretKey, fileRepairId, generateIdentity, holderPublicKey, repairPublicKey, REPAIR_ID_INFO, REPAIR_KEY_INFO, signerFromIdentity } from '../../../src/core/keys/index.ts'
import repairIds from '../../fixtures/formats/repair-id-v1.json'
import { UnlockedIdentity } from '../../../src/core/keystore/session.ts'
import { signerFromSecretKey, verifySignature } from '../../../src/core/signature.ts'

const SEED = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
/** [file key CID bytes, derived seed, derived public key] */
const VECTORS: ReadonlyArray<readonly [string, string, string]> = [
  ['01711e201111111111111111111111111111111111111111111111111111111111111111',
    'c07d1a252c6e29c51856d2c0db6b14bfabc1c961671a4b72f517c354583d0f73',
    'a15752829c18453b2671de16e4f7c1d7487bcaf893d8baddab475172696c3286'],
  ['01711e202222222222222222222222222222222222222222222222222222222222222222',
    '51b9076d36ac21c7ec44bc0fc497decbae0fd2f5b2505780232fabe438a9126b',
    '02e953813478467de0293e957b7b3caa785f6cb06da63314bea09e420ecf7e72'],
  ['00',
    'a827c9c779d9e8f7834ad4ab5bc55b67ff4bc2b6b16837b009fa24227fac9bee',
    'c25c846b19e95b9f53296496345bd811b45edaa7f3096db2f9c3b5d9ec1ca834']
]

describe('per-file repair keys', () => {
  it('are derived for the repair id of the file\'s secret key (frozen vectors, the id made by node:crypto)', () => {
    expect(REPAIR_ID_INFO).toBe(repairIds.info)
    const owner = signerFromSecretKey(hexToBytes(repairIds.ownerSeedHex))
    for (const v of repairIds.vectors) {
      const id = fileRepairId(hexToBytes(v.fileKeyHex))
      expect(bytesToHex(id)).toBe(v.repairIdHex)
      expect(bytesToHex(owner.forFile(id).publicKey)).toBe(v.repairPublicKeyHex)
    }
    // only a 32-byte file key: a file key CID (36 bytes) given by mistake is refused, not silently used
    expect(() => fileRepairId(new Uint8Array(36))).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
  })

  it('match the frozen vectors', () => {
    expect(REPAIR_KEY_INFO).toBe('datamesh/v1/repair-key')
    for (const [cid, seed, pub] of VECTORS) {
      expect(bytesToHex(deriveRepairSecretKey(SEED, hexToBytes(cid)))).toBe(seed)
      expect(bytesToHex(repairPublicKey(SEED, hexToBytes(cid)))).toBe(pub)
      // @noble/curves agrees the public key is the seed's
      expect(bytesToHex(ed25519.getPublicKey(hexToBytes(seed)))).toBe(pub)
      expect(bytesToHex(signerFromSecretKey(SEED).forFile(hexToBytes(cid)).publicKey)).toBe(pub)
    }
  })

  it('give two files unrelated keys, none of them the owner key or a holder key', () => {
    const owner = signerFromSecretKey(SEED)
    const a = owner.forFile(hexToBytes(VECTORS[0]![0]))
    const b = owner.forFile(hexToBytes(VECTORS[1]![0]))
    // the same bytes as a holder id give a different key: the info strings differ
    const holder = holderPublicKey(SEED, hexToBytes(VECTORS[0]![0]))
    expect(new Set([owner.publicKey, a.publicKey, b.publicKey, holder].map(bytesToHex)).size).toBe(4)
    const message = new TextEncoder().encode('capability')
    const sig = a.sign(message) as Uint8Array
    expect(verifySignature(a.publicKey, message, sig)).toBe(true)
    expect(verifySignature(b.publicKey, message, sig)).toBe(false)
    expect(verifySignature(owner.publicKey, message, sig)).toBe(false)
    expect(owner.forFile(hexToBytes(VECTORS[0]![0])).publicKey).toEqual(a.publicKey)
  })

  it('differ for any two files and any two owners (random inputs)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }),
      (s1, s2, f1, f2) => {
        const k = (s: Uint8Array, f: Uint8Array): string => bytesToHex(repairPublicKey(s, f))
        if (bytesToHex(f1) !== bytesToHex(f2)) expect(k(s1, f1)).not.toBe(k(s1, f2))
        if (bytesToHex(s1) !== bytesToHex(s2)) expect(k(s1, f1)).not.toBe(k(s2, f1))
      }), { numRuns: 50 })
  })

  it('refuse a bad owner secret or file key with a typed error', () => {
    for (const [secret, cid] of [[new Uint8Array(31), new Uint8Array(1)], [SEED, new Uint8Array(0)], [SEED, new Uint8Array(129)]] as const) {
      expect(() => deriveRepairSecretKey(secret, cid)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    }
  })

  it('are derived the same by every signer, and the keystore\'s stop working once it locks', async () => {
    const identity = generateIdentity()
    const cid = hexToBytes(VECTORS[0]![0])
    const expected = repairPublicKey(identity.ed25519.secretKey, cid)
    expect(signerFromIdentity(identity).forFile(cid).publicKey).toEqual(expected)
    const unlocked = new UnlockedIdentity('main', { x25519: { ...identity.x25519, secretKey: identity.x25519.secretKey.slice() }, ed25519: { ...identity.ed25519, secretKey: identity.ed25519.secretKey.slice() } })
    const derived = unlocked.signer.forFile(cid)
    expect(derived.publicKey).toEqual(expected)
    const message = new Uint8Array([1, 2, 3])
    expect(verifySignature(expected, message, await derived.sign(message))).toBe(true)
    unlocked.wipe()
    expect(() => derived.sign(message)).toThrow(expect.objectContaining({ name: 'LockedError' }))
    expect(() => unlocked.signer.forFile(cid)).toThrow(expect.objectContaining({ name: 'LockedError' }))
  })
})
