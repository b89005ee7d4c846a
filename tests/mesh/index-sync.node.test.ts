/**
 * The owner's file list in the mesh, as devices use it, on a local relay
 * mesh: a relay restart loses nothing (DHT records are on disk) and a new
 * device with the keys alone restores the list; a restore or sync merges
 * (a stale record never removes an entry the device knows; a name taken by
 * another file gets a free one); a backup first merges what another device
 * published; a sync republishes a missing, old or behind record and never
 * publishes over a backup it could not read; an expired record is not read.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh } from '../../relay/mesh.ts'
import { startTestNet, owner, dial, TEST_CONFIG, type TestNet, type TestOwner } from './helpers.ts'
import { createMesh, meshKeysFromIdentity, MemoryIndexStorage } from '../../src/mesh/index.ts'
import { generateIdentity, signerFromIdentity, type Identity } from '../../src/core/keys/index.ts'
import { indexRecordKey, signIndexRecord } from '../../src/net/index-record.ts'
import { parseShardCid, shardCid } from '../../src/core/hash.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'

let net: TestNet
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Store a record in the DHT as any peer can (here: the newest device's node). */
async function putRecord (key: Uint8Array, value: Uint8Array): Promise<void> {
  const dht = net.clients.at(-1)!.services.dht as { put: (k: Uint8Array, v: Uint8Array) => AsyncIterable<unknown> }
  for await (const _ of dht.put(key, value)) {}
}

/** A new client node (a new device), dialled into the mesh. */
async function device (): Promise<typeof net.clients[number]> {
  const node = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
  for (const address of [net.mesh.relayMultiaddrs()[0], ...net.mesh.storage.map(s => s.multiaddrs()[0])]) await dial(node, address as string)
  net.clients.push(node)
  return node
}

/** An owner whose restores and syncs look for a backup `backupWaitMs` at most (instead of until every place to look answered). */
function impatient (node: typeof net.clients[number], identity: Identity, backupWaitMs: number): TestOwner {
  return { identity, mesh: createMesh({ libp2p: node, keys: meshKeysFromIdentity(identity), index: new MemoryIndexStorage(), config: { ...TEST_CONFIG, backupWaitMs } }) }
}

beforeAll(async () => {
  net = await startTestNet({ storagePeers: 4, clients: 0 })
})
afterAll(async () => {
  await net?.stop()
})

describe('index records across a relay restart', () => {
  it('a new device restores the list after the relay and its storage peers restarted', async () => {
    const first = owner(await device())
    await first.mesh.put(text('kept'), { name: 'kept.txt' })
    const backup = await first.mesh.backupIndex()
    // restart the whole relay process on the same data folder and ports
    const port = net.mesh.port
    const relayPort = Number(net.mesh.relayMultiaddrs()[0]?.split('/')[4])
    await net.mesh.stop()
    net.mesh = await startMesh(loadConfig(['--port', String(port), '--relay-port', String(relayPort), '--data-dir', net.dir, '--storage-peers', '4', '--dist', `${net.dir}/no-dist`], {}), createLogger('error'))
    // a new device: nothing but the keys
    const fresh = owner(await device(), first.identity, new MemoryIndexStorage())
    const restored = await fresh.mesh.restoreIndex()
    expect(restored).toMatchObject({ seq: backup.seq, added: 1, total: 1 })
    expect(new TextDecoder().decode(new Uint8Array(await (await fresh.mesh.get('kept.txt')).arrayBuffer()))).toBe('kept')
  })
})

describe('merging, not replacing', () => {
  it('a stale record never removes an entry the device knows, and a taken name gets a free one', async () => {
    const identity = generateIdentity()
    const a = owner(await device(), identity)
    await a.mesh.put(text('one'), { name: 'notes.txt' })
    await a.mesh.backupIndex()
    // another device of the owner knows a file the record does not, under the same name
    const b = owner(await device(), identity, new MemoryIndexStorage())
    await b.mesh.put(text('two'), { name: 'notes.txt' })
    await b.mesh.put(text('three'), { name: 'other.txt' })
    const restored = await b.mesh.restoreIndex()
    expect(restored.added).toBe(1)
    const names = (await b.mesh.list()).map(f => f.name).sort()
    expect(names).toEqual(['notes (2).txt', 'notes.txt', 'other.txt'])
    expect(new TextDecoder().decode(new Uint8Array(await (await b.mesh.get('notes.txt')).arrayBuffer()))).toBe('two')
    expect(new TextDecoder().decode(new Uint8Array(await (await b.mesh.get('notes (2).txt')).arrayBuffer()))).toBe('one')
  })

  it('a backup first merges what another device published, so neither list replaces the other', async () => {
    const identity = generateIdentity()
    const a = owner(await device(), identity)
    await a.mesh.put(text('from a'), { name: 'a.txt' })
    await a.mesh.backupIndex()
    const b = owner(await device(), identity, new MemoryIndexStorage())
    await b.mesh.put(text('from b'), { name: 'b.txt' })
    const published = await b.mesh.backupIndex()
    expect(published.entries).toBe(2)
    // a third device sees both
    const c = owner(await device(), identity, new MemoryIndexStorage())
    await c.mesh.restoreIndex()
    expect((await c.mesh.list()).map(f => f.name).sort()).toEqual(['a.txt', 'b.txt'])
  })
})

describe('syncIndex', () => {
  it('republishes a list whose record is missing, and a record older than refreshAfterMs', async () => {
    const a = owner(await device())
    await a.mesh.put(text('x'), { name: 'x.txt' })
    // never backed up: the record is missing
    const first = await a.mesh.syncIndex()
    expect(first.published).toBe('missing')
    // current and complete: nothing to do
    expect((await a.mesh.syncIndex()).published).toBeUndefined()
    const refreshed = await a.mesh.syncIndex({ refreshAfterMs: 0 })
    expect(refreshed.published).toBe('refresh')
    expect(refreshed.seq).toBeGreaterThan(first.seq!)
  })

  it('brings a list published later by another device to a device that found none at first', async () => {
    const identity = generateIdentity()
    const newcomer = owner(await device(), identity, new MemoryIndexStorage())
    await expect(newcomer.mesh.restoreIndex()).rejects.toMatchObject({ name: 'NotFoundError', details: { reason: 'no-record' } })
    // an empty list found nothing and publishes nothing
    expect(await newcomer.mesh.syncIndex()).toEqual({ added: 0, updated: 0, removed: 0 })
    const old = owner(await device(), identity)
    await old.mesh.put(text('old'), { name: 'old.txt' })
    await old.mesh.syncIndex() // what the old device does when its owner unlocks
    const later = await newcomer.mesh.syncIndex()
    expect(later.added).toBe(1)
    expect(later.published).toBeUndefined()
    expect((await newcomer.mesh.list()).map(f => f.name)).toEqual(['old.txt'])
  })

  it('publishes the entries this device has that the backup lacks', async () => {
    const identity = generateIdentity()
    const a = owner(await device(), identity)
    await a.mesh.put(text('1'), { name: '1.txt' })
    await a.mesh.backupIndex()
    await a.mesh.put(text('2'), { name: '2.txt' }) // the page closed before this was backed up
    expect((await a.mesh.syncIndex()).published).toBe('local-changes')
    const c = owner(await device(), identity, new MemoryIndexStorage())
    expect((await c.mesh.restoreIndex()).total).toBe(2)
  })

  it('never publishes over a newer backup it cannot read', async () => {
    const identity = generateIdentity()
    // a short look for the missing backup: it is nowhere, so waiting longer changes nothing but the test's time
    const a = impatient(await device(), identity, 300)
    await a.mesh.put(text('1'), { name: '1.txt' })
    // a record naming a backup no peer holds (lost, or not reachable now)
    const key = indexRecordKey(identity.ed25519.publicKey)
    const seq = Date.now() + 60_000
    const unreachable = await signIndexRecord({ seq, ts: Date.now(), ptr: shardCid(text('nowhere')), holders: [] }, signerFromIdentity(identity), identity.x25519.publicKey)
    await putRecord(key, unreachable)
    const published: number[] = []
    a.mesh.events.addEventListener('index:backup', e => { published.push(e.detail.seq) })
    const result = await a.mesh.syncIndex()
    expect(result).toEqual({ seq, added: 0, updated: 0, removed: 0 })
    expect(published).toEqual([])
    // the record on the servers is still the unreadable one: no backup of a's was published over it
    await expect(impatient(await device(), identity, 300).mesh.restoreIndex()).rejects.toMatchObject({ name: 'NotFoundError', details: { reason: 'backup-unreachable' } })
  })

  it('does not read an expired record', async () => {
    const identity = generateIdentity()
    const a = owner(await device(), identity)
    await a.mesh.put(text('soon gone'), { name: 'brief.txt' })
    const { id } = await a.mesh.backupIndex()
    const reader = owner(await device(), identity, new MemoryIndexStorage())
    const later = owner(await device(), identity, new MemoryIndexStorage())
    // the owner's record again, newest of all, but expiring in a few seconds
    const now = Date.now()
    const lifetime = 6000
    const brief = await signIndexRecord({ seq: now + 1_000_000, ts: now, expires: now + lifetime, ptr: parseShardCid(id), holders: [] }, signerFromIdentity(identity), identity.x25519.publicKey)
    await putRecord(indexRecordKey(identity.ed25519.publicKey), brief)
    expect(await reader.mesh.restoreIndex()).toMatchObject({ seq: now + 1_000_000, added: 1 })
    await new Promise(resolve => setTimeout(resolve, now + lifetime + 500 - Date.now()))
    // it replaced the older record on the servers, and now counts for nothing
    await expect(later.mesh.restoreIndex()).rejects.toMatchObject({ name: 'NotFoundError', details: { reason: 'no-record' } })
  })
})
