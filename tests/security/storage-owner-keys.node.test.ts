/**
 * What a holder learns about who stored a file. Store, store-many (grants)
 * and delete requests used to carry the owner's own Ed25519 public key,
 * which every holder wrote to disk beside the shard: any holder, or several
 * comparing notes, could list everything one person stored, and tie it to
 * the public key that person hands out to receive shares. Owners now sign
 * what they ask of each holder with a key derived for that holder
 * (src/core/keys/holder-key.ts): each holder sees one key of its own, none
 * of them the owner's, and quotas and signed deletes still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { generateIdentity, signerFromIdentity } from '../../src/core/keys/index.ts'
import { parseShardCid, shardCid } from '../../src/core/hash.ts'
import { createContext } from '../../src/mesh/context.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import { deleteOn } from '../../src/mesh/transfer.ts'
import { ownerId, type ShardService } from '../../src/net/shard/index.ts'
import { parseShardHeader, shardTree } from '../../src/store/fs-format.ts'
import { owner, ownerLabelOn, randomBytes, startTestNet, MiB, type TestNet, type TestOwner } from '../mesh/helpers.ts'

describe('owner keys on holders', () => {
  let net: TestNet
  let alice: TestOwner

  beforeAll(async () => {
    net = await startTestNet({ clients: 1 })
    alice = owner(net.clients[0]!)
  })
  afterAll(async () => { await net?.stop() })

  /** The owner labels each storage peer keeps, from its records and from the headers of its shard files. */
  async function labels (): Promise<Array<{ peerId: string, records: Set<string>, files: Set<string>, raw: Buffer[] }>> {
    return await Promise.all(net.mesh.storage.map(async (s, i) => {
      const records = new Set<string>()
      for await (const r of s.store.entries()) if (r.owner !== undefined) records.add(r.owner)
      const root = shardTree(join(net.dir, `storage-${i}`, 'shards'))
      const files = new Set<string>()
      const raw: Buffer[] = []
      for (const folder of await readdir(root, { withFileTypes: true })) {
        if (!folder.isDirectory()) continue
        for (const name of await readdir(join(root, folder.name))) {
          const bytes = await readFile(join(root, folder.name, name))
          raw.push(bytes)
          const owner = parseShardHeader(new Uint8Array(bytes))?.owner
          if (owner !== undefined) files.add(owner)
        }
      }
      return { peerId: s.peerId, records, files, raw }
    }))
  }

  it('shows each holder a key of its own, never the owner\'s, and deletes still work', async () => {
    await alice.mesh.put(randomBytes(2 * MiB + 5), { name: 'private.bin' }) // two stripes of six shards, three manifest copies
    const main = ownerId(alice.identity.ed25519.publicKey)
    const mainKey = Buffer.from(alice.identity.ed25519.publicKey)
    const seen = await labels()
    const holding = seen.filter(h => h.records.size > 0)
    expect(holding.length).toBe(6)
    for (const h of holding) {
      // one key per holder: the one derived for it, on record and in every shard file's header
      expect([...h.records]).toEqual([ownerLabelOn(alice.identity, h.peerId)])
      expect([...h.files]).toEqual([...h.records])
      // the owner's key appears nowhere on the holder's disk, in text or in bytes
      for (const file of h.raw) {
        expect(file.includes(Buffer.from(main))).toBe(false)
        expect(file.includes(mainKey)).toBe(false)
      }
    }
    // no two holders can match their records up by key
    expect(new Set(holding.map(h => [...h.records][0])).size).toBe(holding.length)
    expect(holding.some(h => h.records.has(main))).toBe(false)

    // deletes are signed with the same per-holder keys and remove every copy
    await alice.mesh.delete('private.bin')
    for (const s of net.mesh.storage) {
      expect((await s.store.usage()).byOwner.get(ownerLabelOn(alice.identity, s.peerId))).toBeUndefined()
    }
  })

  it('still deletes a shard stored under the owner\'s own key by an earlier version', async () => {
    const client = net.clients[0]!
    const holder = net.mesh.storage[0]!
    const legacy = randomBytes(3000)
    const id = shardCid(legacy)
    const shard = client.services.shard as ShardService
    await shard.store(peerIdFromString(holder.peerId), id, legacy, signerFromIdentity(alice.identity)) // as earlier versions signed
    expect((await holder.store.stat(id.toString()))?.owner).toBe(ownerId(alice.identity.ed25519.publicKey))
    const ctx = createContext({ libp2p: client, keys: meshKeysFromIdentity(alice.identity) })
    await deleteOn(ctx, holder.peerId, parseShardCid(id))
    expect(await holder.store.has(id.toString())).toBe(false)
    // and nobody else's: a shard of another owner stays
    const other = randomBytes(3000)
    await shard.store(peerIdFromString(holder.peerId), shardCid(other), other, signerFromIdentity(generateIdentity()))
    await expect(deleteOn(ctx, holder.peerId, shardCid(other))).rejects.toMatchObject({ name: 'NotAllowedError' })
    expect(await holder.store.has(shardCid(other).toString())).toBe(true)
  })
})
