import { describe, it, expect } from 'vitest'
import { deriveKey, sealStripe, openStripe, sealedLength, segmentNonce, TAG_BYTES } from '../../src/core/aead.ts'
import { pseudoRandomBytes, expectRejectName } from './helpers.ts'

const SEG = 1024

async function seal (key: CryptoKey, stripe: number, plain: Uint8Array, final: boolean): Promise<Uint8Array> {
  const out = new Uint8Array(sealedLength(plain.length, SEG))
  await sealStripe(key, stripe, plain, SEG, final, out)
  return out
}

describe('segment encryption', () => {
  it('derives distinct content and manifest keys', async () => {
    const fk = pseudoRandomBytes(32, 1)
    const c = await deriveKey(fk, 'content')
    const m = await deriveKey(fk, 'manifest')
    const plain = new Uint8Array(16)
    const iv = segmentNonce(0, 0, false)
    const a = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, c, plain))
    const b = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, m, plain))
    expect(a).not.toEqual(b)
  })

  it('binds stripe index, segment order and the final flag', async () => {
    const key = await deriveKey(pseudoRandomBytes(32, 2), 'content')
    const plain = pseudoRandomBytes(3 * SEG, 3)
    const sealed = await seal(key, 5, plain, true)
    const out = new Uint8Array(plain.length)
    await openStripe(key, 5, sealed, SEG, true, out)
    expect(out).toEqual(plain)
    // another stripe position
    await expectRejectName(openStripe(key, 4, sealed, SEG, true, out), 'WrongKeyError')
    // not marked final (truncation of later stripes would look like this)
    await expectRejectName(openStripe(key, 5, sealed, SEG, false, out), 'WrongKeyError')
    // segments swapped
    const step = SEG + TAG_BYTES
    const swapped = sealed.slice()
    swapped.set(sealed.subarray(0, step), step)
    swapped.set(sealed.subarray(step, 2 * step), 0)
    await expectRejectName(openStripe(key, 5, swapped, SEG, true, out), 'WrongKeyError')
    // one flipped bit anywhere
    for (const at of [0, SEG + 3, sealed.length - 1]) {
      const t = sealed.slice(); t[at]! ^= 0x80
      await expectRejectName(openStripe(key, 5, t, SEG, true, out), 'WrongKeyError')
    }
    // truncated by a whole segment
    await expectRejectName(openStripe(key, 5, sealed.subarray(0, 2 * step), SEG, true, new Uint8Array(2 * SEG)), 'WrongKeyError')
  })

  it('an empty stripe still carries one authenticated segment', async () => {
    const key = await deriveKey(pseudoRandomBytes(32, 4), 'content')
    const sealed = await seal(key, 0, new Uint8Array(0), true)
    expect(sealed.length).toBe(TAG_BYTES)
    await openStripe(key, 0, sealed, SEG, true, new Uint8Array(0))
    await expectRejectName(openStripe(key, 0, sealed, SEG, false, new Uint8Array(0)), 'WrongKeyError')
  })

  it('refuses malformed file keys and positions', async () => {
    await expect(deriveKey(new Uint8Array(16), 'content')).rejects.toMatchObject({ name: 'InvalidParametersError' })
    expect(() => segmentNonce(-1, 0, false)).toThrow()
    expect(() => segmentNonce(0, 2 ** 31, false)).toThrow()
    expect(segmentNonce(2 ** 40 + 3, 7, true)).toEqual(Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 3, 0x80, 0, 0, 7]))
  })
})
