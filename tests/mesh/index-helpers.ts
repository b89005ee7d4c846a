/**
 * What the index tests through the mesh share: devices (client nodes dialled
 * into the local relay mesh, each one device of an owner), owners with a
 * config of their own, and reading a device's list.
 */
import { startTestNet, dial, TEST_CONFIG, type TestNet, type TestOwner } from './helpers.ts'
import { createMesh, meshKeysFromIdentity, MemoryIndexStorage, type IndexStorage, type MeshConfig } from '../../src/mesh/index.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import type { Identity } from '../../src/core/keys/index.ts'

export type Node = TestNet['clients'][number]

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A local relay mesh without client nodes (each test makes its devices). */
export async function startIndexNet (): Promise<TestNet> {
  return await startTestNet({ storagePeers: 4, clients: 0 })
}

/** A new client node (a new device), dialled into the mesh. */
export async function device (net: TestNet): Promise<Node> {
  const node = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
  for (const address of [net.mesh.relayMultiaddrs()[0], ...net.mesh.storage.map(s => s.multiaddrs()[0])]) await dial(node, address as string)
  net.clients.push(node)
  return node
}

/** An owner's device with its own index storage and config. */
export function ownerOn (node: Node, identity: Identity, options: { index?: IndexStorage, config?: Partial<MeshConfig> } = {}): TestOwner {
  return { identity, mesh: createMesh({ libp2p: node, keys: meshKeysFromIdentity(identity), index: options.index ?? new MemoryIndexStorage(), config: { ...TEST_CONFIG, ...options.config } }) }
}

/** A device's file names, sorted. */
export async function names (who: TestOwner): Promise<string[]> {
  return (await who.mesh.list()).map(f => f.name).sort()
}

/** What a file holds, as text. */
export async function read (who: TestOwner, name: string): Promise<string> {
  return new TextDecoder().decode(new Uint8Array(await (await who.mesh.get(name)).arrayBuffer()))
}
