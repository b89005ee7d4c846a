/**
 * An always-on storage peer: a DataMesh node with a disk-backed shard store
 * under its own folder, serving the shard and info protocols, reachable by
 * browsers over WebSockets, and kept connected to the relays. It announces
 * every shard it newly keeps in the DHT through an announce queue
 * (src/net/announce-queue.ts), never while the store waits for its answer.
 * It keeps at most `ownerQuota` (charged bytes) for one owner key and takes
 * only a few new owner keys per peer id and remote address per period
 * (`ownerAdmission`, src/net/shard/admission.ts). It keeps a reputation book
 * (src/net/reputation.ts) in `reputation.cbor` under its folder, fed with
 * its connections' availability and latency and the protocol offences its
 * limiter counts; the operator's trusted and denied peers seed it.
 * Its store is collected daily (shards whose lease ended more than 7 days
 * ago, and old orphans) and scrubbed weekly (src/net/shard/maintenance.ts);
 * a shard it deletes or collects is withdrawn from the DHT as far as it
 * can (its announcement cancelled, its own provider record dropped).
 * It is a repairer: the repair capabilities owners give it are kept in
 * `repair-caps.cbor` under its folder (src/net/repair/book.ts); as a
 * holder it takes re-created shards from listed repairers, the peers its
 * reputation book trusts exempt from new-owner admission. Its RepairWorker
 * (src/mesh/repair-worker.ts) audits the holders of every file it keeps a
 * capability for, re-creates lost shards onto new peers and renews the
 * leases of the files' shards, with the owner away.
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
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ReputationBook } from '../src/net/reputation.ts'
import { fileReputationStorage } from '../src/net/reputation-fs.ts'
import { monitorReputation } from '../src/net/reputation-monitor.ts'
import { AnnounceQueue, announcer, withdrawer } from '../src/net/announce-queue.ts'
import { CapabilityBook } from '../src/net/repair/book.ts'
import { fileCapabilityStorage } from '../src/net/repair/book-fs.ts'
import { dhtStoreOf } from '../src/net/server-node.ts'
import { systemClock, systemRng } from '../src/mesh/audit-ports.ts'
import { nodeRepairPorts } from '../src/mesh/repair-node.ts'
import { RepairWorker } from '../src/mesh/repair-worker.ts'
import { DEFAULT_TIMEOUT } from '../src/net/protocol/constants.ts'
import { StoreMaintenance } from '../src/net/shard/index.ts'
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
  /** peers its reputation book trusts and denies from the start (the relay adds its own nodes to the trusted once all have started) */
  trustedPeers?: string[]
  deniedPeers?: string[]
  /** its repair work (src/mesh/repair-worker.ts defaults otherwise) */
  repair?: Partial<StoragePeerRepairInit>
}

export interface StoragePeerRepairInit {
  auditIntervalMs: number
  repairIntervalMs: number
  repairThreshold?: number
  lostAfterMs: number
  repairBackoffMs: number
}

/** What a storage peer's repair work has done since it started (relay /metrics). */
export interface RepairStats {
  /** shards (and manifest copies) re-created and placed */
  repairs: number
  repairBytes: number
  /** audits of holders, by outcome */
  auditsPassed: number
  auditsFailed: number
  /** repair passes over every capability finished */
  passes: number
}

export interface StoragePeer {
  node: Libp2p<Record<string, unknown>>
  /** daily collection, weekly scrub; `collect({ dryRun })` runs one now */
  maintenance: StoreMaintenance
  store: ShardStore
  /** what this peer observed of others */
  reputation: ReputationBook
  /** the repair capabilities it keeps as a repairer */
  capabilities: CapabilityBook
  /** the repairer: audits, repairs and renewals for the capabilities it keeps */
  repairer: RepairWorker
  repairStats: RepairStats
  peerId: string
  multiaddrs: () => string[]
  stop: () => Promise<void>
}

export async function startStoragePeer (init: StoragePeerInit): Promise<StoragePeer> {
  const dir = join(init.dataDir, `storage-${init.index}`)
  const store = await openFsStore({ root: join(dir, 'shards'), quota: init.quota })
  const queue = init.announcements ?? new AnnounceQueue()
  let announce: ((id: string) => void) | undefined
  let withdraw: ((id: string) => Promise<void>) | undefined
  const privateKey = await loadOrCreatePeerKey(fileKeyStorage(join(dir, 'peer-key')))
  const reputation = await ReputationBook.open({
    storage: fileReputationStorage(join(dir, 'reputation.cbor')),
    self: peerIdFromPrivateKey(privateKey).toString(),
    trusted: init.trustedPeers ?? [],
    denied: init.deniedPeers ?? [],
    onError: err => { init.logger.warn('reputation book not read or saved', { error: (err as Error).message }) }
  })
  const capabilities = await CapabilityBook.open({
    storage: fileCapabilityStorage(join(dir, 'repair-caps.cbor')),
    onError: err => { init.logger.warn('repair capabilities not read or saved', { error: (err as Error).message }) }
  })
  const node = await createServerNode({
    nodeType: 'storage',
    privateKey,
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
      onStored: id => { announce?.(id) },
      onDeleted: id => { void withdraw?.(id) },
      onOffence: (peer, _offence, points) => { reputation.recordOffence(peer, points) },
      capabilityBook: capabilities,
      isTrusted: peer => reputation.isTrusted(peer)
    })
  })
  const stopMonitor = monitorReputation(node, reputation)
  announce = announcer(node, queue)
  withdraw = withdrawer(node, queue, dhtStoreOf(node), node.logger.forComponent('datamesh:relay:withdraw'))
  const maintenance = new StoreMaintenance({
    store,
    onCollected: async report => {
      init.logger.info('collected shards past their lease', { shards: report.shards.length, bytes: report.bytes })
      await Promise.all(report.shards.map(async s => { await withdraw?.(s.id) }))
    },
    onScrubbed: report => {
      if (report.corrupt.length + report.missing.length > 0) init.logger.warn('scrub found damaged or missing shards', { corrupt: report.corrupt.length, missing: report.missing.length })
    },
    onError: (job, err) => { init.logger.warn(`store ${job} failed`, { error: (err as Error).message }) }
  }).start()
  // the process's own nodes may always dial it, wherever it listens
  for (const address of node.getMultiaddrs()) init.policy?.allowAddress(address)
  const peerId = node.peerId.toString()
  const stopBootstrap = keepBootstrapped(node, init.bootstrap)
  const repairStats: RepairStats = { repairs: 0, repairBytes: 0, auditsPassed: 0, auditsFailed: 0, passes: 0 }
  const repairer = new RepairWorker({
    ...nodeRepairPorts({ node, store, requestTimeoutMs: DEFAULT_TIMEOUT }),
    clock: systemClock,
    rng: systemRng,
    reputation,
    book: capabilities,
    ...init.repair,
    onAudit: ({ outcome }) => {
      if (outcome === 'pass') repairStats.auditsPassed++
      else if (outcome !== 'unreachable') repairStats.auditsFailed++
    },
    onRepaired: event => {
      repairStats.repairs++
      repairStats.repairBytes += event.bytes
      init.logger.info('repaired a shard', { stripe: event.stripe, index: event.index, id: event.id, peer: event.peer, bytes: event.bytes })
    },
    onError: (what, err) => { init.logger.debug(`repair: ${what} failed`, { error: (err as Error)?.message }) }
  })
  const repairing = new AbortController()
  const repairRun = repairer.run(repairing.signal, report => {
    repairStats.passes++
    if (report.repaired.length > 0 || report.unrecoverable > 0) {
      init.logger.info('repair pass', { files: report.files, degraded: report.degraded, unrecoverable: report.unrecoverable, repaired: report.repaired.length, bytes: report.bytesRepaired })
    }
  }).catch(err => { init.logger.warn('repair work stopped', { error: (err as Error)?.message }) })
  init.logger.info('storage peer started', { index: init.index, peerId, multiaddrs: dialable(node.getMultiaddrs(), peerId) })
  return {
    node,
    maintenance,
    store,
    reputation,
    capabilities,
    repairer,
    repairStats,
    peerId,
    multiaddrs: () => dialable(node.getMultiaddrs(), peerId),
    stop: async () => {
      stopBootstrap()
      stopMonitor()
      maintenance.stop()
      repairing.abort()
      await repairRun
      if (init.announcements === undefined) queue.stop() // a shared queue belongs to its owner
      await node.stop()
      await store.close()
      await reputation.close()
      await capabilities.close()
    }
  }
}
