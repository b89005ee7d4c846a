/** The README's put/get flow, end to end: pipeline -> shard store -> sealed manifest -> back. */
import { describe, it, expect } from 'vitest'
import { encodeFile, decodeFile, buildManifest } from '../../src/core/pipeline.ts'
import { sealManifest, openManifest } from '../../src/core/manifest.ts'
import { generateIdentity, signerFromIdentity } from '../../src/core/keys/index.ts'
import { openMemoryStore } from '../../src/store/memory.ts'
import { pseudoRandomBytes, collect, expectSameBytes } from '../core/helpers.ts'

describe('pipeline over a shard store', () => {
  it('stores every shard, survives two lost and one corrupt shard per stripe, and restores the file', async () => {
    const store = await openMemoryStore()
    const owner = signerFromIdentity(generateIdentity())
    const data = pseudoRandomBytes(9 * 1024 * 1024 + 77, 4)
    const session = encodeFile(new Blob([data]), { coding: { stripeSize: 1024 * 1024, segmentSize: 64 * 1024 } })
    for await (const stripe of session.stripes) {
      await store.putMany(stripe.shards.map((cid, i) => ({ id: cid.toString(), bytes: stripe.data[i]! })))
    }
    const manifest = buildManifest({ name: 'photo.jpg', type: 'image/jpeg', tags: ['holiday'] }, session.coding, session.summary())
    const { key, bytes } = await sealManifest(manifest, session.fileKey, owner)
    expect((await store.usage()).count).toBe(manifest.stripes.length * 6)

    // lose shard 0 of every stripe from the store; serve shard 1 corrupted
    for (const s of manifest.stripes) await store.delete(s.shards[0]!.toString())
    const opened = await openManifest(bytes, session.fileKey, key)
    expect(opened.owner).toEqual(owner.publicKey)
    const corrupt: number[] = []
    const out = await collect(decodeFile(opened.manifest, session.fileKey, async ({ cid, shard }) => {
      const b = await store.get(cid.toString()).catch(() => undefined)
      if (b !== undefined && shard === 1) { const c = b.slice(); c[0]! ^= 0xff; return c }
      return b
    }, { onCorruptShard: r => corrupt.push(r.stripe) }))
    expectSameBytes(out, data)
    expect(corrupt).toEqual(manifest.stripes.map((_, i) => i))
    await store.close()
  })
})
