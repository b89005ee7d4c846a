/**
 * Repair while the owner is away, end to end over a loopback relay mesh of
 * eight storage peers (real libp2p nodes, their RepairWorkers on the system
 * clock with a compressed audit interval, grace and backoff): a put gives
 * the file's capability to two storage peers; the owner's node stops; one
 * holder of stripe 0 loses its shard from disk and another stops for good;
 * the repairers find out by audit and re-create each lost shard once, onto
 * new peers; the owner comes back with the same keys and `check` shows full
 * health; two more holders lose their shards and the file still reads byte
 * for byte.
 *
 * Covered elsewhere, not repeated here: a holder that comes back within the
 * grace causes no repair, and two repairers running at once re-create a
 * stripe once (tests/mesh/repair-worker.test.ts); a re-created shard that
 * does not hash to its id is refused by the holder (tests/net/repair.node.test.ts);
 * a shard past its lease is collected while a file its owner renews is
 * never (tests/mesh/leases.node.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { initBlake3 } from '../../src/core/hash.ts'
import { generateIdentity } from '../../src/core/keys/index.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import { createMesh, meshKeysFromIdentity, MemoryIndexStorage, type FileCheck, type Mesh, type MeshConfig } from '../../src/mesh/index.ts'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import type { StoragePeer } from '../../relay/storage-peer.ts'

const MiB = 1024 * 1024
const CONFIG: Partial<MeshConfig> = { stripeSize: MiB, hedgeDelay: 500, requestTimeout: 5000 }
/**
 * repair work compressed: audits every 2 s, passes every second, the second repairer 6 s after the first; lost after 20 s
 * (longer than the provider announcements of a new file take here, so that no shard is taken for lost before it can be found)
 */
const BACKOFF_S = 6
const REPAIR_ARGS = ['--audit-interval', '2', '--lost-after', '20', '--repair-interval', '1', '--repair-backoff', String(BACKOFF_S)]

let dir: string
let net: RunningMesh
const identity = generateIdentity()
const index = new MemoryIndexStorage()
let client: Libp2p<Record<string, unknown>> | undefined

async function dial (node: Libp2p<Record<string, unknown>>, address: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await node.dial(multiaddr(address))
      return
    } catch (err) {
      if (attempt >= 20) throw err
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  }
}

/** The owner's node and mesh, dialled to the relay and every running storage peer. */
async function ownerNode (): Promise<Mesh> {
  client = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
  for (const address of [net.relayMultiaddrs()[0], ...running().map(s => s.multiaddrs()[0])]) await dial(client, address as string)
  return createMesh({ libp2p: client, keys: meshKeysFromIdentity(identity), index, config: CONFIG })
}

const stopped = new Set<string>()
const running = (): StoragePeer[] => net.storage.filter(s => !stopped.has(s.peerId))
const storageOf = (peerId: string): StoragePeer => net.storage.find(s => s.peerId === peerId) as StoragePeer

/** Wait, polling, until `ready` holds (the test's own timeout bounds it). */
async function until (ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!await ready()) await new Promise(resolve => setTimeout(resolve, 200))
}

function randomBytes (size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)))
  return out
}

/** The holders that passed their audit, by stripe and shard index. */
function verified (check: FileCheck): string[][][] {
  return check.stripes.map(s => s.shards.map(sh => sh.holders.filter(h => h.status === 'ok').map(h => h.peerId)))
}

beforeAll(async () => {
  await initBlake3()
  dir = await mkdtemp(join(tmpdir(), 'datamesh-repair-away-'))
  net = await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', dir, '--storage-peers', '8', '--dist', join(dir, 'no-dist'),
    '--new-owners-per-peer', '1000', ...REPAIR_ARGS], {}), createLogger('error'))
}, 120_000)

afterAll(async () => {
  await client?.stop()
  await net?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('repair while the owner is away', () => {
  it('storage peers audit, re-create the lost shards once each with the owner offline; the owner finds full health; the file survives two more losses', async () => {
    let mesh = await ownerNode()
    const data = randomBytes(MiB + MiB / 2) // two stripes
    await mesh.put(data, { name: 'away.bin' })
    // the capability reaches two storage peers in the background
    await until(() => net.storage.filter(s => s.capabilities.size === 1).length === 2)
    const repairers = net.storage.filter(s => s.capabilities.size === 1).map(s => s.peerId)
    const before = await mesh.check('away.bin', { providers: false })
    expect(before).toMatchObject({ health: 6, state: 'healthy' })
    await client?.stop() // the owner goes away
    client = undefined

    // two holders of stripe 0, neither of them a repairer: one loses its shard from disk, the other stops for good
    const stripe0 = before.stripes[0]!.shards.map(sh => ({ id: sh.id, holder: sh.holders[0]!.peerId }))
    const victims = stripe0.filter(s => !repairers.includes(s.holder)).slice(0, 2)
    expect(victims).toHaveLength(2)
    const [deleted, gone] = victims as [typeof victims[number], typeof victims[number]]
    await storageOf(deleted.holder).store.delete(deleted.id)
    stopped.add(gone.holder)
    await storageOf(gone.holder).stop()
    const lostIds = new Set([deleted.id, ...before.stripes.flatMap(s => s.shards.filter(sh => sh.holders[0]!.peerId === gone.holder).map(sh => sh.id))])

    // every lost shard is held again by a running peer
    const heldBy = async (id: string): Promise<string[]> => (await Promise.all(running().map(async s => await s.store.has(id) ? [s.peerId] : []))).flat()
    await until(async () => (await Promise.all([...lostIds].map(async id => (await heldBy(id)).length))).every(n => n >= 1))
    // and once each: wait until both repairers have made a whole pass after the second one's backoff, then count copies
    const backoffOver = Date.now() + (BACKOFF_S + 1) * 1000
    await until(() => Date.now() > backoffOver)
    const passes = new Map(repairers.map(p => [p, storageOf(p).repairStats.passes]))
    await until(() => repairers.every(p => storageOf(p).repairStats.passes >= (passes.get(p) ?? 0) + 2))
    for (const id of lostIds) expect(await heldBy(id)).toHaveLength(1)
    for (const id of lostIds) expect(await heldBy(id)).not.toContain(deleted.holder)
    expect(repairers.reduce((n, p) => n + storageOf(p).repairStats.repairs, 0)).toBeGreaterThanOrEqual(lostIds.size)

    // the owner comes back with the same keys and index
    mesh = await ownerNode()
    const after = await mesh.check('away.bin')
    expect(after).toMatchObject({ health: 6, state: 'healthy' })

    // two more holders of stripe 0 lose their shards: the file still reads byte for byte
    const more = verified(after)[0]!.map((peers, i) => ({ i, peer: peers[0]! })).filter(x => x.peer !== undefined && !lostIds.has(after.stripes[0]!.shards[x.i]!.id)).slice(0, 2)
    expect(more).toHaveLength(2)
    for (const { i, peer } of more) await storageOf(peer).store.delete(after.stripes[0]!.shards[i]!.id)
    const read = new Uint8Array(await (await mesh.get('away.bin')).arrayBuffer())
    expect(read.byteLength).toBe(data.byteLength)
    expect(Buffer.compare(read, data)).toBe(0)
  }, 300_000)
})
