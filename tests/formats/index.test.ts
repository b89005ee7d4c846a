/**
 * Frozen sample: an owner's stored index and its entries, written by an
 * earlier build (index-v1.json). Today's FileIndex loads it to the recorded
 * entries and backup state, every wrapped file key opens with the sample
 * owner's keys to the file key of the matching frozen manifest, and today's
 * encoder writes the same bytes again. That last check matters here: saves
 * splice cached entry encodings into the index map (encodeWithEntries), and
 * the result must stay exactly what a dag-cbor encoder of the whole map gives.
 */
import { describe, it, expect } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { open } from '../../src/core/keys/ecies.ts'
import { openManifest } from '../../src/core/manifest.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { decodeEntry, encodeEntry, FileIndex, MemoryIndexStorage } from '../../src/mesh/index-store.ts'
import type { IndexEntry } from '../../src/mesh/types.ts'
import { fromBase64, fromHex, toHex, sampleIdentity } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/index-v1.json'
import manifests from '../fixtures/formats/manifest-v1.json'

await initBlake3()
const owner = sampleIdentity(sample.owner)

function recordedEntries (): IndexEntry[] {
  return sample.entries.map(e => ({ key: e.key, name: e.name, type: e.type, size: e.size, tags: e.tags, created: e.created, wrappedKey: fromHex(e.wrappedKeyHex), manifestHolders: e.holders }))
}

function comparable (e: IndexEntry): unknown {
  return { ...e, wrappedKey: toHex(e.wrappedKey) }
}

async function loaded (): Promise<FileIndex> {
  const storage = new MemoryIndexStorage()
  await storage.save(fromBase64(sample.storedBase64))
  const index = new FileIndex(storage)
  await index.load()
  return index
}

describe('frozen stored index (v1)', () => {
  it('loads to the recorded entries and backup state', async () => {
    const index = await loaded()
    expect(index.entries().map(comparable)).toEqual(recordedEntries().map(comparable))
    expect(index.backup).toEqual(sample.backup)
    expect(index.listing().map(e => e.name)).toEqual([...sample.entries].sort((a, b) => b.created - a.created).map(e => e.name))
  })

  it('each wrapped key opens with the owner\'s keys to the file key of its frozen manifest', async () => {
    const index = await loaded()
    for (const entry of index.entries()) {
      const fileKey = await open(owner.x25519.secretKey, entry.wrappedKey)
      const recorded = sample.entries.find(e => e.key === entry.key)
      expect(toHex(fileKey)).toBe(recorded?.fileKeyHex)
      const file = manifests.files.find(f => f.key === entry.key)
      expect(file?.fileKeyHex).toBe(toHex(fileKey))
      const { manifest } = await openManifest(fromBase64(file?.sealedBase64 ?? ''), fileKey, entry.key)
      expect([manifest.name, manifest.size]).toEqual([file?.manifest.name, entry.size])
    }
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
    const whole = dagCbor.encode({ v: 1, backup: sample.backup, entries: recordedEntries().map(encodeEntry) })
    expect(toHex(whole)).toBe(toHex(stored))
  })
})
