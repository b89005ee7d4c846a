/**
 * Frozen sample: the password share link `<origin>/#/s/<key>/p/<sealed>`
 * (share-link-password-v1.json) made by an earlier build: the file key
 * sealed under the password with Argon2id (m = 19 MiB, t = 2, the
 * keystore's minimum) and AES-256-GCM, bound to the file's key. Today's
 * code opens it with the recorded password (typed in NFC or NFD) to the
 * recorded file key. Links asking for more Argon2id work than a link may
 * (LINK_ARGON2_MAX) are refused with MalformedDataError (reason
 * 'argon2-params') before any derivation runs: the derivation function is
 * wrapped to count its calls.
 */
import { describe, it, expect, vi, beforeEach } from 'vitest'
import { base64url } from 'multiformats/bases/base64'
import { LINK_ARGON2_MAX, openShareLink, parseShareLink } from '../../src/app/runtime/share-link.ts'
import { deriveArgon2idKey } from '../../src/core/keystore/argon2.ts'
import { parseSealedBlob } from '../../src/core/keystore/sealed.ts'
import { openManifest } from '../../src/core/manifest.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { fromBase64, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/share-link-password-v1.json'
import manifests from '../fixtures/formats/manifest-v1.json'

vi.mock('../../src/core/keystore/argon2.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/core/keystore/argon2.ts')>()
  return { ...original, deriveArgon2idKey: vi.fn(original.deriveArgon2idKey) }
})
const derivations = vi.mocked(deriveArgon2idKey)

await initBlake3()

/** The sealed key of a password link, read without the link parser's checks. */
function sealedOf (link: string): Uint8Array {
  return base64url.baseDecode(link.slice(link.indexOf('/p/') + 3))
}

async function errorOf (run: () => unknown): Promise<{ name?: string, details?: Record<string, unknown> }> {
  try {
    await run()
  } catch (err) {
    return err as { name?: string, details?: Record<string, unknown> }
  }
  throw new Error('expected a refusal')
}

beforeEach(() => { derivations.mockClear() })

describe('frozen password share link (v1)', () => {
  it('parses to the recorded key and a sealed key recording the recorded Argon2id parameters, within today\'s cap', () => {
    const parsed = parseShareLink(sample.link)
    expect(parsed?.key).toBe(sample.key)
    expect(parsed?.fileKey).toBeUndefined()
    const params = parseSealedBlob(parsed?.sealed ?? new Uint8Array(0)).params
    expect(params).toEqual(sample.params)
    expect(params.memoryKiB <= LINK_ARGON2_MAX.memoryKiB && params.iterations <= LINK_ARGON2_MAX.iterations && params.parallelism <= LINK_ARGON2_MAX.parallelism).toBe(true)
    expect(derivations).not.toHaveBeenCalled()
  })

  it('opens with the recorded password, typed in NFC or NFD, to the recorded file key', async () => {
    const parsed = parseShareLink(sample.link)!
    for (const password of [sample.password, sample.password.normalize('NFD')]) {
      const share = await openShareLink(parsed, password)
      expect({ key: share.key, fileKey: toHex(share.fileKey) }).toEqual({ key: sample.key, fileKey: sample.fileKeyHex })
    }
    expect(sample.password.normalize('NFD')).not.toBe(sample.password)
    expect(derivations).toHaveBeenCalledTimes(2)
  })

  it('opens the frozen manifest it names', async () => {
    const share = await openShareLink(parseShareLink(sample.link)!, sample.password)
    const file = manifests.files.find(f => f.key === share.key)
    const { manifest } = await openManifest(fromBase64(file?.sealedBase64 ?? ''), share.fileKey, share.key)
    expect(manifest.name).toBe(file?.manifest.name)
  })

  it('refuses a wrong password, and the sealed key moved into a link for another file (BadPasswordError)', async () => {
    const parsed = parseShareLink(sample.link)!
    expect((await errorOf(async () => await openShareLink(parsed, `${sample.password}!`))).name).toBe('BadPasswordError')
    const other = manifests.files.find(f => f.key !== sample.key)?.key ?? ''
    expect((await errorOf(async () => await openShareLink({ key: other, sealed: parsed.sealed! }, sample.password))).name).toBe('BadPasswordError')
  })

  for (const refused of sample.refused) {
    it(`refuses, before any derivation: ${refused.label}`, async () => {
      const expected = { reason: 'argon2-params', ...refused.params }
      const atParse = await errorOf(() => parseShareLink(refused.link))
      expect(atParse.name).toBe('MalformedDataError')
      expect(atParse.details).toMatchObject(expected)
      // also when the sealed key reaches openShareLink without the link parser
      const atOpen = await errorOf(async () => await openShareLink({ key: sample.key, sealed: sealedOf(refused.link) }, sample.password))
      expect(atOpen.name).toBe('MalformedDataError')
      expect(atOpen.details).toMatchObject(expected)
      expect(derivations).not.toHaveBeenCalled()
    })
  }
})
