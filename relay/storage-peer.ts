/**
 * An always-on storage peer: a DataMesh node with a disk-backed shard store
 * under its own folder, serving the shard and info protocols, reachable by
 * browsers over WebSockets, and kept connected to the relays. It announces
 * every shard it newly keeps in the DHT through an announce queue
 * (src/net/announce-queue.ts), never while the store waits for its answer.
 * It keeps at most `ownerQuota` (charged bytes) for one owner key and takes
 * only a few new owner keys per peer id and remote address per period
 * (`ownerAdmission`, src/net/shard/admission.ts).
 */
import { join } from 'node:path'
import type { Libp2p } from 'libp2p'
import type { Registry } from 'prom-client'
import { createServerNode } from '../src/net/server-node.ts'
import { loadOrCreatePeerKey } from '../src/net/peer-key.ts'
import { fileKeyStorage } from '../src/net/peer-key-fs.ts'
import { keepBootstrapped } from '../src/net/bootstrap.ts'
import { dialable, type BootstrapPeer } from '../src/net/options.ts'
import { openFsStore } from '../src/store/fs.ts'
import type { ShardStore } from '../src/store/types.ts'
import { dataMeshServices } from '../src/net/services.ts'
import { AnnounceQueue, announcer } from '../src/net/announce-queue.ts'
import type { Logger } from './log.ts'
import type { ServerPolicy } from '../src/net/server-policy.ts'
import type { ServerGaterLimits } from '../src/net/server-gater.ts'
import type { OwnerAdmissionInit } from '../src/net/shard/admission.ts'

export interface StoragePeerInit {
  index: number
  dataDir: string
  host: string
  quota: number
  ownerQuota: number
  /** new owner keys taken per peer id and per remote address (default: src/net/shard/admission.ts) */
  ownerAdmission?: Partial<OwnerAdmissionInit>
  bootstrap: BootstrapPeer[]
  allowPrivateAddresses: boolean
  /** what the process's nodes may dial and how addresses count (shared with the relay) */
  policy?: ServerPolicy
  gaterLimits?: Partial<ServerGaterLimits>
  logger: Logger
  registry?: Registry
  /** the queue its DHT announcements wait in (shared by the peers of one process); default: a queue of its own */
  announcements?: AnnounceQueue
}

export interface StoragePeer {
  node: Libp2p<Record<string, unknown>>
  store: ShardStore
  peerId: string
  multiaddrs: () => string[]
  stop: () => Promise<void>
}

export async function startStoragePeer (init: StoragePeerInit): Promise<StoragePeer> {
  const dir = join(init.dataDir, `storage-${init.index}`)
  const store = await openFsStore({ root: join(dir, 'shards'), quota: init.quota })
  const queue = init.announcements ?? new AnnounceQueue()
  let announce: ((id: string) => void) | undefined
  const node = await createServerNode({
    nodeType: 'storage',
    privateKey: await loadOrCreatePeerKey(fileKeyStorage(join(dir, 'peer-key'))),
    listen: [`/ip4/${init.host}/tcp/0/ws`],
    allowPrivateAddresses: init.allowPrivateAddresses,
    ...(init.policy !== undefined ? { policy: init.policy } : {}),
    ...(init.gaterLimits !== undefined ? { gaterLimits: init.gaterLimits } : {}),
    // DHT records (index pointers) kept across restarts
    dhtDir: join(dir, 'dht'),

    // holders announce what they keep, so readers find shards by id even after repair moved them
    services: dataMeshServices({
      store,
      nodeType: 'storage',
      perOwnerQuota: init.ownerQuota,
      ...(init.ownerAdmission !== undefined ? { admission: init.ownerAdmission } : {}),
      onStored: id => { announce?.(id) }
    })
  })
  announce = announcer(node, queue)
  // the process's own nodes may always dial it, wherever it listens
  for (const address of node.getMultiaddrs()) init.policy?.allowAddress(address)
  const peerId = node.peerId.toString()
  const stopBootstrap = keepBootstrapped(node, init.bootstrap)
  init.logger.info('storage peer started', { index: init.index, peerId, multiaddrs: dialable(node.getMultiaddrs(), peerId) })
  return {
    node,
    store,
    peerId,
    multiaddrs: () => dialable(node.getMultiaddrs(), peerId),
    stop: async () => {
      stopBootstrap()
      if (init.announcements === undefined) queue.stop() // a shared queue belongs to its owner
      await node.stop()
      await store.close()
    }
  }
}
