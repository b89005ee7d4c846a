/**
 * The relay service in Node: health, metrics, network description, identity
 * across restarts, storage peers serving the shard protocol and announcing
 * providers in the DHT, and two relays bootstrapping each other.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { providerKey } from '../../src/net/dht-keys.ts'
import { parseNetworkDescription } from '../../src/net/network-description.ts'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import { shardCid, initBlake3 } from '../../src/core/hash.ts'
import { signerFromIdentity, generateIdentity } from '../../src/core/keys/index.ts'
import type { ShardService } from '../../src/net/shard/index.ts'

const quiet = createLogger('error')
let dir: string
let mesh: RunningMesh

async function start (extra: string[] = []): Promise<RunningMesh> {
  return await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', dir, '--storage-peers', '3', '--dist', join(dir, 'no-dist'), ...extra], {}), quiet)
}

async function getJson (path: string, m = mesh): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${m.port}${path}`)
  expect(res.status).toBe(200)
  return await res.json()
}

beforeAll(async () => {
  await initBlake3()
  dir = await mkdtemp(join(tmpdir(), 'datamesh-relay-'))
  mesh = await start()
})
afterAll(async () => {
  await mesh?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('relay service', () => {
  it('answers /health with its identity, dialable addresses, uptime, connections and storage', async () => {
    // storage peers dial the relay in the background
    for (let i = 0; i < 50 && mesh.relay.getConnections().length < 3; i++) await new Promise(r => setTimeout(r, 100))
    const h = await getJson('/health')
    expect(h.peerId).toBe(mesh.relay.peerId.toString())
    expect(h.multiaddrs.length).toBeGreaterThan(0)
    for (const a of h.multiaddrs) expect(a).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${h.peerId}$`))
    expect(typeof h.uptimeSeconds).toBe('number')
    expect(h.connections).toBeGreaterThanOrEqual(3)
    expect(h.reservations).toBe(0)
    expect(h.storagePeers).toHaveLength(3)
    expect(h.storageUsed).toBe(0)
  })

  it('serves Prometheus metrics and the network description', async () => {
    const res = await fetch(`http://127.0.0.1:${mesh.port}/metrics`)
    const text = await res.text()
    expect(res.headers.get('content-type')).toContain('text/plain')
    expect(text).toMatch(/^datamesh_relay_connections \d+$/m)
    expect(text).toMatch(/^datamesh_relay_reservations 0$/m)
    expect(text).toMatch(/^datamesh_announce_pending \d+$/m)
    expect(text).toMatch(/^datamesh_announce_dropped 0$/m)
    expect(text).toMatch(/^datamesh_dht_records \d+$/m)
    expect(text).toMatch(/^datamesh_dht_provider_records \d+$/m)
    expect(text).toContain('libp2p_connection_manager_connections')
    const net = await getJson('/network.json')
    // what the relay serves is what every reader's one parser accepts, unchanged
    expect(parseNetworkDescription(net)).toEqual(net)
    expect(net.relays[0].multiaddrs).toEqual((await getJson('/health')).multiaddrs)
    expect(net.storagePeers).toHaveLength(3)
    expect(net.iceServers).toEqual([])
  })

  it('says clearly when the app is not built', async () => {
    const res = await fetch(`http://127.0.0.1:${mesh.port}/`)
    expect(res.status).toBe(404)
    expect((await res.json()).error).toMatch(/npm run build/)
  })

  it('lets a client store on a storage peer, which announces itself as provider in the DHT', async () => {
    const client = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
    try {
      await client.dial(multiaddr(mesh.relayMultiaddrs()[0]!))
      const holder = mesh.storage[1]!
      await client.dial(multiaddr(holder.multiaddrs()[0]!))
      const bytes = crypto.getRandomValues(new Uint8Array(4096))
      const cid = shardCid(bytes)
      const owner = signerFromIdentity(generateIdentity())
      const shard = client.services.shard as ShardService
      await shard.store(peerIdFromString(holder.peerId), cid, bytes, owner)
      expect(await holder.store.has(cid.toString())).toBe(true)
      expect(await shard.fetch(peerIdFromString(holder.peerId), cid)).toEqual(bytes)
      const info = await shard.info(peerIdFromString(holder.peerId))
      expect(info.nodeType).toBe('storage')
      // the provider record reaches the DHT through the relay
      let found: string[] = []
      for (let attempt = 0; attempt < 20 && !found.includes(holder.peerId); attempt++) {
        found = []
        for await (const p of client.contentRouting.findProviders(providerKey(cid), { signal: AbortSignal.timeout(5000) })) found.push(p.id.toString())
        if (!found.includes(holder.peerId)) await new Promise(r => setTimeout(r, 250))
      }
      expect(found).toContain(holder.peerId)
    } finally {
      await client.stop()
    }
  })

  it('keeps its peer identities across restarts', async () => {
    const before = [mesh.relay.peerId.toString(), ...mesh.storage.map(s => s.peerId)]
    await mesh.stop()
    mesh = await start()
    expect([mesh.relay.peerId.toString(), ...mesh.storage.map(s => s.peerId)]).toEqual(before)
  })

  it('bootstraps from another relay', async () => {
    const other = await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', join(dir, 'second'), '--storage-peers', '0', '--bootstrap', mesh.relayMultiaddrs()[0]!], {}), quiet)
    try {
      for (let i = 0; i < 50 && !other.relay.getConnections().some(c => c.remotePeer.equals(mesh.relay.peerId)); i++) await new Promise(r => setTimeout(r, 100))
      expect(other.relay.getConnections().some(c => c.remotePeer.equals(mesh.relay.peerId))).toBe(true)
      const net = await getJson('/network.json', other)
      expect(net.relays.map((r: { priority: number }) => r.priority)).toEqual([0, 1])
    } finally {
      await other.stop()
    }
  })
})

describe('relay configuration', () => {
  it('reads flags over environment variables, with defaults', () => {
    const c = loadConfig(['--port', '9000', '--storage-peers', '0'], { PORT: '7000', STORAGE_PEERS: '4', ICE_SERVERS: '[{"urls":"turn:turn.example.org"}]' })
    expect(c.port).toBe(9000)
    expect(c.relayPort).toBe(9001)
    expect(c.storagePeers).toBe(0)
    expect(c.maxReservations).toBe(128)
    expect(c.iceServers).toEqual([{ urls: 'turn:turn.example.org' }])
    expect(loadConfig([], {}).port).toBe(8080)
    expect(loadConfig([], {}).provideRate).toBe(4)
    expect(loadConfig(['--provide-rate', '0'], { PROVIDE_RATE: '9' }).provideRate).toBe(0)
  })

  it('reads the address and dialling policy flags', () => {
    const d = loadConfig([], {})
    expect(d).toMatchObject({ allowPrivateDial: false, countPrivateAddresses: false, reservationsPerAddress: 16, connectionsPerAddress: 64 })
    expect(loadConfig(['--allow-private-dial'], {}).allowPrivateDial).toBe(true)
    expect(loadConfig([], { ALLOW_PRIVATE_DIAL: '1' }).allowPrivateDial).toBe(true)
    expect(loadConfig([], { ALLOW_PRIVATE_DIAL: 'no' }).allowPrivateDial).toBe(false)
    expect(loadConfig(['--private-addresses', 'count'], {}).countPrivateAddresses).toBe(true)
    expect(loadConfig([], { PRIVATE_ADDRESSES: 'exempt', RESERVATIONS_PER_ADDRESS: '4', CONNECTIONS_PER_ADDRESS: '9' })).toMatchObject({ countPrivateAddresses: false, reservationsPerAddress: 4, connectionsPerAddress: 9 })
    expect(() => loadConfig([], { PRIVATE_ADDRESSES: 'some' })).toThrow(/exempt.*count/)
    expect(() => loadConfig([], { ALLOW_PRIVATE_DIAL: 'maybe' })).toThrow(/ALLOW_PRIVATE_DIAL/)
    expect(() => loadConfig([], { RESERVATIONS_PER_ADDRESS: '0' })).toThrow(/reservations per address/)
  })

  it('checks ICE servers as browsers do', () => {
    expect(() => loadConfig([], { ICE_SERVERS: '[{"urls":"http://x"}]' })).toThrow(/stun:/)
    expect(loadConfig([], { ICE_SERVERS: '[{"urls":["stun:a","turn:b"],"username":"u","credential":"c"}]' }).iceServers).toEqual([{ urls: ['stun:a', 'turn:b'], username: 'u', credential: 'c' }])
  })

  it('refuses bad values with a clear message', () => {
    expect(() => loadConfig(['--port', 'abc'], {})).toThrow(/port must be a whole number/)
    expect(() => loadConfig([], { ICE_SERVERS: 'nope' })).toThrow(/JSON list/)
    expect(() => loadConfig([], { LOG_LEVEL: 'loud' })).toThrow(/log level/)
    expect(() => loadConfig([], { PROVIDE_RATE: '-1' })).toThrow(/provide rate/)
    expect(() => loadConfig(['--unknown'], {})).toThrow()
  })
})

describe('bootstrap', () => {
  it('falls back to a lower-priority relay when the preferred one is dead', async () => {
    const { dialBootstrap } = await import('../../src/net/bootstrap.ts')
    const client = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true })
    try {
      const { generateKeyPair } = await import('@libp2p/crypto/keys')
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
      const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      const dead = `/ip4/127.0.0.1/tcp/1/ws/p2p/${nobody}`
      const live = mesh.relayMultiaddrs()[0]!
      expect(await dialBootstrap(client, [{ multiaddr: dead, priority: 0 }], { dialTimeout: 2000 })).toEqual([])
      const reached = await dialBootstrap(client, [{ multiaddr: dead, priority: 0 }, { multiaddr: live, priority: 1 }], { dialTimeout: 2000 })
      expect(reached.map(p => p.multiaddr)).toEqual([live])
    } finally {
      await client.stop()
    }
  })
})
