/**
 * Small files on a local relay mesh with six storage peers: a one-stripe
 * put is one request per holder (shard and manifest copy together); when a
 * planned holder refuses, the manifest is sealed again with the real holders
 * and the first one's copies are deleted; many puts at once share requests.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestNet, owner, ownerLabelOn, dial, randomBytes, bytesOf, sameBytes, type TestNet } from './helpers.ts'
import { openMemoryStore } from '../../src/store/memory.ts'
import { QuotaExceededError } from '../../src/core/errors.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import type { ShardService } from '../../src/net/shard/index.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { InlineCodec, type StripeCodec } from '../../src/core/codec.ts'
import { createMesh, meshKeysFromIdentity } from '../../src/mesh/index.ts'
import { generateIdentity, type Identity } from '../../src/core/keys/index.ts'

let net: TestNet

beforeAll(async () => { net = await startTestNet({ clients: 1 }) })
afterAll(async () => { await net?.stop() })

/** Copies kept for `identity` on the storage peers (each keeps them under the owner's key for it). */
async function copiesOf (identity: Identity): Promise<number> {
  const counts = await Promise.all(net.mesh.storage.map(async s => (await s.store.usage()).byOwner.get(ownerLabelOn(identity, s.peerId))?.count ?? 0))
  return counts.reduce((a, b) => a + b, 0)
}

/** Count the client's store-many requests. */
function countRequests (shard: ShardService): { calls: number, shards: number, restore: () => void } {
  const original = shard.storeMany
  const counter = { calls: 0, shards: 0, restore: () => { shard.storeMany = original } }
  shard.storeMany = async (peer, shards, signer, options) => {
    counter.calls++
    counter.shards += shards.length
    return await original.call(shard, peer, shards, signer, options)
  }
  return counter
}

describe('small puts', () => {
  it('store a one-stripe file in one request per holder, the manifest copies travelling with the shards', async () => {
    const alice = owner(net.clients[0]!)
    const shard = net.clients[0]!.services.shard as ShardService
    const counter = countRequests(shard)
    try {
      const bytes = randomBytes(1024)
      const { key, warnings } = await alice.mesh.put(bytes, { name: 'note.txt' })
      expect(warnings).toEqual([])
      expect(counter.calls).toBe(6)
      expect(counter.shards).toBe(6 + 3)
      const placement = await alice.mesh.distribution('note.txt')
      const hints = placement.map(p => p.hint)
      expect(new Set(hints).size).toBe(6)
      for (const p of placement) expect(p.holders).toEqual([p.hint])
      const [listed] = await alice.mesh.list()
      expect(listed!.key).toBe(key)
      expect(listed!.manifestHolders).toHaveLength(3)
      for (const h of listed!.manifestHolders) expect(hints).toContain(h)
      expect(await copiesOf(alice.identity)).toBe(9)
      expect(sameBytes(await bytesOf(await alice.mesh.get('note.txt')), bytes)).toBe(true)
    } finally {
      counter.restore()
    }
  })

  it('seal the manifest again when a planned holder refuses, and delete the first one\'s copies', async () => {
    // a storage node with the most room, whose disk refuses every write
    const inner = await openMemoryStore({ quota: 1 << 40 })
    const refusing: ShardStore = Object.assign(Object.create(inner) as ShardStore, {
      putMany: async () => { throw new QuotaExceededError('disk full') },
      put: async () => { throw new QuotaExceededError('disk full') }
    })
    const node = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage', store: refusing }) })
    try {
      await dial(net.clients[0]!, node.getMultiaddrs()[0]!.toString())
      const bob = owner(net.clients[0]!)
      const bytes = randomBytes(3000)
      const { key, warnings } = await bob.mesh.put(bytes, { name: 'retried.bin' })
      expect(warnings).toEqual([])
      const placement = await bob.mesh.distribution('retried.bin')
      expect(placement.map(p => p.hint)).not.toContain(node.peerId.toString())
      for (const p of placement) expect(p.holders).toEqual([p.hint]) // the manifest names the real holders
      // six shards and three copies of the second manifest; the first manifest's copies are gone
      expect(await copiesOf(bob.identity)).toBe(9)
      const share = await bob.mesh.share('retried.bin')
      expect(share.key).toBe(key)
      expect(sameBytes(await bytesOf(await bob.mesh.get('retried.bin')), bytes)).toBe(true)
    } finally {
      await node.stop()
      await inner.close()
    }
  })

  it('code a small file on the calling thread, a larger one with the configured codec', async () => {
    const inner = new InlineCodec()
    let jobs = 0
    const codec: StripeCodec = { parallelism: 1, encode: async (job) => { jobs++; return await inner.encode(job) }, decode: async (job) => await inner.decode(job), close: () => {} }
    const mesh = createMesh({ libp2p: net.clients[0]!, keys: meshKeysFromIdentity(generateIdentity()), config: { codec } })
    const small = randomBytes(64 * 1024)
    await mesh.put(small, { name: 'small.bin' })
    expect(jobs).toBe(0)
    const larger = randomBytes(64 * 1024 + 1)
    await mesh.put(larger, { name: 'larger.bin' })
    expect(jobs).toBe(1)
    expect(sameBytes(await bytesOf(await mesh.get('small.bin')), small)).toBe(true)
    expect(sameBytes(await bytesOf(await mesh.get('larger.bin')), larger)).toBe(true)
  })

  it('share requests between puts running at once, and keep every file readable', async () => {
    const carol = owner(net.clients[0]!)
    const shard = net.clients[0]!.services.shard as ShardService
    const counter = countRequests(shard)
    try {
      const files = Array.from({ length: 24 }, (_, i) => ({ name: `f${i}`, bytes: randomBytes(100 + i) }))
      await Promise.all(files.map(async f => await carol.mesh.put(f.bytes, { name: f.name })))
      expect(counter.shards).toBe(24 * 9)
      expect(counter.calls).toBeLessThan(24 * 6)
      expect((await carol.mesh.list()).map(f => f.name).sort()).toEqual(files.map(f => f.name).sort())
      for (const f of files.slice(0, 4)) expect(sameBytes(await bytesOf(await carol.mesh.get(f.name)), f.bytes)).toBe(true)
    } finally {
      counter.restore()
    }
  })
})
