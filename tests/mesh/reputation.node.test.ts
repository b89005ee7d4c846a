/**
 * Reputation through the mesh on a local relay mesh (six storage peers):
 * fake "storage" peers that claim huge free space but fail audits get no
 * shard; a holder that sends corrupt bytes falls below the floor and gets no
 * new shard; the mesh records what it sees (shards served, corrupt copies,
 * info round trips); peers() reports each peer's score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Libp2p } from 'libp2p'
import { generateIdentity } from '../../src/core/keys/index.ts'
import { shardCid } from '../../src/core/hash.ts'
import { openMemoryStore } from '../../src/store/memory.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import { REPUTATION, ReputationBook } from '../../src/net/reputation.ts'
import { createMesh, meshKeysFromIdentity, MemoryIndexStorage } from '../../src/mesh/index.ts'
import { createContext } from '../../src/mesh/context.ts'
import { fetchShard } from '../../src/mesh/locate.ts'
import { dial, randomBytes, sameBytes, startTestNet, TEST_CONFIG, type TestNet, MiB } from './helpers.ts'
import { seededRng } from './rng.ts'

type Node = Libp2p<Record<string, unknown>>

let net: TestNet
const extra: Array<{ node: Node, store: ShardStore }> = []

/** A node that says it is a storage peer with `quota` bytes; `corrupt`: its store hands out damaged bytes. */
async function fakeStorage (quota: number, corrupt = false): Promise<{ node: Node, store: ShardStore }> {
  const inner = await openMemoryStore({ quota })
  const store = corrupt
    ? new Proxy(inner, {
      get (target, key) {
        if (key === 'get') {
          return async (id: string) => {
            const bytes = (await target.get(id)).slice()
            bytes[0] = (bytes[0] as number) ^ 0xff
            return bytes
          }
        }
        const value = Reflect.get(target, key, target) as unknown
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      }
    })
    : inner
  const node = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage', store }) })
  const made = { node, store }
  extra.push(made)
  await dial(net.clients[0] as Node, node.getMultiaddrs()[0]!.toString())
  return made
}

beforeAll(async () => {
  net = await startTestNet({ storagePeers: 6, clients: 1 })
})

afterAll(async () => {
  await Promise.all(extra.map(async e => { await e.node.stop(); await e.store.close() }))
  await net?.stop()
})

describe('placement by reputation on a live mesh', () => {
  it('never places on peers that claim huge free space but failed their audits, and says so in peers()', async () => {
    const liars = await Promise.all([1, 2, 3].map(async () => await fakeStorage(1e15)))
    const liarIds = liars.map(l => l.node.peerId.toString())
    const book = new ReputationBook({ self: (net.clients[0] as Node).peerId.toString() })
    for (const id of liarIds) for (let i = 0; i < 3; i++) book.recordAudit(id, 'failed')
    const mesh = createMesh({ libp2p: net.clients[0] as Node, keys: meshKeysFromIdentity(generateIdentity()), index: new MemoryIndexStorage(), config: TEST_CONFIG, reputation: book, rng: seededRng(9) })
    const peers = await mesh.peers({ latency: false })
    for (const id of liarIds) {
      const p = peers.find(x => x.peerId === id)
      expect(p).toMatchObject({ nodeType: 'storage' })
      expect(p?.free).toBeGreaterThan(1e14)
      expect(p?.reputation).toBeLessThan(REPUTATION.floorScore)
    }
    for (let i = 0; i < 3; i++) {
      const name = `file-${i}`
      const { warnings } = await mesh.put(randomBytes(3 * MiB), { name })
      expect(warnings).toEqual([])
      for (const shard of await mesh.distribution(name)) {
        expect(liarIds).not.toContain(shard.hint)
        for (const holder of shard.holders) expect(liarIds).not.toContain(holder)
      }
    }
    for (const liar of liars) expect((await liar.store.usage()).count).toBe(0)
    // the storage peers answered info: their round trips are in the book
    for (const s of net.mesh.storage) expect(book.describe(s.peerId).latencyMs).toBeGreaterThanOrEqual(0)
    expect(mesh.reputation).toBe(book)
  })

  it('records a holder that sends corrupt bytes (below the floor, no new shard) and one that serves good ones', async () => {
    const liar = await fakeStorage(1e12, true)
    const liarId = liar.node.peerId.toString()
    const honest = net.mesh.storage[0]!
    const book = new ReputationBook({ self: (net.clients[0] as Node).peerId.toString() })
    const identity = generateIdentity()
    const ctx = createContext({ libp2p: net.clients[0] as Node, keys: meshKeysFromIdentity(identity), config: TEST_CONFIG, reputation: book })
    const corrupt: string[] = []
    ctx.events.on('shard:corrupt', e => { corrupt.push(e.peer ?? '') })
    const bytes = randomBytes(64 * 1024)
    const id = shardCid(bytes)
    await liar.store.put(id.toString(), bytes)
    await honest.store.put(id.toString(), bytes)
    const before = book.score(honest.peerId)
    const got = await fetchShard(ctx, id, { hints: [liarId, honest.peerId] })
    expect(sameBytes(got as Uint8Array, bytes)).toBe(true)
    expect(corrupt).toEqual([liarId])
    expect(book.score(liarId)).toBeLessThan(REPUTATION.floorScore)
    expect(book.score(honest.peerId)).toBeGreaterThan(before)
    // the next put leaves it out, though it is connected and has room
    const mesh = createMesh({ libp2p: net.clients[0] as Node, keys: meshKeysFromIdentity(identity), config: TEST_CONFIG, reputation: book })
    await mesh.put(randomBytes(2 * MiB), { name: 'after' })
    for (const shard of await mesh.distribution('after')) expect(shard.hint).not.toBe(liarId)
    expect((await mesh.peers({ latency: false })).find(p => p.peerId === liarId)?.reputation).toBeLessThan(REPUTATION.floorScore)
  })

  it('never places on a denied storage peer', async () => {
    const denied = net.mesh.storage[1]!.peerId
    const book = new ReputationBook({ self: (net.clients[0] as Node).peerId.toString(), denied: [denied] })
    const mesh = createMesh({ libp2p: net.clients[0] as Node, keys: meshKeysFromIdentity(generateIdentity()), config: TEST_CONFIG, reputation: book })
    await mesh.put(randomBytes(4 * MiB), { name: 'denied' })
    for (const shard of await mesh.distribution('denied')) expect(shard.hint).not.toBe(denied)
    expect((await mesh.peers({ latency: false })).find(p => p.peerId === denied)).toMatchObject({ trust: 'denied' })
  })

  it('counts only peers in good standing before a put: refused under "refuse", a warning naming each poor peer used under "warn"', async () => {
    const self = (net.clients[0] as Node).peerId.toString()
    const others = extra.map(e => e.node.peerId.toString())
    const storage = net.mesh.storage.map(s => s.peerId)
    const refusing = new ReputationBook({ self, denied: [...others, ...storage.slice(0, 2)] })
    const strict = createMesh({ libp2p: net.clients[0] as Node, keys: meshKeysFromIdentity(generateIdentity()), config: { ...TEST_CONFIG, minPeers: 'refuse' }, reputation: refusing })
    const err = await strict.put(randomBytes(1000), { name: 'refused' }).then(() => undefined, (e: unknown) => e as Error & { details: Record<string, unknown> })
    expect(err?.name).toBe('InsufficientPeersError')
    expect(err?.details).toMatchObject({ reason: 'too-few-peers', have: 4, want: 6 })
    // every peer below the floor: with "warn" they take the shards, and the put says so
    const poor = new ReputationBook({ self, denied: others })
    for (const id of storage) for (let i = 0; i < 3; i++) poor.recordAudit(id, 'failed')
    const lenient = createMesh({ libp2p: net.clients[0] as Node, keys: meshKeysFromIdentity(generateIdentity()), config: TEST_CONFIG, reputation: poor })
    const events: string[] = []
    lenient.events.on('durability:warning', w => { events.push(w.reason) })
    const { warnings } = await lenient.put(randomBytes(1000), { name: 'poor' })
    expect(events.filter(r => r === 'low-reputation')).toHaveLength(6)
    expect(events).toContain('too-few-peers')
    expect(warnings).toHaveLength(events.length)
    expect(warnings.filter(w => w.includes('low reputation'))).toHaveLength(6)
  })
})
