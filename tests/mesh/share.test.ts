/**
 * Shares sealed to a public key: the envelope is bound to the file it opens
 * (ECIES associated data), so it cannot be replayed in a link for another
 * file, and an unbound envelope of an earlier build gets a clear typed error.
 */
import { describe, it, expect } from 'vitest'
import { formatPublicIdentity, generateIdentity, publicIdentity, seal, type Identity } from '../../src/core/keys/index.ts'
import { manifestCid } from '../../src/core/manifest.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import { openShare, shareEnvelopeContext, shareTo } from '../../src/mesh/commands/share.ts'
import type { MeshContext } from '../../src/mesh/context.ts'

await initBlake3()

const fileA = { key: manifestCid(new Uint8Array([1])).toString(), fileKey: new Uint8Array(32).fill(0xaa) }
const fileB = { key: manifestCid(new Uint8Array([2])).toString(), fileKey: new Uint8Array(32).fill(0xbb) }

/** the narrow slice of a mesh these commands use: the owner's keys and an index holding `files` */
async function contextOf (identity: Identity, files: Array<typeof fileA> = []): Promise<MeshContext> {
  const entries = new Map<string, { key: string, wrappedKey: Uint8Array }>()
  for (const f of files) entries.set(f.key, { key: f.key, wrappedKey: await seal(identity.x25519.publicKey, f.fileKey) })
  const index = { load: async () => {}, byName: () => undefined, get: (key: string) => entries.get(key) }
  return { keys: meshKeysFromIdentity(identity), index } as unknown as MeshContext
}

describe('shares sealed to a public key', () => {
  const alice = generateIdentity()
  const bob = generateIdentity()
  const bobPublic = formatPublicIdentity(publicIdentity(bob))

  it('open with the recipient\'s keys, for the file they were made for', async () => {
    const { key, envelope } = await shareTo(await contextOf(alice, [fileA]), fileA.key, bobPublic)
    expect(key).toBe(fileA.key)
    expect(await openShare(await contextOf(bob), key, envelope)).toEqual(fileA)
    await expect(openShare(await contextOf(alice), key, envelope)).rejects.toMatchObject({ name: 'WrongKeyError' })
  })

  it('cannot be replayed in a link for another file', async () => {
    const bobs = await contextOf(bob)
    const { envelope } = await shareTo(await contextOf(alice, [fileA, fileB]), fileA.key, bobPublic)
    await expect(openShare(bobs, fileB.key, envelope)).rejects.toMatchObject({ name: 'WrongKeyError' })
    // the same holds for an envelope sealed by hand with another file's context
    const forged = await seal(bob.x25519.publicKey, fileA.fileKey, { associatedData: shareEnvelopeContext(fileA.key) })
    await expect(openShare(bobs, fileB.key, forged)).rejects.toMatchObject({ name: 'WrongKeyError' })
    expect((await openShare(bobs, fileA.key, forged)).fileKey).toEqual(fileA.fileKey)
  })

  it('refuses an envelope of an earlier build (no associated data) with a typed error, whatever file it names', async () => {
    const legacy = await seal(bob.x25519.publicKey, fileA.fileKey)
    for (const key of [fileA.key, fileB.key]) {
      await expect(openShare(await contextOf(bob), key, legacy)).rejects.toMatchObject({ name: 'UnsupportedVersionError', details: { reason: 'unbound-share' } })
    }
    // someone else's legacy envelope is still just not theirs
    await expect(openShare(await contextOf(alice), fileA.key, legacy)).rejects.toMatchObject({ name: 'WrongKeyError' })
  })

  it('binds to the file key\'s CID bytes under its own domain', () => {
    const context = shareEnvelopeContext(fileA.key)
    expect(new TextDecoder().decode(context.subarray(0, 18))).toBe('datamesh/share/v1\u0000')
    expect(context.subarray(18)).toEqual(manifestCid(new Uint8Array([1])).bytes)
    expect(() => shareEnvelopeContext('bafynotakey')).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
  })

  it('refuses a key that names no file before opening anything', async () => {
    const { envelope } = await shareTo(await contextOf(alice, [fileA]), fileA.key, bobPublic)
    await expect(openShare(await contextOf(bob), 'not-a-key', envelope)).rejects.toMatchObject({ name: 'MalformedDataError' })
  })
})
