/**
 * Per-holder owner keys (src/core/keys/holder-key.ts): frozen known-answer
 * vectors (cross-checked once against Node's own HKDF and Ed25519, and again
 * on random inputs by holder-key.node.test.ts), unlinkability between
 * holders, and the keystore's signer deriving inside its session.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { deriveHolderSecretKey, generateIdentity, holderPublicKey, HOLDER_KEY_INFO, signerFromIdentity } from '../../../src/core/keys/index.ts'
import { UnlockedIdentity } from '../../../src/core/keystore/session.ts'
import { signerFromSecretKey, verifySignature } from '../../../src/core/signature.ts'

const SEED = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
/** [holder (a peer id as multihash bytes), derived seed, derived public key] */
const VECTORS: ReadonlyArray<readonly [string, string, string]> = [
  ['0024080112201111111111111111111111111111111111111111111111111111111111111111',
    '56f1aa286083f3aa9256d8cce18842571d596343f6dfab1b4c1dc47d198bd756',
    'b6a36622396444406485f8fdc6f5336be7419a8ab9c5b6ee832fd7db9f7c59c7'],
  ['0024080112202222222222222222222222222222222222222222222222222222222222222222',
    '0aefa8477d37f82a244e408659271e35d27b3a61af792053b60c15d7ea5fe955',
    '31cdd0f21727b903d6fe5dec8e481f1cd51cbbf9cbe5e4792a5e203f7ff1672e'],
  ['00',
    '38dd8f33d2529163ce8faf7ca17c8ff278de5a348ea4850889ec24c5d9089089',
    'a0104d401cdf115e1b376873128104af3e96c7f6d2fd2ad4e53fcc6a95c4e352']
]

describe('per-holder owner keys', () => {
  it('match the frozen vectors', () => {
    expect(HOLDER_KEY_INFO).toBe('datamesh/v1/holder-owner-key')
    for (const [holder, seed, pub] of VECTORS) {
      expect(bytesToHex(deriveHolderSecretKey(SEED, hexToBytes(holder)))).toBe(seed)
      expect(bytesToHex(holderPublicKey(SEED, hexToBytes(holder)))).toBe(pub)
      expect(bytesToHex(signerFromSecretKey(SEED).forHolder(hexToBytes(holder)).publicKey)).toBe(pub)
    }
  })

  it('give two holders unrelated keys, neither of them the owner key', () => {
    const owner = signerFromSecretKey(SEED)
    const a = owner.forHolder(hexToBytes(VECTORS[0]![0]))
    const b = owner.forHolder(hexToBytes(VECTORS[1]![0]))
    expect(new Set([owner.publicKey, a.publicKey, b.publicKey].map(bytesToHex)).size).toBe(3)
    // each signs as itself only: a holder cannot check one key's signature under another
    const message = new TextEncoder().encode('store')
    const sig = a.sign(message) as Uint8Array
    expect(verifySignature(a.publicKey, message, sig)).toBe(true)
    expect(verifySignature(b.publicKey, message, sig)).toBe(false)
    expect(verifySignature(owner.publicKey, message, sig)).toBe(false)
    // the same holder always gets the same key (quotas and deletes keep working)
    expect(owner.forHolder(hexToBytes(VECTORS[0]![0])).publicKey).toEqual(a.publicKey)
  })

  it('differ for any two holders and any two owners (random inputs)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }),
      (s1, s2, h1, h2) => {
        const k = (s: Uint8Array, h: Uint8Array): string => bytesToHex(holderPublicKey(s, h))
        if (bytesToHex(h1) !== bytesToHex(h2)) expect(k(s1, h1)).not.toBe(k(s1, h2))
        if (bytesToHex(s1) !== bytesToHex(s2)) expect(k(s1, h1)).not.toBe(k(s2, h1))
      }), { numRuns: 50 })
  })

  it('refuse a bad owner secret or holder id with a typed error', () => {
    for (const [secret, holder] of [[new Uint8Array(31), new Uint8Array(1)], [SEED, new Uint8Array(0)], [SEED, new Uint8Array(129)]] as const) {
      expect(() => deriveHolderSecretKey(secret, holder)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    }
  })

  it('are derived the same by every signer, and the keystore\'s stop working once it locks', async () => {
    const identity = generateIdentity()
    const holder = hexToBytes(VECTORS[0]![0])
    const expected = holderPublicKey(identity.ed25519.secretKey, holder)
    expect(signerFromIdentity(identity).forHolder(holder).publicKey).toEqual(expected)
    const unlocked = new UnlockedIdentity('main', { x25519: { ...identity.x25519, secretKey: identity.x25519.secretKey.slice() }, ed25519: { ...identity.ed25519, secretKey: identity.ed25519.secretKey.slice() } })
    const derived = unlocked.signer.forHolder(holder)
    expect(derived.publicKey).toEqual(expected)
    const message = new Uint8Array([1, 2, 3])
    expect(verifySignature(expected, message, await derived.sign(message))).toBe(true)
    unlocked.wipe() // what locking the keystore does
    expect(() => derived.sign(message)).toThrow(expect.objectContaining({ name: 'LockedError' }))
    expect(() => unlocked.signer.forHolder(holder)).toThrow(expect.objectContaining({ name: 'LockedError' }))
  })
})
