/**
 * Frozen sample: an index backup shard in version 2 (backup-v2.json), the
 * backup of index-v2.json: its tombstones, and an entry carrying `updated`.
 * Opened with the committed sample owner's keys. The shard is sealed with a
 * fresh ephemeral key, so the outer bytes are not reproducible; the
 * plaintext inside is, and today's encoder must write it byte for byte.
 */
import { describe, it, expect } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { decodeCborMap, RecordReader } from '../../src/core/cbor.ts'
import { open } from '../../src/core/keys/ecies.ts'
import { initBlake3, shardCid } from '../../src/core/hash.ts'
import { decodeBackup } from '../../src/mesh/backup.ts'
import { decodeEntry, encodeEntry, encodeWithEntries } from '../../src/mesh/index-store.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import type { IndexEntry } from '../../src/mesh/types.ts'
import { fromBase64, fromHex, toHex, sampleIdentity } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/backup-v2.json'
import indexSample from '../fixtures/formats/index-v2.json'

await initBlake3()
const owner = sampleIdentity(sample.owner)
const comparable = (e: IndexEntry): unknown => ({ ...e, wrappedKey: toHex(e.wrappedKey) })
const indexEntries = (): IndexEntry[] => indexSample.entries.map(e => decodeEntry(dagCbor.decode(fromHex(e.encodedHex))))

async function plaintext (): Promise<Uint8Array> {
  const outer = new RecordReader(decodeCborMap(fromBase64(sample.blobBase64), 1 << 24, 'backup'), 'backup')
  expect(outer.version(2)).toBe(2)
  const e = outer.bytes('e')
  outer.done()
  return await open(owner.x25519.secretKey, e)
}

describe('frozen index backup shard (v2)', () => {
  it('is the shard its recorded id names, and says version 2 outside', () => {
    const blob = fromBase64(sample.blobBase64)
    expect(shardCid(blob).toString()).toBe(sample.id)
    const outer = dagCbor.decode(blob) as Record<string, unknown>
    expect([Object.keys(outer).sort(), outer.v]).toEqual([['e', 'v'], 2])
  })

  it('opens with the owner\'s keys to the recorded creation time, the entries of the frozen index and its tombstones', async () => {
    const backup = await decodeBackup(fromBase64(sample.blobBase64), meshKeysFromIdentity(owner))
    expect(backup.created).toBe(sample.created)
    expect(backup.entries.map(comparable)).toEqual(indexEntries().map(comparable))
    expect(backup.entries.map(e => e.updated)).toEqual(indexSample.entries.map(e => (e as { updated?: number }).updated))
    expect(backup.deleted).toEqual(indexSample.deleted)
  })

  it('does not open with another owner\'s keys', async () => {
    await expect(decodeBackup(fromBase64(sample.blobBase64), meshKeysFromIdentity(sampleIdentity('bob')))).rejects.toThrow(expect.objectContaining({ name: 'WrongKeyError' }))
  })

  it('today\'s encoder writes the same sealed plaintext, equal to encoding the whole map', async () => {
    const plain = await plaintext()
    const fields = { v: 2, owner: owner.ed25519.publicKey, created: sample.created, deleted: indexSample.deleted }
    expect(toHex(encodeWithEntries(fields, indexSample.entries.map(e => fromHex(e.encodedHex))))).toBe(toHex(plain))
    expect(toHex(dagCbor.encode({ ...fields, entries: indexEntries().map(encodeEntry) }))).toBe(toHex(plain))
  })
})
