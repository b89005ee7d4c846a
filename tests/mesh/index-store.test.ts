/**
 * The owner's index: coalesced saves that always leave the last state
 * stored, the joined encoding (the same bytes as encoding the whole map),
 * and the sorted listing, rebuilt after every change.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { create } from 'multiformats/hashes/digest'
import { encodeCbor } from '../../src/core/cbor.ts'
import { encodeEntry, encodeWithEntries, FileIndex, MemoryIndexStorage, type IndexStorage } from '../../src/mesh/index-store.ts'
import { list } from '../../src/mesh/commands/list.ts'
import type { MeshContext } from '../../src/mesh/context.ts'
import type { IndexEntry } from '../../src/mesh/types.ts'

let n = 0
function entry (fields: Partial<IndexEntry> = {}): IndexEntry {
  n++
  const digest = new Uint8Array(32)
  new DataView(digest.buffer).setUint32(0, n)
  return {
    key: CID.createV1(0x71, create(0x1e, digest)).toString(),
    name: `file-${n}.bin`,
    type: '',
    size: n,
    tags: [],
    created: 1_700_000_000_000 + n,
    wrappedKey: new Uint8Array(82).fill(n & 0xff),
    manifestHolders: ['12D3KooWA', '12D3KooWB', '12D3KooWC'],
    ...fields
  }
}

/** Storage whose saves wait until released, recording what each wrote. */
class SlowStorage implements IndexStorage {
  readonly inner = new MemoryIndexStorage()
  readonly written: Uint8Array[] = []
  readonly #waiting: Array<() => void> = []
  running = 0
  maxRunning = 0

  async load (): Promise<Uint8Array | undefined> { return await this.inner.load() }

  async save (bytes: Uint8Array): Promise<void> {
    this.running++
    this.maxRunning = Math.max(this.maxRunning, this.running)
    await new Promise<void>(resolve => this.#waiting.push(resolve))
    await this.inner.save(bytes)
    this.written.push(bytes)
    this.running--
  }

  release (): number {
    const waiting = this.#waiting.splice(0)
    for (const w of waiting) w()
    return waiting.length
  }
}

const tick = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 0)) }

async function reopen (storage: IndexStorage): Promise<FileIndex> {
  const index = new FileIndex(storage)
  await index.load()
  return index
}

describe('FileIndex saves', () => {
  it('coalesces the changes made while a save is written into one more save, and keeps the last state', async () => {
    const storage = new SlowStorage()
    const index = new FileIndex(storage)
    await index.load()
    const entries = Array.from({ length: 50 }, () => entry())
    const first = index.add(entries[0]!)
    await tick()
    const rest = entries.slice(1).map(async e => await index.add(e))
    await tick()
    let settled = false
    void Promise.all(rest).then(() => { settled = true })
    expect(storage.release()).toBe(1) // the first save
    await first
    await tick()
    expect(settled).toBe(false) // the others wait for the save that holds them
    expect(storage.release()).toBe(1) // one save for the 49 others
    await Promise.all(rest)
    expect(storage.maxRunning).toBe(1)
    expect(storage.written).toHaveLength(2)
    expect(index.saves).toBe(2)
    const back = await reopen(storage)
    expect(back.entries().map(e => e.key).sort()).toEqual(entries.map(e => e.key).sort())
  })

  it('stores the last state after a burst of changes of every kind', async () => {
    const storage = new MemoryIndexStorage()
    const index = new FileIndex(storage)
    await index.load()
    const a = entry()
    const b = entry()
    const c = entry()
    await Promise.all([
      index.add(a),
      index.add(b),
      index.add(c),
      index.update(a.key, { name: 'renamed.bin', tags: ['x', 'x', 'y'] }),
      index.remove(b.key),
      index.setBackup({ seq: 7, id: 'bafkr4iaasrh2ibcymfwuxdtfxh4fc3kgvvc2cd5n3kvvbwt25cikdmfsti' })
    ])
    const back = await reopen(storage)
    expect(back.entries().map(e => [e.key, e.name, e.tags])).toEqual([[a.key, 'renamed.bin', ['x', 'y']], [c.key, c.name, []]])
    expect(back.backup).toEqual({ seq: 7, id: 'bafkr4iaasrh2ibcymfwuxdtfxh4fc3kgvvc2cd5n3kvvbwt25cikdmfsti' })
    expect(back.byName(b.name)).toBeUndefined()
  })
})

/** Storage whose saves wait until each is released, to succeed or to fail. */
class GatedStorage implements IndexStorage {
  readonly inner = new MemoryIndexStorage()
  readonly #waiting: Array<(error?: Error) => void> = []

  async load (): Promise<Uint8Array | undefined> { return await this.inner.load() }

  async save (bytes: Uint8Array): Promise<void> {
    const error = await new Promise<Error | undefined>(resolve => this.#waiting.push(resolve))
    if (error !== undefined) throw error
    await this.inner.save(bytes)
  }

  /** let the oldest waiting save finish (with `error`, it fails) */
  async settle (error?: Error): Promise<void> {
    for (let i = 0; i < 100 && this.#waiting.length === 0; i++) await tick()
    const next = this.#waiting.shift()
    if (next === undefined) throw new Error('no save is waiting')
    next(error)
    await tick()
  }
}

const failingStorage = (): { storage: IndexStorage, inner: MemoryIndexStorage, fail: (on: boolean) => void } => {
  let failing = false
  const inner = new MemoryIndexStorage()
  const storage: IndexStorage = { load: async () => await inner.load(), save: async (bytes) => { if (failing) throw new Error('disk full'); await inner.save(bytes) } }
  return { storage, inner, fail: on => { failing = on } }
}

const names = (index: FileIndex): string[] => index.listing().map(e => e.name).sort()

describe('FileIndex after a failed save', () => {
  it('takes back the add it carried: not listed, name and key free, never written by a later save', async () => {
    const { storage, fail } = failingStorage()
    let rollBacks = 0
    const index = new FileIndex(storage, { onRollBack: () => { rollBacks++ } })
    await index.load()
    const a = entry()
    fail(true)
    const adding = index.add(a)
    expect(names(index)).toEqual([a.name]) // listed (and the listing cached) while the save runs
    await expect(adding).rejects.toThrow('disk full')
    expect(rollBacks).toBe(1)
    expect(index.size).toBe(0)
    expect(index.get(a.key)).toBeUndefined()
    expect(index.byName(a.name)).toBeUndefined()
    expect(names(index)).toEqual([])
    expect(index.savedEntries()).toEqual([])
    fail(false)
    const b = entry()
    await index.add(b)
    const back = await reopen(storage)
    expect(back.entries().map(e => e.key)).toEqual([b.key])
    // the name and key are free again
    await index.add(a)
    expect((await reopen(storage)).size).toBe(2)
  })

  it('takes back a remove, a rename, new tags, a merge and a backup state', async () => {
    const { storage, fail } = failingStorage()
    const index = new FileIndex(storage)
    await index.load()
    const a = entry({ tags: ['t'] })
    const b = entry()
    await index.add(a)
    await index.add(b)
    await index.setBackup({ seq: 1, id: 'one' })
    const byKey = (i: FileIndex): IndexEntry[] => i.entries().sort((x, y) => x.key < y.key ? -1 : 1)
    const before = byKey(index)
    fail(true)
    await expect(index.remove(a.key)).rejects.toThrow('disk full')
    await expect(index.update(a.key, { name: 'renamed.bin' })).rejects.toThrow('disk full')
    await expect(index.update(b.key, { tags: ['x'] })).rejects.toThrow('disk full')
    await expect(index.merge({ entries: [entry(), entry()], deleted: [{ key: b.key, deletedAt: Date.now() }] })).rejects.toThrow('disk full')
    await expect(index.setBackup({ seq: 2, id: 'two' })).rejects.toThrow('disk full')
    expect(byKey(index)).toEqual(before)
    expect(names(index)).toEqual([a.name, b.name].sort())
    expect(index.byName('renamed.bin')).toBeUndefined()
    expect(index.byName(a.name)?.tags).toEqual(['t'])
    expect(index.get(b.key)?.tags).toEqual([])
    expect(index.backup).toEqual({ seq: 1, id: 'one' })
    expect(index.tombstones()).toEqual([])
    fail(false)
    await index.save()
    const back = await reopen(storage)
    expect(byKey(back)).toEqual(before)
    expect(back.backup).toEqual({ seq: 1, id: 'one' })
  })

  it('undoes only the changes the failed save carried: those made meanwhile stay, unless they built on an undone one', async () => {
    const storage = new GatedStorage()
    const index = new FileIndex(storage)
    await index.load()
    const kept = entry({ name: 'kept.bin' })
    const moved = entry({ name: 'old-name.bin' })
    await Promise.all([index.add(kept), index.add(moved), storage.settle()])
    // carried by the save that fails
    const failed = entry({ name: 'failed.bin' })
    const adding = index.add(failed)
    const renaming = index.update(moved.key, { name: 'new-name.bin' })
    const removing = index.remove(kept.key)
    await tick()
    // made while it is written: independent, or building on what will be undone
    const other = entry({ name: 'other.bin' })
    const independent = index.add(other)
    const tagFailed = index.update(failed.key, { tags: ['t'] }) // builds on the failed add
    const takeName = index.add(entry({ name: 'old-name.bin' })) // takes the name the failed rename freed
    const renameAgain = index.update(moved.key, { name: 'third.bin' })
    const results = Promise.allSettled([adding, renaming, removing, independent, tagFailed, takeName, renameAgain])
    await storage.settle(new Error('disk full'))
    await storage.settle()
    const [a, r, rm, ind, tf, tn, ra] = await results
    for (const failedChange of [a, r, rm]) expect(failedChange).toMatchObject({ status: 'rejected', reason: { message: 'disk full' } })
    expect(ind.status).toBe('fulfilled')
    expect(tf).toMatchObject({ status: 'fulfilled', value: undefined }) // no such file any more
    expect(tn).toMatchObject({ status: 'rejected', reason: { name: 'AlreadyExistsError' } })
    expect(ra).toMatchObject({ status: 'fulfilled', value: { key: moved.key, name: 'third.bin' } })
    const expected = ['kept.bin', 'other.bin', 'third.bin']
    expect(names(index)).toEqual(expected)
    const back = await reopen(storage.inner)
    expect(names(back)).toEqual(expected)
    expect(back.byName('kept.bin')?.key).toBe(kept.key)
    expect(back.get(failed.key)).toBeUndefined()
  })

  it('keeps what an earlier save wrote when a later one fails', async () => {
    const storage = new GatedStorage()
    const index = new FileIndex(storage)
    await index.load()
    const a = entry()
    const b = entry()
    const first = index.add(a)
    await tick()
    const second = index.add(b) // waits for the next save
    const secondFails = expect(second).rejects.toThrow('disk full')
    await storage.settle()
    await first
    await storage.settle(new Error('disk full'))
    await secondFails
    expect(index.entries().map(e => e.key)).toEqual([a.key])
    expect(index.savedEntries()).toHaveLength(1)
  })

  it('backs up only what was written: a change still being saved is not in savedEntries', async () => {
    const storage = new GatedStorage()
    const index = new FileIndex(storage)
    await index.load()
    const a = entry()
    const adding = index.add(a)
    expect(index.encodedEntries()).toHaveLength(1)
    expect(index.savedEntries()).toHaveLength(0)
    await storage.settle()
    await adding
    expect(index.savedEntries()).toEqual([encodeCbor(encodeEntry(a))])
  })
})

describe('the joined encoding', () => {
  it('gives the same bytes as encoding the whole index', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), tags: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 3 }), size: fc.nat() }), { maxLength: 40 }),
      fc.option(fc.record({ seq: fc.nat(), id: fc.string({ maxLength: 60 }) }), { nil: undefined }),
      (raw, backup) => {
        const entries = raw.map(r => entry(r))
        const fields = { v: 1, ...(backup !== undefined ? { backup } : {}) }
        const joined = encodeWithEntries(fields, entries.map(e => encodeCbor(encodeEntry(e))))
        expect(Buffer.from(joined).equals(Buffer.from(encodeCbor({ ...fields, entries: entries.map(encodeEntry) })))).toBe(true)
      }), { numRuns: 100 })
  })

  it('holds for long lists (array heads of 1, 2 and 3 bytes) and the backup\'s fields', () => {
    for (const count of [23, 24, 255, 256, 70_000]) {
      const encoded = Array.from({ length: count }, (_, i) => encodeCbor(i))
      const fields = { v: 1, owner: new Uint8Array(32), created: 5 }
      const joined = encodeWithEntries(fields, encoded)
      expect(Buffer.from(joined).equals(Buffer.from(encodeCbor({ ...fields, entries: Array.from({ length: count }, (_, i) => i) })))).toBe(true)
    }
    expect(() => encodeWithEntries({ zzzzzzzz: 1 }, [])).toThrow(TypeError)
  })
})

describe('the listing', () => {
  it('is newest first and follows every change', async () => {
    const index = new FileIndex(new MemoryIndexStorage())
    await index.load()
    const ctx = { index } as unknown as MeshContext
    const old = entry({ created: 1000, tags: ['a'] })
    const mid = entry({ created: 2000 })
    const tie = entry({ created: 2000, name: 'a-first.bin' })
    await index.add(mid)
    await index.add(old)
    const names = async (tag?: string): Promise<string[]> => (await list(ctx, tag !== undefined ? { tag } : {})).map(f => f.name)
    expect(await names()).toEqual([mid.name, old.name])
    await index.add(tie)
    expect(await names()).toEqual(['a-first.bin', mid.name, old.name])
    await index.update(old.key, { name: 'zz.bin' })
    expect(await names()).toEqual(['a-first.bin', mid.name, 'zz.bin'])
    expect(await names('a')).toEqual(['zz.bin'])
    await index.update(old.key, { tags: [] })
    expect(await names('a')).toEqual([])
    await index.remove(mid.key)
    expect(await names()).toEqual(['a-first.bin', 'zz.bin'])
    await index.merge({ entries: [entry({ created: 3000, name: 'merged.bin' })] })
    expect((await names())[0]).toBe('merged.bin')
  })

  it('hands out copies: changing a listed file changes neither the index nor the next list', async () => {
    const index = new FileIndex(new MemoryIndexStorage())
    await index.load()
    const ctx = { index } as unknown as MeshContext
    await index.add(entry({ tags: ['t'] }))
    const [listed] = await list(ctx)
    listed!.name = 'changed'
    listed!.tags.push('u')
    listed!.manifestHolders.pop()
    const [again] = await list(ctx)
    expect(again!.name).not.toBe('changed')
    expect(again!.tags).toEqual(['t'])
    expect(again!.manifestHolders).toHaveLength(3)
    expect('wrappedKey' in again!).toBe(false)
  })
})
