import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { sealWithPassword, openWithPassword, parseSealedBlob, derivePasswordKey, sealWithKey, openWithKey, SEALED_HEADER_BYTES } from '../../../src/core/keystore/sealed.ts'
import { ARGON2_MIN, ARGON2_MAX, checkArgon2Params } from '../../../src/core/keystore/argon2.ts'
import { DataMeshError } from '../../../src/core/errors.ts'
import { FAST, STRONG, errorOf, expectError } from './helpers.ts'

const secret = new TextEncoder().encode('sixty-four bytes of identity secrets, or anything really........')

describe('password-sealed blob', () => {
  it('round-trips and records its parameters in the documented layout', async () => {
    const blob = await sealWithPassword(STRONG, secret, { params: FAST })
    expect(blob.byteLength).toBe(SEALED_HEADER_BYTES + secret.byteLength + 16)
    expect([blob[0], blob[1]]).toEqual([1, 1])
    const view = new DataView(blob.buffer, blob.byteOffset)
    expect([view.getUint32(2), blob[6], blob[7]]).toEqual([19 * 1024, 2, 1])
    expect(parseSealedBlob(blob).params).toEqual(FAST)
    expect(await openWithPassword(STRONG, blob)).toEqual(secret)
  })

  it('a wrong password is a BadPasswordError', async () => {
    const blob = await sealWithPassword(STRONG, secret, { params: FAST })
    await expectError(openWithPassword(STRONG + '!', blob), 'BadPasswordError')
  })

  it('normalises Unicode (NFC) so composed and decomposed passwords agree', async () => {
    const blob = await sealWithPassword('Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e 1987', secret, { params: FAST })
    expect(await openWithPassword('Cafe\u0301 cre\u0300me bru\u0302le\u0301e 1987', blob)).toEqual(secret)
  })

  it('refuses to create below the OWASP floor or above the caps', async () => {
    for (const p of [{ ...ARGON2_MIN, memoryKiB: 19 * 1024 - 1 }, { ...ARGON2_MIN, iterations: 1 }, { ...ARGON2_MAX, memoryKiB: ARGON2_MAX.memoryKiB + 1 }, { ...ARGON2_MIN, iterations: 17 }, { ...ARGON2_MIN, parallelism: 0 }, { ...ARGON2_MIN, memoryKiB: 20000.5 }]) {
      expect(() => checkArgon2Params(p)).toThrow(DataMeshError)
      await expectError(sealWithPassword(STRONG, secret, { params: p }), 'InvalidParametersError')
    }
    await expectError(sealWithPassword('', secret, { params: FAST }), 'InvalidParametersError')
  })

  it('refuses stored parameters outside the caps before running Argon2id (DoS bound)', async () => {
    const blob = await sealWithPassword(STRONG, secret, { params: FAST })
    const huge = blob.slice(); new DataView(huge.buffer).setUint32(2, 4 * 1024 * 1024) // 4 GiB
    const slow = blob.slice(); slow[6] = 200
    const weak = blob.slice(); weak[6] = 1
    // that no derivation runs first is checked in sealed-bounds.node.test.ts (Argon2id runs inline there)
    for (const b of [huge, slow, weak]) await expectError(openWithPassword(STRONG, b), 'MalformedDataError')
    const v2 = blob.slice(); v2[0] = 2
    await expectError(openWithPassword(STRONG, v2), 'UnsupportedVersionError')
    const kdf2 = blob.slice(); kdf2[1] = 2
    await expectError(openWithPassword(STRONG, kdf2), 'UnsupportedVersionError')
  })

  it('every single-byte change or truncation is refused with a typed error', async () => {
    const key = await derivePasswordKey(STRONG, FAST)
    const blob = await sealWithKey(key, secret)
    expect(await openWithKey(key, blob)).toEqual(secret)
    for (let i = 0; i < blob.byteLength; i++) {
      const bad = blob.slice(); bad[i] = (bad[i] as number) ^ 0x04
      expect(await errorOf(openWithKey(key, bad))).toBeInstanceOf(DataMeshError)
      expect(await errorOf(openWithKey(key, blob.subarray(0, i)))).toBeInstanceOf(DataMeshError)
    }
  })

  it('fuzz: the parser and the opener give only typed errors', async () => {
    const key = await derivePasswordKey(STRONG, FAST)
    const valid = await sealWithKey(key, secret)
    const mutated = fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
      .map(edits => { const b = valid.slice(); for (const [i, x] of edits) b[i] = (b[i] as number) ^ x; return b })
    const headered = fc.uint8Array({ maxLength: 100 }).map(b => new Uint8Array([1, 1, ...b]))
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 120 }), headered, mutated), async (bytes) => {
      const err = await errorOf(openWithKey(key, bytes))
      expect(err).toBeInstanceOf(DataMeshError)
    }), { numRuns: 400 })
  })
})
