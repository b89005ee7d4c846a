/**
 * Frozen sample: the plain share link `<origin>/#/s/<key>/<file key>`
 * (share-link-v1.json) made by an earlier build. It parses to the recorded
 * key and file key, which open the frozen manifest it names; today's code
 * writes the same link for the same share. The `/p/` and `/k/` forms have
 * samples and tests of their own (share-link-password, share-link-envelope).
 */
import { describe, it, expect } from 'vitest'
import { makeShareLink, openShareLink, parseShareLink } from '../../src/app/runtime/share-link.ts'
import { openManifest } from '../../src/core/manifest.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { fromBase64, fromHex, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/share-link-v1.json'
import manifests from '../fixtures/formats/manifest-v1.json'

await initBlake3()

describe('frozen plain share link (v1)', () => {
  it('parses and opens to the recorded key and file key', async () => {
    const parsed = parseShareLink(sample.link)
    expect(parsed).not.toBeNull()
    const share = await openShareLink(parsed!)
    expect({ key: share.key, fileKey: toHex(share.fileKey) }).toEqual({ key: sample.key, fileKey: sample.fileKeyHex })
  })

  it('opens the frozen manifest it names', async () => {
    const share = await openShareLink(parseShareLink(sample.link)!)
    const file = manifests.files.find(f => f.key === share.key)
    const { manifest } = await openManifest(fromBase64(file?.sealedBase64 ?? ''), share.fileKey, share.key)
    expect(manifest.name).toBe(file?.manifest.name)
  })

  it('today\'s code writes the same link', async () => {
    expect(await makeShareLink(sample.origin, { key: sample.key, fileKey: fromHex(sample.fileKeyHex) })).toBe(sample.link)
  })
})
