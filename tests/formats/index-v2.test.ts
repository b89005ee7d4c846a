/**
 * Frozen sample: an owner's stored index in version 2 (index-v2.json):
 * index-v1.json's index after a rename with new tags (the entry carries
 * `updated`), a delete, a delete of a file this device never listed (two
 * tombstones) and a new backup state. Today's FileIndex loads it to the
 * recorded entries, tombstones and backup state, keeps its tombstones for
 * their whole lifetime, never lets a merge bring a removed file back, and
 * writes the same bytes again (saves splice cached entry encodings into the
 * map, which must stay exactly what a dag-cbor encoder of the whole map
 * gives). The clock is injected, so the tests pass on any date.
 */
import { describe, it, expect } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { open } from '../../src/core/keys/ecies.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { INDEX_TOMBSTONE_LIFETIME_MS } from '../../src/mesh/index-entries.ts'
import { decodeEntry, encodeEntry, FileIndex, MemoryIndexStorage } from '../../src/mesh/index-store.ts'
import type { IndexEntry } from '../../src/mesh/types.ts'
import { fromBase64, fromHex, toHex, sampleIdentity } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/index-v2.json'
import v1 from '../fixtures/formats/index-v1.json'

await initBlake3()
const owner = sampleIdentity(sample.owner)
/** a time the sample's tombstones still count, whatever today's date */
const LATER = sample.clock + 1000

type SampleEntry = (typeof sample.entries)[number] & { updated?: number }

function recordedEntries (): IndexEntry[] {
  return (sample.entries as SampleEntry[]).map(e => ({
    key: e.key, name: e.name, type: e.type, size: e.size, tags: e.tags, created: e.created, wrappedKey: fromHex(e.wrappedKeyHex), manifestHolders: e.holders,
    ...(e.updated !== undefined ? { updated: e.updated } : {})
  }))
}

const comparable = (e: IndexEntry): unknown => ({ ...e, wrappedKey: toHex(e.wrappedKey) })

async function loaded (now = LATER): Promise<FileIndex> {
  const storage = new MemoryIndexStorage()
  await storage.save(fromBase64(sample.storedBase64))
  const index = new FileIndex(storage, { now: () => now })
  await index.load()
  return index
}

describe('frozen stored index (v2)', () => {
  it('loads to the recorded entries, tombstones and backup state', async () => {
    const index = await loaded()
    expect(index.entries().map(comparable)).toEqual(recordedEntries().map(comparable))
    expect(index.tombstones()).toEqual(sample.deleted)
    expect(index.backup).toEqual(sample.backup)
    expect(index.get(sample.removed.listed)).toBeUndefined()
    expect(sample.deleted.map(t => t.key).sort()).toEqual([sample.removed.listed, sample.removed.unlisted].sort())
    expect(index.byName('renamed on two devices.bin')?.updated).toBe(sample.clock)
  })

  it('its entries are index-v1.json\'s, but for the rename, its tags and when it was made', async () => {
    const index = await loaded()
    for (const entry of index.entries()) {
      const before = v1.entries.find(e => e.key === entry.key)
      expect(before).toBeDefined()
      const { name, tags, updated, ...rest } = entry
      expect(comparable(rest as IndexEntry)).toEqual({ key: before?.key, type: before?.type, size: before?.size, created: before?.created, wrappedKey: before?.wrappedKeyHex, manifestHolders: before?.holders })
      if (updated === undefined) expect([name, tags]).toEqual([before?.name, before?.tags])
      else expect([name, tags, updated]).toEqual(['renamed on two devices.bin', ['frozen', 'v2'], sample.clock])
      expect(toHex(await open(owner.x25519.secretKey, entry.wrappedKey))).toBe(before?.fileKeyHex)
    }
  })

  it('keeps each tombstone for its lifetime after deletedAt, then collects it', async () => {
    const last = Math.max(...sample.deleted.map(t => t.deletedAt))
    expect((await loaded(last + INDEX_TOMBSTONE_LIFETIME_MS - 1)).tombstones()).toEqual(sample.deleted)
    expect((await loaded(last + INDEX_TOMBSTONE_LIFETIME_MS)).tombstones()).toEqual([])
    expect(INDEX_TOMBSTONE_LIFETIME_MS).toBe(430 * 24 * 3_600_000)
  })

  it('each recorded entry encoding decodes to its entry, and today\'s encoder writes the same bytes', () => {
    const entries = recordedEntries()
    sample.entries.forEach((e, i) => {
      const decoded = decodeEntry(dagCbor.decode(fromHex(e.encodedHex)))
      expect(comparable(decoded)).toEqual(comparable(entries[i] as IndexEntry))
      expect(toHex(dagCbor.encode(encodeEntry(decoded)))).toBe(e.encodedHex)
    })
  })

  it('today\'s encoder writes the stored bytes again, equal to encoding the whole map', async () => {
    const index = await loaded()
    const stored = fromBase64(sample.storedBase64)
    expect(toHex(index.encode())).toBe(toHex(stored))
    const whole = dagCbor.encode({ v: 2, backup: sample.backup, deleted: sample.deleted, entries: recordedEntries().map(encodeEntry) })
    expect(toHex(whole)).toBe(toHex(stored))
  })

  it('merging the version 1 list again brings back neither the removed file nor the old name', async () => {
    const index = await loaded()
    const before = index.entries().map(comparable)
    const result = await index.merge({ entries: v1.entries.map(e => ({ key: e.key, name: e.name, type: e.type, size: e.size, tags: e.tags, created: e.created, wrappedKey: fromHex(e.wrappedKeyHex), manifestHolders: e.holders })) })
    expect(result).toEqual({ added: 0, updated: 0, removed: 0 })
    expect(index.get(sample.removed.listed)).toBeUndefined()
    expect(index.entries().map(comparable)).toEqual(before)
    expect(index.tombstones()).toEqual(sample.deleted)
  })
})
