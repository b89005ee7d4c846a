/**
 * Leases on the relay's storage peers: a storage peer keeps the lease a
 * client asks for, its maintenance collects what is 7 days past its lease
 * (a dry run first lists it and removes nothing) and withdraws the
 * collected and the deleted shards' provider records from its datastore,
 * and /metrics shows the lease gauges and the collected totals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { providerRecordKey } from '../../src/net/announce-queue.ts'
import { createServerNode, dhtStoreOf } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import { shardCid, initBlake3 } from '../../src/core/hash.ts'
import { signerFromIdentity, generateIdentity } from '../../src/core/keys/index.ts'
import type { ShardService } from '../../src/net/shard/index.ts'

const day = 24 * 60 * 60 * 1000
let dir: string
let mesh: RunningMesh
let client: Libp2p<Record<string, unknown>>

async function metric (name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${mesh.port}/metrics`)).text()
  const line = new RegExp(`^${name} (\\d+)$`, 'm').exec(text)
  if (line === null) throw new Error(`no metric ${name}`)
  return Number(line[1])
}

/** Wait until the holder's own provider record of `id` is (or is no longer) in its datastore. */
async function providerRecord (id: string, present: boolean): Promise<boolean> {
  const holder = mesh.storage[0]!
  const store = dhtStoreOf(holder.node)!
  for (let i = 0; i < 200; i++) {
    if (await store.has(providerRecordKey(id, holder.peerId)) === present) return present
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  return !present
}

beforeAll(async () => {
  await initBlake3()
  dir = await mkdtemp(join(tmpdir(), 'datamesh-leases-'))
  mesh = await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', dir, '--storage-peers', '1', '--dist', join(dir, 'no-dist')], {}), createLogger('error'))
  client = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
  await client.dial(multiaddr(mesh.relayMultiaddrs()[0]!))
  await client.dial(multiaddr(mesh.storage[0]!.multiaddrs()[0]!))
})

afterAll(async () => {
  await client?.stop()
  await mesh?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('leases on a storage peer', () => {
  it('collects what is past its lease and grace, withdraws it, and counts it in /metrics', async () => {
    const holder = mesh.storage[0]!
    const shard = client.services.shard as ShardService
    const owner = signerFromIdentity(generateIdentity())
    const lapsedBytes = crypto.getRandomValues(new Uint8Array(4096))
    const liveBytes = crypto.getRandomValues(new Uint8Array(8192))
    const lapsed = shardCid(lapsedBytes).toString()
    const live = shardCid(liveBytes).toString()
    const now = Date.now()
    await shard.store(peerIdFromString(holder.peerId), lapsed, lapsedBytes, owner, { lease: now - 8 * day })
    await shard.store(peerIdFromString(holder.peerId), live, liveBytes, owner, { lease: now + 30 * day })
    expect((await holder.store.stat(live))?.leaseUntil).toBe(now + 30 * day)
    expect(await providerRecord(lapsed, true)).toBe(true)

    expect(await metric('datamesh_lease_shards')).toBe(2)
    expect(await metric('datamesh_lease_expired_shards')).toBe(1)
    expect(await metric('datamesh_lease_expired_bytes')).toBe(4096)
    expect(await metric('datamesh_collected_shards_total')).toBe(0)

    const dry = await holder.maintenance.collect({ dryRun: true })
    expect(dry.shards.map(s => s.id)).toEqual([lapsed])
    expect(await holder.store.has(lapsed)).toBe(true)
    expect(await metric('datamesh_collected_shards_total')).toBe(0)

    const real = await holder.maintenance.collect()
    expect(real.shards.map(s => s.id)).toEqual([lapsed])
    expect(await holder.store.has(lapsed)).toBe(false)
    expect(await holder.store.has(live)).toBe(true)
    expect(await providerRecord(lapsed, false)).toBe(false)
    expect(await metric('datamesh_collected_shards_total')).toBe(1)
    expect(await metric('datamesh_collected_bytes_total')).toBe(4096)
    expect(await metric('datamesh_lease_shards')).toBe(1)
    expect(await metric('datamesh_lease_expired_shards')).toBe(0)

    // a delete by its owner withdraws the record too
    expect(await providerRecord(live, true)).toBe(true)
    await shard.delete(peerIdFromString(holder.peerId), live, owner)
    expect(await providerRecord(live, false)).toBe(false)
  })
})
