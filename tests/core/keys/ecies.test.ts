import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { gcm } from '@noble/ciphers/aes.js'
import { generateIdentity, seal, open, hkdfSha256, ECIES_INFO, ECIES_OVERHEAD } from '../../../src/core/keys/index.ts'
import { DataMeshError } from '../../../src/core/errors.ts'

async function errorOf (p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

const enc = new TextEncoder()

describe('known answers', () => {
  it('X25519: RFC 7748 section 5.2 and 6.1', () => {
    expect(bytesToHex(x25519.scalarMult(
      hexToBytes('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
      hexToBytes('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c')
    ))).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552')
    const alice = hexToBytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    const bobPub = hexToBytes('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
    expect(bytesToHex(x25519.getSharedSecret(alice, bobPub))).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742')
  })

  it('HKDF-SHA256: RFC 5869 test cases 1 and 3', () => {
    const ikm = new Uint8Array(22).fill(0x0b)
    expect(bytesToHex(hkdfSha256(ikm, hexToBytes('000102030405060708090a0b0c'), hexToBytes('f0f1f2f3f4f5f6f7f8f9'), 42)))
      .toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865')
    expect(bytesToHex(hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42)))
      .toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8')
    expect(() => hkdfSha256(ikm, ikm, ikm, 0)).toThrow(DataMeshError)
    expect(() => hkdfSha256(ikm, ikm, ikm, 255 * 32 + 1)).toThrow(DataMeshError)
  })

  it('an envelope opens with a second implementation (noble AES-GCM) per the documented layout', async () => {
    const id = generateIdentity()
    const msg = enc.encode('file key: 32 bytes of secret....')
    const env = await seal(id.x25519.publicKey, msg)
    expect(env.byteLength).toBe(msg.byteLength + ECIES_OVERHEAD)
    expect([env[0], env[1]]).toEqual([1, 1])
    const eph = env.subarray(2, 34)
    const shared = x25519.getSharedSecret(id.x25519.secretKey, eph)
    const okm = hkdfSha256(shared, new Uint8Array([...eph, ...id.x25519.publicKey]), enc.encode(ECIES_INFO), 44)
    const plain = gcm(okm.subarray(0, 32), okm.subarray(32), env.subarray(0, 34)).decrypt(env.subarray(34))
    expect(plain).toEqual(msg)
  })
})

describe('ECIES', () => {
  it('round-trips random plaintexts, including empty', async () => {
    const id = generateIdentity()
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 2048 }), async (msg) => {
      const env = await seal(id.x25519.publicKey, msg)
      expect(await open(id.x25519.secretKey, env)).toEqual(msg)
    }), { numRuns: 100 })
    expect(await open(id.x25519.secretKey, await seal(id.x25519.publicKey, new Uint8Array(0)))).toEqual(new Uint8Array(0))
  })

  it('uses a fresh ephemeral key every time', async () => {
    const id = generateIdentity()
    const a = await seal(id.x25519.publicKey, enc.encode('same'))
    const b = await seal(id.x25519.publicKey, enc.encode('same'))
    expect(bytesToHex(a)).not.toBe(bytesToHex(b))
  })

  it('binds associated data', async () => {
    const id = generateIdentity()
    const env = await seal(id.x25519.publicKey, enc.encode('k'), { associatedData: enc.encode('manifest-1') })
    expect(await open(id.x25519.secretKey, env, { associatedData: enc.encode('manifest-1') })).toEqual(enc.encode('k'))
    expect((await errorOf(open(id.x25519.secretKey, env, { associatedData: enc.encode('manifest-2') }))).name).toBe('WrongKeyError')
    expect((await errorOf(open(id.x25519.secretKey, env))).name).toBe('WrongKeyError')
  })

  it('a wrong key is a WrongKeyError', async () => {
    const env = await seal(generateIdentity().x25519.publicKey, enc.encode('secret'))
    expect((await errorOf(open(generateIdentity().x25519.secretKey, env))).name).toBe('WrongKeyError')
  })

  it('refuses every single-byte change and every truncation with a typed error', async () => {
    const id = generateIdentity()
    const env = await seal(id.x25519.publicKey, enc.encode('sixteen byte msg'))
    for (let i = 0; i < env.byteLength; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = env.slice()
        bad[i] = (bad[i] as number) ^ flip
        const err = await errorOf(open(id.x25519.secretKey, bad))
        expect(err).toBeInstanceOf(DataMeshError)
        expect(err.name).toBe(i === 0 || i === 1 ? 'UnsupportedVersionError' : 'WrongKeyError')
      }
      const err = await errorOf(open(id.x25519.secretKey, env.subarray(0, i)))
      expect(err).toBeInstanceOf(DataMeshError)
      expect(err.name).toBe(i < ECIES_OVERHEAD ? 'MalformedDataError' : 'WrongKeyError')
    }
  })

  it('refuses low-order points: as recipient (seal) and as ephemeral key (open)', async () => {
    const zero = new Uint8Array(32)
    const one = new Uint8Array(32); one[0] = 1
    for (const p of [zero, one]) expect((await errorOf(seal(p, enc.encode('x')))).name).toBe('InvalidParametersError')
    const id = generateIdentity()
    const env = await seal(id.x25519.publicKey, enc.encode('x'))
    env.set(one, 2)
    expect((await errorOf(open(id.x25519.secretKey, env))).name).toBe('MalformedDataError')
  })

  it('checks key lengths', async () => {
    expect((await errorOf(seal(new Uint8Array(31), new Uint8Array(1)))).name).toBe('InvalidParametersError')
    expect((await errorOf(open(new Uint8Array(33), new Uint8Array(60)))).name).toBe('InvalidParametersError')
  })

  it('fuzz: random and mutated envelopes give only typed errors', async () => {
    const id = generateIdentity()
    const valid = await seal(id.x25519.publicKey, enc.encode('a wrapped file key'))
    const mutated = fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
      .map(edits => { const b = valid.slice(); for (const [i, x] of edits) b[i] = (b[i] as number) ^ x; return b })
    const header = fc.uint8Array({ maxLength: 120 }).map(b => new Uint8Array([1, 1, ...b]))
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), header, mutated), async (bytes) => {
      const err = await errorOf(open(id.x25519.secretKey, bytes))
      expect(err).toBeInstanceOf(DataMeshError)
    }), { numRuns: 300 })
  })
})
