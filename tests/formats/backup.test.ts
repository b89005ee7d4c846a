/**
 * Frozen sample: an index backup shard made by an earlier build
 * (backup-v1.json), opened with the committed sample owner's keys. It holds
 * the entries of index-v1.json. The shard is sealed to the owner with a fresh
 * ephemeral key, so the outer bytes are not reproducible; the plaintext
 * inside is, and today's encoder must write it byte for byte.
 */
import { describe, it, expect } from 'vitest'
import { decodeCborMap, RecordReader } from '../../src/core/cbor.ts'
import { open } from '../../src/core/keys/ecies.ts'
import { initBlake3, shardCid } from '../../src/core/hash.ts'
import { decodeBackup } from '../../src/mesh/backup.ts'
import { encodeWithEntries } from '../../src/mesh/index-store.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import type { IndexEntry } from '../../src/mesh/types.ts'
import { fromBase64, fromHex, toHex, sampleIdentity } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/backup-v1.json'
import indexSample from '../fixtures/formats/index-v1.json'

await initBlake3()
const owner = sampleIdentity(sample.owner)
const comparable = (e: IndexEntry): unknown => ({ ...e, wrappedKey: toHex(e.wrappedKey) })

describe('frozen index backup shard (v1)', () => {
  it('is the shard its recorded id names', () => {
    expect(shardCid(fromBase64(sample.blobBase64)).toString()).toBe(sample.id)
  })

  it('opens with the owner\'s keys to the recorded creation time and the entries of the frozen index', async () => {
    const { created, entries } = await decodeBackup(fromBase64(sample.blobBase64), meshKeysFromIdentity(owner))
    expect(created).toBe(sample.created)
    expect(entries.map(comparable)).toEqual(indexSample.entries.map(e => ({
      key: e.key, name: e.name, type: e.type, size: e.size, tags: e.tags, created: e.created, wrappedKey: e.wrappedKeyHex, manifestHolders: e.holders
    })))
  })

  it('today\'s encoder writes the same sealed plaintext', async () => {
    const outer = new RecordReader(decodeCborMap(fromBase64(sample.blobBase64), 1 << 24, 'backup'), 'backup')
    outer.version(1)
    const plain = await open(owner.x25519.secretKey, outer.bytes('e'))
    outer.done()
    const again = encodeWithEntries({ v: 1, owner: owner.ed25519.publicKey, created: sample.created }, indexSample.entries.map(e => fromHex(e.encodedHex)))
    expect(toHex(again)).toBe(toHex(plain))
  })
})
