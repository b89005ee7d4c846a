/**
 * Frozen sample: the envelope share link `<origin>/#/s/<key>/k/<envelope>`
 * (share-link-envelope-v1.json) made by an earlier build: the file key
 * ECIES-sealed to the recipient (bob) with the file bound as associated
 * data ("datamesh/share/v1" || 0 || the key's CID bytes). Today's code
 * builds the same associated data, and the recipient's keys open the link
 * to the recorded file key; nobody else's keys do, nor does the envelope in
 * a link for another file. An unbound envelope of the earlier kind is
 * refused with UnsupportedVersionError (reason 'unbound-share').
 */
import { describe, it, expect } from 'vitest'
import { makeSealedShareLink, openShareLink, parseShareLink } from '../../src/app/runtime/share-link.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { openManifest } from '../../src/core/manifest.ts'
import { openShare, shareEnvelopeContext, SHARE_ENVELOPE_CONTEXT } from '../../src/mesh/commands/share.ts'
import type { MeshContext } from '../../src/mesh/context.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import type { FileShare } from '../../src/mesh/types.ts'
import { fromBase64, fromHex, sampleIdentity, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/share-link-envelope-v1.json'
import manifests from '../fixtures/formats/manifest-v1.json'

await initBlake3()

/** What openShare uses of a mesh: the owner's keys. */
function opener (name: string): (key: string, envelope: Uint8Array) => Promise<FileShare> {
  const ctx = { keys: meshKeysFromIdentity(sampleIdentity(name)) } as unknown as MeshContext
  return async (key, envelope) => await openShare(ctx, key, envelope)
}

async function errorOf (run: () => Promise<unknown>): Promise<{ name?: string, details?: Record<string, unknown> }> {
  try {
    await run()
  } catch (err) {
    return err as { name?: string, details?: Record<string, unknown> }
  }
  throw new Error('expected a refusal')
}

describe('frozen envelope share link (v1)', () => {
  it('today\'s associated data for the file is the recorded one', () => {
    expect(SHARE_ENVELOPE_CONTEXT).toBe(sample.context.domain)
    expect(toHex(shareEnvelopeContext(sample.key))).toBe(sample.context.associatedDataHex)
  })

  it('parses to the recorded key and envelope, and today\'s code writes the same link', () => {
    const parsed = parseShareLink(sample.link)
    expect({ key: parsed?.key, envelope: toHex(parsed?.envelope ?? new Uint8Array(0)) }).toEqual({ key: sample.key, envelope: sample.envelopeHex })
    expect(makeSealedShareLink(sample.origin, sample.key, fromHex(sample.envelopeHex))).toBe(sample.link)
  })

  it('the recipient\'s keys open it to the recorded file key, which opens the frozen manifest', async () => {
    const share = await openShareLink(parseShareLink(sample.link)!, undefined, opener(sample.recipient))
    expect({ key: share.key, fileKey: toHex(share.fileKey) }).toEqual({ key: sample.key, fileKey: sample.fileKeyHex })
    const file = manifests.files.find(f => f.key === share.key)
    const { manifest } = await openManifest(fromBase64(file?.sealedBase64 ?? ''), share.fileKey, share.key)
    expect(manifest.name).toBe(file?.manifest.name)
  })

  it('asks for keys when none are given, and other keys or another file do not open it (WrongKeyError)', async () => {
    const parsed = parseShareLink(sample.link)!
    const noKeys = await errorOf(async () => await openShareLink(parsed))
    expect([noKeys.name, noKeys.details?.reason]).toEqual(['InvalidParametersError', 'keys-required'])
    expect((await errorOf(async () => await openShareLink(parsed, undefined, opener('alice')))).name).toBe('WrongKeyError')
    const other = manifests.files.find(f => f.key !== sample.key)?.key ?? ''
    const moved = parseShareLink(makeSealedShareLink(sample.origin, other, parsed.envelope!))!
    expect((await errorOf(async () => await openShareLink(moved, undefined, opener(sample.recipient)))).name).toBe('WrongKeyError')
  })

  it('refuses the unbound envelope of the earlier kind (UnsupportedVersionError, unbound-share)', async () => {
    const parsed = parseShareLink(sample.unbound.link)!
    expect(toHex(parsed.envelope!)).toBe(sample.unbound.envelopeHex)
    const err = await errorOf(async () => await openShareLink(parsed, undefined, opener(sample.recipient)))
    expect([err.name, err.details?.reason]).toEqual(['UnsupportedVersionError', 'unbound-share'])
  })
})
