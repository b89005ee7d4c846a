/**
 * Deletes, renames and tag changes travelling between devices of one owner
 * through a local relay mesh: a file deleted on one device stays gone when a
 * device that still lists it publishes later (on both devices and on a new
 * one); a backup first merges a delete made elsewhere; a rename or a change
 * of tags reaches the other device, and the later of two renames wins on
 * both (the earlier one, merged later, does not undo it); a tombstone keeps a file out for its whole lifetime and is
 * collected after it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { TestNet } from './helpers.ts'
import { device, names, ownerOn, read, startIndexNet, text } from './index-helpers.ts'
import { MemoryIndexStorage } from '../../src/mesh/index.ts'
import { FileIndex } from '../../src/mesh/index-store.ts'
import { INDEX_TOMBSTONE_LIFETIME_MS } from '../../src/mesh/index-entries.ts'
import { generateIdentity } from '../../src/core/keys/index.ts'

const DAY = 24 * 60 * 60 * 1000
let net: TestNet

beforeAll(async () => { net = await startIndexNet() })
afterAll(async () => { await net?.stop() })

describe('deletes do not come back', () => {
  it('a delete survives a stale device publishing its list: gone on both devices and on a new one', async () => {
    const identity = generateIdentity()
    const a = ownerOn(await device(net), identity)
    await a.mesh.put(text('doomed'), { name: 'doomed.txt' })
    await a.mesh.put(text('kept'), { name: 'kept.txt' })
    await a.mesh.backupIndex()
    const b = ownerOn(await device(net), identity)
    await b.mesh.restoreIndex()
    expect(await names(b)).toEqual(['doomed.txt', 'kept.txt'])
    // a deletes (and its backup does not run: the page closed)
    await a.mesh.delete('doomed.txt')
    // b, which still lists the file, changes something and publishes its list
    await b.mesh.put(text('from b'), { name: 'b.txt' })
    expect(await b.mesh.syncIndex()).toMatchObject({ added: 0, removed: 0, published: 'local-changes' })
    // a merges b's list: b.txt comes in, the deleted file does not; a publishes the delete
    expect(await a.mesh.syncIndex()).toMatchObject({ added: 1, removed: 0, published: 'local-changes' })
    expect(await names(a)).toEqual(['b.txt', 'kept.txt'])
    // b hears of the delete
    expect(await b.mesh.syncIndex()).toMatchObject({ removed: 1 })
    expect(await names(b)).toEqual(['b.txt', 'kept.txt'])
    // and stays that way: nothing left to publish on either side
    expect((await b.mesh.syncIndex()).published).toBeUndefined()
    expect((await a.mesh.syncIndex()).published).toBeUndefined()
    // a new device never sees it
    const c = ownerOn(await device(net), identity)
    expect(await c.mesh.restoreIndex()).toMatchObject({ added: 2, total: 2 })
    expect(await names(c)).toEqual(['b.txt', 'kept.txt'])
    expect(await read(c, 'b.txt')).toBe('from b')
  })

  it('a backup first merges a delete made on another device, so its list does not carry the file', async () => {
    const identity = generateIdentity()
    const a = ownerOn(await device(net), identity)
    await a.mesh.put(text('one'), { name: 'one.txt' })
    await a.mesh.put(text('two'), { name: 'two.txt' })
    await a.mesh.backupIndex()
    const b = ownerOn(await device(net), identity)
    await b.mesh.restoreIndex()
    await a.mesh.delete('one.txt')
    await a.mesh.backupIndex()
    // b has not synced since; a change on b backs its list up, merging a's first
    await b.mesh.put(text('three'), { name: 'three.txt' })
    const published = await b.mesh.backupIndex()
    expect(published.entries).toBe(2)
    expect(await names(b)).toEqual(['three.txt', 'two.txt'])
    const c = ownerOn(await device(net), identity)
    await c.mesh.restoreIndex()
    expect(await names(c)).toEqual(['three.txt', 'two.txt'])
  })
})

describe('renames and tags', () => {
  it('a rename and a change of tags reach the other device and a new one', async () => {
    const identity = generateIdentity()
    const a = ownerOn(await device(net), identity)
    await a.mesh.put(text('report'), { name: 'draft.txt', tags: ['work'] })
    await a.mesh.backupIndex()
    const b = ownerOn(await device(net), identity)
    await b.mesh.restoreIndex()
    await a.mesh.rename('draft.txt', 'final.txt')
    await a.mesh.setTags('final.txt', ['work', 'done'])
    await a.mesh.backupIndex()
    expect(await b.mesh.syncIndex()).toMatchObject({ added: 0, updated: 1, removed: 0 })
    expect((await b.mesh.list()).map(f => [f.name, f.tags])).toEqual([['final.txt', ['work', 'done']]])
    expect(await read(b, 'final.txt')).toBe('report')
    expect((await b.mesh.syncIndex()).published).toBeUndefined()
    const c = ownerOn(await device(net), identity)
    await c.mesh.restoreIndex()
    expect((await c.mesh.list()).map(f => [f.name, f.tags])).toEqual([['final.txt', ['work', 'done']]])
  })

  it('of two renames of one file on two devices, the later wins on both', async () => {
    const identity = generateIdentity()
    const a = ownerOn(await device(net), identity)
    await a.mesh.put(text('photo'), { name: 'img.jpg' })
    await a.mesh.backupIndex()
    const b = ownerOn(await device(net), identity)
    await b.mesh.restoreIndex()
    await a.mesh.rename('img.jpg', 'from-a.jpg')
    await new Promise(resolve => setTimeout(resolve, 5)) // b's rename is later by the clock
    await b.mesh.rename('img.jpg', 'from-b.jpg')
    // a publishes first; b's sync keeps its own later rename and publishes it
    await a.mesh.backupIndex()
    expect(await b.mesh.syncIndex()).toMatchObject({ updated: 0, published: 'local-changes' })
    expect(await names(b)).toEqual(['from-b.jpg'])
    expect(await a.mesh.syncIndex()).toMatchObject({ updated: 1 })
    expect(await names(a)).toEqual(['from-b.jpg'])
    expect((await a.mesh.syncIndex()).published).toBeUndefined()
  })
})

describe('tombstone lifetime', () => {
  it('keeps a deleted file out for its whole lifetime, and is collected after it', async () => {
    const identity = generateIdentity()
    const storage = new MemoryIndexStorage()
    const a = ownerOn(await device(net), identity, { index: storage })
    await a.mesh.put(text('old'), { name: 'old.txt' })
    await a.mesh.backupIndex()
    const key = (await a.mesh.list())[0]!.key
    /** a's stored index, with the file deleted `ago` ms before now */
    const deletedAgo = async (ago: number): Promise<MemoryIndexStorage> => {
      const copy = new MemoryIndexStorage()
      await copy.save((await storage.load())!)
      const then = new FileIndex(copy, { now: () => Date.now() - ago })
      await then.load()
      await then.remove(key)
      return copy
    }
    // deleted a day past the lifetime: collected, so the record's list (which still holds the file) brings it back
    const expired = ownerOn(await device(net), identity, { index: await deletedAgo(INDEX_TOMBSTONE_LIFETIME_MS + DAY) })
    expect(await names(expired)).toEqual([])
    expect(await expired.mesh.syncIndex()).toMatchObject({ added: 1, removed: 0 })
    expect(await names(expired)).toEqual(['old.txt'])
    // deleted a day short of the lifetime: the tombstone still counts, and is published
    const recent = ownerOn(await device(net), identity, { index: await deletedAgo(INDEX_TOMBSTONE_LIFETIME_MS - DAY) })
    expect(await recent.mesh.syncIndex()).toMatchObject({ added: 0, published: 'local-changes' })
    expect(await names(recent)).toEqual([])
    expect(await a.mesh.syncIndex()).toMatchObject({ removed: 1 })
    const fresh = ownerOn(await device(net), identity)
    await expect(fresh.mesh.restoreIndex()).resolves.toMatchObject({ added: 0, total: 0 })
  })
})
