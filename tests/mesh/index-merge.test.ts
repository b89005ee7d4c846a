/**
 * The owner's index across devices, without a network: tombstones (left by a
 * remove, kept through saves, winning every merge, collected after their
 * lifetime, bounded in number), the dating of renames and tag changes, the
 * merge rules (the later change wins, ties keep the local one, names stay
 * unique with the later claim keeping a name), two indexes exchanging
 * their lists until they agree, and the stored and backup forms: version 1
 * while nothing needs version 2, both read.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { create } from 'multiformats/hashes/digest'
import { decodeCborMap, encodeCbor } from '../../src/core/cbor.ts'
import { generateIdentity } from '../../src/core/keys/index.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { decodeBackup, encodeBackup } from '../../src/mesh/backup.ts'
import { FileIndex, MemoryIndexStorage } from '../../src/mesh/index-store.ts'
import { encodeEntry, INDEX_MAX_TOMBSTONES, INDEX_TOMBSTONE_LIFETIME_MS } from '../../src/mesh/index-entries.ts'
import { INDEX_RECORD_MAX_LIFETIME_MS } from '../../src/net/index-record.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import type { IndexEntry, Tombstone } from '../../src/mesh/types.ts'

await initBlake3()

let n = 0
function fileKey (i: number): string {
  const digest = new Uint8Array(32)
  new DataView(digest.buffer).setUint32(0, i)
  return CID.createV1(0x71, create(0x1e, digest)).toString()
}
function entry (fields: Partial<IndexEntry> = {}): IndexEntry {
  n++
  return { key: fileKey(n), name: `file-${n}.bin`, type: '', size: n, tags: [], created: 1_700_000_000_000 + n, wrappedKey: new Uint8Array(82).fill(n & 0xff), manifestHolders: ['12D3KooWA'], ...fields }
}

/** A clock the test moves. */
function clock (start = 1_750_000_000_000): { now: () => number, set: (t: number) => void, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, set: (v) => { t = v }, advance: (ms) => { t += ms } }
}

async function index (now: () => number, storage = new MemoryIndexStorage()): Promise<FileIndex> {
  const i = new FileIndex(storage, { now })
  await i.load()
  return i
}

/** What a backup of `i` would carry. */
const listOf = (i: FileIndex): { entries: IndexEntry[], deleted: Tombstone[] } => ({ entries: i.entries(), deleted: i.tombstones() })
const storedVersion = async (storage: MemoryIndexStorage): Promise<unknown> => decodeCborMap((await storage.load())!, 1 << 26, 'index').v
const byName = (i: FileIndex): Array<[string, string]> => i.entries().map((e): [string, string] => [e.name, e.key]).sort((a, b) => a[0] < b[0] ? -1 : 1)

describe('tombstones', () => {
  it('a remove leaves a tombstone (also for a file not listed here), saved as version 2 and read back', async () => {
    const c = clock()
    const storage = new MemoryIndexStorage()
    const a = await index(c.now, storage)
    const e = entry()
    await a.add(e)
    expect(await storedVersion(storage)).toBe(1)
    expect(await a.remove(e.key)).toBe(true)
    expect(await a.remove(fileKey(999_999))).toBe(false)
    expect(a.tombstones()).toEqual([{ key: e.key, deletedAt: c.now() }, { key: fileKey(999_999), deletedAt: c.now() }].sort((x, y) => x.key < y.key ? -1 : 1))
    expect(await storedVersion(storage)).toBe(2)
    const back = await index(c.now, storage)
    expect(back.tombstones()).toEqual(a.tombstones())
    expect(back.deletedAt(e.key)).toBe(c.now())
  })

  it('wins every merge: a tombstoned entry is never added, and a tombstone removes the entry it names', async () => {
    const c = clock()
    const a = await index(c.now)
    const b = await index(c.now)
    const gone = entry()
    const kept = entry()
    await a.add(gone)
    await a.add(kept)
    await b.merge(listOf(a))
    await a.remove(gone.key)
    // b, which still lists it, is merged into a: it stays out
    expect(await a.merge(listOf(b))).toEqual({ added: 0, updated: 0, removed: 0 })
    expect(a.get(gone.key)).toBeUndefined()
    // a later edit of the entry elsewhere does not bring it back either
    expect(await a.merge({ entries: [{ ...gone, name: 'edited.bin', updated: c.now() + 1000 }], deleted: [] })).toEqual({ added: 0, updated: 0, removed: 0 })
    // a is merged into b: the entry goes
    expect(await b.merge(listOf(a))).toEqual({ added: 0, updated: 0, removed: 1 })
    expect(b.entries().map(e => e.key)).toEqual([kept.key])
    expect(b.deletedAt(gone.key)).toBe(c.now())
  })

  it('is kept INDEX_TOMBSTONE_LIFETIME_MS, longer than any record lives, then collected: no longer saved, and the entry may come in again', async () => {
    expect(INDEX_TOMBSTONE_LIFETIME_MS).toBeGreaterThan(INDEX_RECORD_MAX_LIFETIME_MS)
    const c = clock()
    const storage = new MemoryIndexStorage()
    const a = await index(c.now, storage)
    const e = entry()
    await a.add(e)
    await a.remove(e.key)
    const deletedAt = c.now()
    c.set(deletedAt + INDEX_TOMBSTONE_LIFETIME_MS - 1)
    expect(await a.merge({ entries: [e], deleted: [] })).toMatchObject({ added: 0 })
    expect((await index(c.now, storage)).deletedAt(e.key)).toBe(deletedAt)
    c.set(deletedAt + INDEX_TOMBSTONE_LIFETIME_MS)
    expect(a.tombstones()).toEqual([])
    // an expired tombstone arriving from elsewhere is not taken either
    const b = await index(c.now)
    await b.merge({ entries: [], deleted: [{ key: e.key, deletedAt }] })
    expect(b.tombstones()).toEqual([])
    // the next save writes it no more (version 1 again: nothing else needs version 2)
    const other = entry()
    await a.add(other)
    expect(await storedVersion(storage)).toBe(1)
    expect(await a.merge({ entries: [e], deleted: [] })).toMatchObject({ added: 1 })
  })

  it('keeps at most INDEX_MAX_TOMBSTONES, dropping the oldest', async () => {
    const c = clock()
    const a = await index(c.now)
    const many = Array.from({ length: INDEX_MAX_TOMBSTONES + 5 }, (_, i) => ({ key: fileKey(10_000_000 + i), deletedAt: c.now() - INDEX_MAX_TOMBSTONES - 5 + i }))
    await a.merge({ entries: [], deleted: many })
    const kept = a.tombstones()
    expect(kept).toHaveLength(INDEX_MAX_TOMBSTONES)
    expect(kept[0]).toEqual(many[5])
    await a.remove(fileKey(1))
    expect(a.tombstones()).toHaveLength(INDEX_MAX_TOMBSTONES)
    expect(a.deletedAt(fileKey(1))).toBe(c.now())
    expect(a.deletedAt(many[5]!.key)).toBeUndefined()
  })
})

describe('edits and the merge rules', () => {
  it('dates a rename after every change the entry carries, even with a clock behind', async () => {
    const c = clock(1000)
    const a = await index(c.now)
    const e = entry({ created: 5000, updated: 9000 })
    await a.add(e)
    expect((await a.update(e.key, { name: 'x.bin' }))?.updated).toBe(9001)
    c.set(20_000)
    expect((await a.update(e.key, { tags: ['t'] }))?.updated).toBe(20_000)
  })

  it('takes a later rename or change of tags, ignores an earlier one, and on equal times the smaller name on both sides', async () => {
    const c = clock()
    const a = await index(c.now)
    const e = entry()
    await a.add(e)
    await a.update(e.key, { name: 'mine.bin' })
    const mine = a.get(e.key)!
    expect(await a.merge({ entries: [{ ...e, name: 'older.bin', updated: mine.updated! - 1 }], deleted: [] })).toMatchObject({ updated: 0 })
    expect(await a.merge({ entries: [{ ...e, name: 'tie-later-name.bin', updated: mine.updated! }], deleted: [] })).toMatchObject({ updated: 0 })
    expect(await a.merge({ entries: [e], deleted: [] })).toMatchObject({ updated: 0 }) // never edited elsewhere
    expect(await a.merge({ entries: [{ ...mine }], deleted: [] })).toMatchObject({ updated: 0 }) // the same version
    expect(a.get(e.key)?.name).toBe('mine.bin')
    expect(await a.merge({ entries: [{ ...e, name: 'a-tie.bin', updated: mine.updated! }], deleted: [] })).toMatchObject({ updated: 1 })
    expect(a.get(e.key)?.name).toBe('a-tie.bin')
    expect(await a.merge({ entries: [{ ...e, name: 'later.bin', tags: ['z'], updated: mine.updated! + 1 }], deleted: [] })).toEqual({ added: 0, updated: 1, removed: 0 })
    expect(a.get(e.key)).toMatchObject({ name: 'later.bin', tags: ['z'], updated: mine.updated! + 1, wrappedKey: e.wrappedKey, size: e.size })
    expect(a.byName('mine.bin')).toBeUndefined()
  })

  it('keeps names unique: the later claim keeps a name, the other file moves to a free one', async () => {
    const c = clock()
    const a = await index(c.now)
    const early = entry({ name: 'a.txt', created: 100 })
    const late = entry({ name: 'a.txt', created: 200 })
    await a.add(early)
    // a file arriving with a later claim on the name takes it
    expect(await a.merge({ entries: [late], deleted: [] })).toEqual({ added: 1, updated: 1, removed: 0 })
    expect(byName(a)).toEqual([['a (2).txt', early.key], ['a.txt', late.key]])
    // one arriving with an earlier claim gets a free name
    const earliest = entry({ name: 'a.txt', created: 50 })
    expect(await a.merge({ entries: [earliest], deleted: [] })).toEqual({ added: 1, updated: 0, removed: 0 })
    expect(byName(a)).toEqual([['a (2).txt', early.key], ['a (3).txt', earliest.key], ['a.txt', late.key]])
    // a rename elsewhere onto a taken name: again the later claim keeps it
    expect(await a.merge({ entries: [{ ...earliest, name: 'a.txt', updated: 300 }], deleted: [] })).toEqual({ added: 0, updated: 2, removed: 0 })
    expect(byName(a)).toEqual([['a (2).txt', early.key], ['a (3).txt', late.key], ['a.txt', earliest.key]])
    // nothing was lost: every file is there with its own key and contents
    expect(a.size).toBe(3)
  })

  it('two devices exchanging their lists end with the same files and names, and lose none that was not deleted', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), name: fc.constantFrom('a', 'b', 'c', 'd') }),
      fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
      fc.record({ kind: fc.constant('tag' as const), pick: fc.nat(), tag: fc.constantFrom('x', 'y') }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() })
    )
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), op, fc.boolean(), fc.nat(1)), { maxLength: 24 }), async (ops) => {
      const c = clock()
      const devices = [await index(c.now), await index(c.now)] as const
      const added = new Set<string>()
      const removed = new Set<string>()
      for (const [which, o, hear, ms] of ops) {
        c.advance(ms) // sometimes two edits in one millisecond
        const d = devices[which ? 1 : 0]
        const keys = d.entries().map(e => e.key)
        const pick = 'pick' in o ? keys[o.pick % Math.max(keys.length, 1)] : undefined
        if (o.kind === 'add') {
          const e = entry({ name: freeOf(d, o.name), created: c.now() })
          await d.add(e)
          added.add(e.key)
        } else if (pick === undefined) {
          continue
        } else if (o.kind === 'rename') {
          if (d.byName(o.name) === undefined) await d.update(pick, { name: o.name })
        } else if (o.kind === 'tag') {
          await d.update(pick, { tags: [o.tag] })
        } else {
          await d.remove(pick)
          removed.add(pick)
        }
        // now and then one device hears of the other's list
        if (hear) await devices[which ? 0 : 1].merge(listOf(d))
      }
      const [x, y] = devices
      for (let round = 0; round < 3; round++) {
        await x.merge(listOf(y))
        await y.merge(listOf(x))
      }
      expect(byName(x)).toEqual(byName(y))
      expect(x.entries().map(e => [e.key, e.tags])).toEqual(expect.arrayContaining(y.entries().map(e => [e.key, e.tags])))
      expect(new Set(x.entries().map(e => e.key))).toEqual(new Set([...added].filter(k => !removed.has(k))))
    }), { numRuns: 500 })
  })
})

function freeOf (d: FileIndex, name: string): string {
  let candidate = name
  for (let i = 2; d.byName(candidate) !== undefined; i++) candidate = `${name}${i}`
  return candidate
}

describe('stored and backup forms', () => {
  const owner = generateIdentity()
  const keys = meshKeysFromIdentity(owner)

  it('a backup is version 1 while nothing needs version 2, and version 2 carries tombstones and edit times', async () => {
    const e = entry()
    const plainV1 = await encodeBackup([encodeCbor(encodeEntry(e))], keys, 1)
    expect(decodeCborMap(plainV1, 1 << 24, 'backup').v).toBe(1)
    expect(await decodeBackup(plainV1, keys)).toEqual({ created: 1, entries: [e], deleted: [] })
    const edited = { ...e, updated: 5 }
    const deleted = [{ key: fileKey(7), deletedAt: 9 }]
    const v2 = await encodeBackup([encodeCbor(encodeEntry(edited))], keys, 2, { deleted, edited: true })
    expect(decodeCborMap(v2, 1 << 24, 'backup').v).toBe(2)
    expect(await decodeBackup(v2, keys)).toEqual({ created: 2, entries: [edited], deleted })
    expect(decodeCborMap(await encodeBackup([], keys, 3, { edited: true }), 1 << 24, 'backup').v).toBe(2)
  })

  it('refuses what a version does not define: a version 1 entry with `updated`, a version 1 index with tombstones, an unknown version', async () => {
    const e = { ...entry(), updated: 5 }
    const v1WithUpdated = await encodeBackup([encodeCbor(encodeEntry(e))], keys, 1)
    await expect(decodeBackup(v1WithUpdated, keys)).rejects.toMatchObject({ name: 'MalformedDataError' })
    const storage = new MemoryIndexStorage()
    await storage.save(encodeCbor({ v: 1, deleted: [], entries: [] }))
    await expect(new FileIndex(storage).load()).rejects.toMatchObject({ name: 'MalformedDataError' })
    await storage.save(encodeCbor({ v: 1, entries: [encodeEntry(e)] }))
    await expect(new FileIndex(storage).load()).rejects.toMatchObject({ name: 'MalformedDataError' })
    await storage.save(encodeCbor({ v: 3, deleted: [], entries: [] }))
    await expect(new FileIndex(storage).load()).rejects.toMatchObject({ name: 'UnsupportedVersionError' })
    await expect(decodeBackup(encodeCbor({ v: 3, e: new Uint8Array(60) }), keys)).rejects.toMatchObject({ name: 'UnsupportedVersionError' })
  })

  it('a stored index of version 2 holds tombstones and edits, and reads back', async () => {
    const c = clock()
    const storage = new MemoryIndexStorage()
    const a = await index(c.now, storage)
    const e = entry()
    await a.add(e)
    await a.update(e.key, { tags: ['t'] })
    expect(await storedVersion(storage)).toBe(2)
    const back = await index(c.now, storage)
    expect(back.get(e.key)).toEqual(a.get(e.key))
    expect(back.snapshot()).toMatchObject({ deleted: [], edited: true })
  })
})
