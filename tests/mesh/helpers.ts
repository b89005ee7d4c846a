/**
 * A local relay mesh (relay + storage peers, real libp2p nodes on
 * 127.0.0.1) and client nodes running the DataMesh services without a store,
 * for the mesh facade tests (Node only).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { initBlake3 } from '../../src/core/hash.ts'
import { generateIdentity, holderPublicKey, type Identity } from '../../src/core/keys/index.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { ownerId } from '../../src/net/shard/index.ts'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import { createMesh, meshKeysFromIdentity, MemoryIndexStorage, type Mesh, type MeshConfig, type IndexStorage } from '../../src/mesh/index.ts'

export const MiB = 1024 * 1024

/** Small stripes keep the tests quick while still spanning many stripes. */
export const TEST_CONFIG: Partial<MeshConfig> = { stripeSize: MiB, hedgeDelay: 500, requestTimeout: 5000 }

export interface TestNet {
  dir: string
  mesh: RunningMesh
  clients: Array<Libp2p<Record<string, unknown>>>
  stop: () => Promise<void>
}

export async function startTestNet (options: { storagePeers?: number, clients?: number, ownerQuota?: number } = {}): Promise<TestNet> {
  await initBlake3()
  const dir = await mkdtemp(join(tmpdir(), 'datamesh-mesh-'))
  const args = ['--port', '0', '--relay-port', '0', '--data-dir', dir, '--storage-peers', String(options.storagePeers ?? 6), '--dist', join(dir, 'no-dist'),
    // the tests here open more owners from one client than a holder takes new per hour (tests/security covers that limit)
    '--new-owners-per-peer', '1000']
  if (options.ownerQuota !== undefined) args.push('--owner-quota', String(options.ownerQuota))
  const mesh = await startMesh(loadConfig(args, {}), createLogger('error'))
  const clients: Array<Libp2p<Record<string, unknown>>> = []
  for (let i = 0; i < (options.clients ?? 2); i++) {
    const node = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
    for (const address of [mesh.relayMultiaddrs()[0], ...mesh.storage.map(s => s.multiaddrs()[0])]) await dial(node, address as string)
    clients.push(node)
  }
  return {
    dir,
    mesh,
    clients,
    stop: async () => {
      await Promise.all(clients.map(async c => { await c.stop() }))
      await mesh.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/**
 * Dial, retrying: every node here is on 127.0.0.1, and libp2p refuses more
 * than a few inbound connections per second from one host.
 */
export async function dial (node: Libp2p<Record<string, unknown>>, address: string): Promise<void> {
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

/** The label storage peer `peerId` keeps `identity`'s shards under: the owner's key for that holder (src/core/keys/holder-key.ts). */
export function ownerLabelOn (identity: Identity, peerId: string): string {
  return ownerId(holderPublicKey(identity.ed25519.secretKey, peerIdFromString(peerId).toMultihash().bytes))
}

export interface TestOwner {
  identity: Identity
  mesh: Mesh
}

export function owner (node: Libp2p<Record<string, unknown>>, identity = generateIdentity(), index: IndexStorage = new MemoryIndexStorage()): TestOwner {
  return { identity, mesh: createMesh({ libp2p: node, keys: meshKeysFromIdentity(identity), index, config: TEST_CONFIG }) }
}

export function randomBytes (size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)))
  return out
}

export async function bytesOf (blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer())
}

/** Same length and bytes, without vitest printing megabytes on a mismatch. */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}
