import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { base58btc } from 'multiformats/bases/base58'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  generateIdentity, identityFromSecretKeys, signerFromIdentity, publicIdentity, wipeIdentity,
  encodeIdentitySecrets, decodeIdentitySecrets, formatPublicIdentity, parsePublicIdentity,
  encodePublicIdentity, decodePublicIdentity, equalPublicIdentities
} from '../../../src/core/keys/index.ts'
import { verifySignature, domainSeparated } from '../../../src/core/signature.ts'
import { DataMeshError } from '../../../src/core/errors.ts'

// RFC 8032 section 7.1, TEST 1 (empty message)
const RFC8032_SECRET = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'
const RFC8032_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'
const RFC8032_SIG = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
// RFC 7748 section 6.1, Alice
const ALICE_SECRET = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'

function expectTyped (fn: () => unknown, name?: string): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(DataMeshError)
    if (name !== undefined) expect((err as Error).name).toBe(name)
    return
  }
  throw new Error('expected a typed error')
}

describe('identity', () => {
  it('derives the RFC 7748 and RFC 8032 public keys and signature', async () => {
    const id = identityFromSecretKeys(hexToBytes(ALICE_SECRET), hexToBytes(RFC8032_SECRET))
    expect(bytesToHex(id.x25519.publicKey)).toBe(ALICE_PUBLIC)
    expect(bytesToHex(id.ed25519.publicKey)).toBe(RFC8032_PUBLIC)
    const sig = await signerFromIdentity(id).sign(new Uint8Array(0))
    expect(bytesToHex(sig)).toBe(RFC8032_SIG)
  })

  it('generates distinct identities whose signer verifies', async () => {
    const a = generateIdentity()
    const b = generateIdentity()
    expect(bytesToHex(a.x25519.secretKey)).not.toBe(bytesToHex(b.x25519.secretKey))
    expect(bytesToHex(a.x25519.secretKey)).not.toBe(bytesToHex(a.ed25519.secretKey))
    const signer = signerFromIdentity(a)
    const msg = domainSeparated('datamesh/test/v1', new TextEncoder().encode('hello'))
    const sig = await signer.sign(msg)
    expect(verifySignature(signer.publicKey, msg, sig)).toBe(true)
    expect(verifySignature(b.ed25519.publicKey, msg, sig)).toBe(false)
  })

  it('serialises secrets as 64 bytes and back', () => {
    const a = generateIdentity()
    const bytes = encodeIdentitySecrets(a)
    expect(bytes.byteLength).toBe(64)
    const b = decodeIdentitySecrets(bytes)
    expect(equalPublicIdentities(publicIdentity(a), publicIdentity(b))).toBe(true)
    expectTyped(() => decodeIdentitySecrets(bytes.subarray(1)), 'MalformedDataError')
    expectTyped(() => identityFromSecretKeys(new Uint8Array(31), new Uint8Array(32)), 'InvalidParametersError')
  })

  it('wipes secrets in place', () => {
    const a = generateIdentity()
    wipeIdentity(a)
    expect(a.x25519.secretKey.every(b => b === 0) && a.ed25519.secretKey.every(b => b === 0)).toBe(true)
  })
})

describe('public key string', () => {
  it('round-trips and is compact', () => {
    for (let i = 0; i < 20; i++) {
      const pub = publicIdentity(generateIdentity())
      const s = formatPublicIdentity(pub)
      expect(s).toMatch(/^z[1-9A-HJ-NP-Za-km-z]{93,95}$/)
      expect(equalPublicIdentities(parsePublicIdentity(s), pub)).toBe(true)
      expect(equalPublicIdentities(decodePublicIdentity(encodePublicIdentity(pub)), pub)).toBe(true)
    }
  })

  it('refuses every single-character change and every truncation', () => {
    const s = formatPublicIdentity(publicIdentity(generateIdentity()))
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
    for (let i = 0; i < s.length; i++) {
      const c = s[i] === '2' ? '3' : '2'
      expectTyped(() => parsePublicIdentity(s.slice(0, i) + c + s.slice(i + 1)))
      expectTyped(() => parsePublicIdentity(s.slice(0, i)))
    }
    expectTyped(() => parsePublicIdentity(s + alphabet[5]))
    expectTyped(() => parsePublicIdentity('m' + s.slice(1)), 'MalformedDataError')
    expectTyped(() => parsePublicIdentity(s.replace(/.$/, '0')), 'MalformedDataError')
  })

  it('refuses a wrong version and a small-order Ed25519 key, checksum or not', () => {
    const bytes = encodePublicIdentity(publicIdentity(generateIdentity()))
    const withSum = (b: Uint8Array): string => base58btc.encode(new Uint8Array([...b, ...sha256(b).subarray(0, 4)]))
    const v2 = bytes.slice(); v2[0] = 2
    expectTyped(() => parsePublicIdentity(withSum(v2)), 'UnsupportedVersionError')
    const smallOrder = bytes.slice(); smallOrder.fill(0, 33); smallOrder[33] = 1 // the identity point
    expectTyped(() => parsePublicIdentity(withSum(smallOrder)), 'MalformedDataError')
    expectTyped(() => decodePublicIdentity(bytes.subarray(0, 64)), 'MalformedDataError')
  })

  it('fuzz: arbitrary strings give a public key or a typed error', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 140 }), fc.string({ maxLength: 120 }).map(s => 'z' + s), fc.uint8Array({ maxLength: 80 }).map(b => base58btc.encode(b))), (text) => {
      try {
        parsePublicIdentity(text)
      } catch (err) {
        expect(err).toBeInstanceOf(DataMeshError)
      }
    }), { numRuns: 500 })
  })
})
