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

  it('rejects the changes whose save failed, and the next save writes everything', async () => {
    let fail = true
    const inner = new MemoryIndexStorage()
    const storage: IndexStorage = { load: async () => await inner.load(), save: async (bytes) => { if (fail) throw new Error('disk full'); await inner.save(bytes) } }
    const index = new FileIndex(storage)
    await index.load()
    const a = entry()
    await expect(index.add(a)).rejects.toThrow('disk full')
    fail = false
    const b = entry()
    await index.add(b)
    expect((await reopen(storage)).size).toBe(2)
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
    await index.merge([entry({ created: 3000, name: 'merged.bin' })])
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
