/**
 * The mesh facade's file lifecycle on a local relay mesh with six storage
 * peers (2 MiB per owner each): owner-only delete that reaches every holder,
 * a full per-owner quota, and the index backup restored from the keys alone.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { startTestNet, owner, ownerLabelOn, dial, randomBytes, bytesOf, sameBytes, MiB, type TestNet, type TestOwner } from './helpers.ts'
import { openMemoryStore } from '../../src/store/memory.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import { createMesh, manifestShardId, meshKeysFromIdentity, MemoryIndexStorage } from '../../src/mesh/index.ts'
import { generateIdentity, signerFromIdentity } from '../../src/core/keys/index.ts'
import type { ShardService } from '../../src/net/shard/index.ts'
import { indexRecordKey, openIndexRecord, signIndexRecord } from '../../src/net/index-record.ts'
import { shardCid } from '../../src/core/hash.ts'

let net: TestNet
let alice: TestOwner
let bob: TestOwner

beforeAll(async () => {
  net = await startTestNet({ ownerQuota: 2 * MiB })
  alice = owner(net.clients[0]!)
  bob = owner(net.clients[1]!)
})
afterAll(async () => { await net?.stop() })

async function heldAnywhere (id: string): Promise<number> {
  return (await Promise.all(net.mesh.storage.map(async s => await s.store.has(id)))).filter(Boolean).length
}

describe('mesh delete', () => {
  it('refuses a non-owner, and the owner\'s delete removes every shard and manifest copy', async () => {
    const bytes = randomBytes(2 * MiB)
    const { key } = await alice.mesh.put(bytes, { name: 'doomed.bin' })
    const placement = await alice.mesh.distribution('doomed.bin')
    const ids = [...placement.map(p => p.id), manifestShardId(key).toString()]
    expect(placement).toHaveLength(12)
    for (const id of ids) expect(await heldAnywhere(id)).toBeGreaterThan(0)

    const share = await alice.mesh.share('doomed.bin')
    await expect(bob.mesh.delete(share)).rejects.toMatchObject({ name: 'NotAllowedError' })
    // a delete signed by someone else is refused by the holder itself
    const shard = net.clients[1]!.services.shard as ShardService
    await expect(shard.delete(peerIdFromString(placement[0]!.hint), placement[0]!.id, signerFromIdentity(bob.identity))).rejects.toMatchObject({ name: 'NotAllowedError' })
    for (const id of ids) expect(await heldAnywhere(id)).toBeGreaterThan(0)

    const removed: number[] = []
    const result = await alice.mesh.delete('doomed.bin', { onProgress: e => { if (e.type === 'delete:removed') removed.push(e.removed) } })
    expect(result.failed).toEqual([])
    expect(result.removed).toBe(12 + 3)
    expect(removed.at(-1)).toBe(15)
    for (const id of ids) expect(await heldAnywhere(id)).toBe(0)
    expect(await alice.mesh.list()).toEqual([])
    await expect(alice.mesh.get('doomed.bin')).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(bob.mesh.get(share)).rejects.toMatchObject({ name: 'NotFoundError' })
  })
})

describe('mesh quota', () => {
  it('gives a typed error when the per-owner quota is full, and leaves nothing behind', async () => {
    const carol = owner(net.clients[0]!)
    const err = await carol.mesh.put(randomBytes(12 * MiB), { name: 'too-big.bin' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'QuotaExceededError' })
    expect(await carol.mesh.list()).toEqual([])
    for (const s of net.mesh.storage) expect((await s.store.usage()).byOwner.get(ownerLabelOn(carol.identity, s.peerId))?.bytes ?? 0).toBe(0)
    // a file that fits still goes in afterwards
    await carol.mesh.put(randomBytes(MiB), { name: 'fits.bin' })
    expect((await carol.mesh.list()).map(e => e.name)).toEqual(['fits.bin'])
  })

  it('leaves nothing behind when a put is aborted', async () => {
    const erin = owner(net.clients[0]!)
    const controller = new AbortController()
    const err = await erin.mesh.put(randomBytes(4 * MiB), {
      name: 'aborted.bin',
      signal: controller.signal,
      onProgress: e => { if (e.type === 'put:stored') controller.abort() }
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'AbortedError' })
    expect(await erin.mesh.list()).toEqual([])
    for (const s of net.mesh.storage) expect((await s.store.usage()).byOwner.get(ownerLabelOn(erin.identity, s.peerId))?.bytes ?? 0).toBe(0)
  })
})

describe('mesh placement policy', () => {
  const wide = { k: 6, m: 2, stripeSize: MiB }

  it('refuses up front with fewer than k + m peers under "refuse"', async () => {
    const strict = createMesh({ libp2p: net.clients[0]!, keys: meshKeysFromIdentity(generateIdentity()), config: { ...wide, minPeers: 'refuse' } })
    await expect(strict.put(randomBytes(1000), { name: 'x' })).rejects.toMatchObject({ name: 'InsufficientPeersError', details: { have: 6, want: 8 } })
    expect(await strict.list()).toEqual([])
  })

  it('spreads anyway with a durability warning under "warn", never more than two shards of a stripe per peer', async () => {
    const lenient = createMesh({ libp2p: net.clients[0]!, keys: meshKeysFromIdentity(generateIdentity()), config: { ...wide, minPeers: 'warn' } })
    const warnings: string[] = []
    lenient.events.on('durability:warning', w => warnings.push(w.reason))
    const bytes = randomBytes(MiB + 1)
    const result = await lenient.put(bytes, { name: 'wide.bin' })
    expect(result.warnings).toHaveLength(1)
    expect(warnings).toEqual(['too-few-peers'])
    for (const stripe of [0, 1]) {
      const hints = (await lenient.distribution('wide.bin')).filter(p => p.stripe === stripe).map(p => p.hint)
      expect(hints).toHaveLength(8)
      expect(new Set(hints).size).toBe(6)
      expect(Math.max(...[...new Set(hints)].map(h => hints.filter(x => x === h).length))).toBe(2)
    }
    expect(sameBytes(await bytesOf(await lenient.get('wide.bin')), bytes)).toBe(true)
  })

  it('lets a node with its own store keep at most one shard of a stripe, served to others', async () => {
    const store = await openMemoryStore({ quota: 64 * MiB })
    const node = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage', store }) })
    try {
      for (const s of net.mesh.storage) await dial(node, s.multiaddrs()[0]!)
      for (const c of net.clients) await dial(c, node.getMultiaddrs()[0]!.toString())
      const self = node.peerId.toString()
      const frank = createMesh({ libp2p: node, store, keys: meshKeysFromIdentity(generateIdentity()), config: { ...wide, minPeers: 'warn' } })
      const bytes = randomBytes(2 * MiB)
      const { key } = await frank.put(bytes, { name: 'own.bin' })
      const placement = await frank.distribution('own.bin')
      for (const stripe of [0, 1]) {
        const own = placement.filter(p => p.stripe === stripe && p.hint === self)
        expect(own).toHaveLength(1) // 7 candidates for 8 shards: this node takes one, a storage peer takes two
        expect(own[0]!.holders).toContain(self)
        expect(await store.has(own[0]!.id)).toBe(true)
      }
      // another client reads it, this node's shards included, over the shard protocol
      const share = { key, fileKey: (await frank.share('own.bin')).fileKey }
      expect(sameBytes(await bytesOf(await bob.mesh.get(share)), bytes)).toBe(true)
      expect((await frank.delete('own.bin')).failed).toEqual([])
      expect((await store.usage()).count).toBe(0)
    } finally {
      await node.stop()
      await store.close()
    }
  })
})

describe('index backup', () => {
  it('restores the same list in a new Mesh with the same keys and an empty index, from the DHT record', async () => {
    const dave = owner(net.clients[0]!)
    const files = [['a.txt', 'first'], ['b.txt', 'second'], ['c.txt', 'third']] as const
    await dave.mesh.put(new TextEncoder().encode(files[0][1]), { name: files[0][0], type: 'text/plain', tags: ['notes'] })
    await dave.mesh.put(new TextEncoder().encode(files[1][1]), { name: files[1][0], type: 'text/plain' })
    const first = await dave.mesh.backupIndex()
    expect(first.entries).toBe(2)
    await dave.mesh.put(new TextEncoder().encode(files[2][1]), { name: files[2][0] })
    const second = await dave.mesh.backupIndex()
    expect(second.seq).toBeGreaterThan(first.seq)
    expect(await heldAnywhere(first.id)).toBe(0) // the superseded backup was removed

    // a fresh browser: another node, the same keys, nothing stored locally
    const fresh = owner(net.clients[1]!, dave.identity, new MemoryIndexStorage())
    expect(await fresh.mesh.list()).toEqual([])
    const restored = await fresh.mesh.restoreIndex()
    expect(restored).toEqual({ seq: second.seq, added: 3, updated: 0, removed: 0, total: 3 })
    expect(await fresh.mesh.list()).toEqual(await dave.mesh.list())
    for (const [name, text] of files) expect(sameBytes(await bytesOf(await fresh.mesh.get(name)), new TextEncoder().encode(text))).toBe(true)
    // restoring again adds nothing
    expect((await fresh.mesh.restoreIndex()).added).toBe(0)
  })

  it('finds no backup for keys that never made one', async () => {
    await expect(owner(net.clients[1]!).mesh.restoreIndex()).rejects.toMatchObject({ name: 'NotFoundError' })
  })

  it('accepts only pointer records signed by the key they are filed under', async () => {
    const victim = generateIdentity()
    const forger = signerFromIdentity(generateIdentity())
    const ptr = shardCid(randomBytes(100))
    const forged = await signIndexRecord({ seq: Number.MAX_SAFE_INTEGER, ts: 1, ptr, holders: [] }, forger, victim.x25519.publicKey)
    expect(() => openIndexRecord(indexRecordKey(victim.ed25519.publicKey), forged)).toThrow(/another|owner|not for/i)
    const genuine = await signIndexRecord({ seq: 1, ts: 1, ptr, holders: ['x'] }, signerFromIdentity(victim), victim.x25519.publicKey)
    expect(openIndexRecord(indexRecordKey(victim.ed25519.publicKey), genuine).seq).toBe(1)
    const tampered = genuine.slice()
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1
    expect(() => openIndexRecord(indexRecordKey(victim.ed25519.publicKey), tampered)).toThrow()
  })
})
