/**
 * The local mesh `npm start` runs: one relay/bootstrap node (circuit relay v2
 * server + DHT server, WebSocket listener), N always-on storage peers, and
 * the HTTP server for the app, /health, /metrics and /network.json.
 *
 * All the nodes share one ServerPolicy (src/net/server-policy.ts): they dial
 * loopback and private addresses only when the operator allows it
 * (--allow-private-dial) or when the address is one they were given
 * (--bootstrap) or run themselves (the relay's and the storage peers'
 * listening addresses, added as each starts), so `npm start` on a laptop
 * works with every node on 127.0.0.1 while nothing a peer announces makes
 * them dial the operator's network. Each node keeps its DHT records under
 * its folder (`relay/dht`, `storage-N/dht`) across restarts, and a
 * reputation book (`relay/reputation.cbor`, `storage-N/reputation.cbor`,
 * src/net/reputation.ts): the process's own nodes trust each other, and the
 * operator's `--trusted-peers` and `--denied-peers` seed every book. Denied
 * peers are never listed in /network.json.
 */
import { join } from 'node:path'
import type { Server } from 'node:http'
import type { Libp2p } from 'libp2p'
import { Registry, collectDefaultMetrics, Counter, Gauge } from 'prom-client'
import { createServerNode } from '../src/net/server-node.ts'
import { loadOrCreatePeerKey } from '../src/net/peer-key.ts'
import { fileKeyStorage } from '../src/net/peer-key-fs.ts'
import { keepBootstrapped } from '../src/net/bootstrap.ts'
import { dialable, type BootstrapPeer } from '../src/net/options.ts'
import { isPrivateHost } from '../src/net/private-host.ts'
import { NETWORK_MAX_PEERS, type NetworkDescription } from '../src/net/network-description.ts'
import { ServerPolicy } from '../src/net/server-policy.ts'
import { ServerGater } from '../src/net/server-gater.ts'
import { dhtStoreOf, resolveHost } from '../src/net/server-node.ts'
import { AnnounceQueue } from '../src/net/announce-queue.ts'
import { ReputationBook } from '../src/net/reputation.ts'
import { fileReputationStorage } from '../src/net/reputation-fs.ts'
import { monitorReputation } from '../src/net/reputation-monitor.ts'
import { leaseFigures, type LeaseFigures } from '../src/net/shard/index.ts'
import type { AuditService } from '../src/net/audit/index.ts'
import { createHttpServer } from './http.ts'
import { startStoragePeer, type StoragePeer } from './storage-peer.ts'
import type { RelayConfig } from './config.ts'
import type { Logger } from './log.ts'

export interface RunningMesh {
  relay: Libp2p<Record<string, unknown>>
  /** what the relay observed of its peers */
  reputation: ReputationBook
  storage: StoragePeer[]
  http: Server
  /** the HTTP port actually bound */
  port: number
  relayMultiaddrs: () => string[]
  stop: () => Promise<void>
}

export async function startMesh (config: RelayConfig, log: Logger): Promise<RunningMesh> {
  const started = Date.now()
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // a relay on a private network hands out private addresses in DHT answers (what it dials is the policy's)
  const allowPrivateAddresses = isPrivateHost(config.host)
  const policy = new ServerPolicy({ allowPrivateDial: config.allowPrivateDial, countPrivateAddresses: config.countPrivateAddresses, resolve: resolveHost })
  for (const address of config.bootstrap) policy.allowAddress(address)
  const gaterLimits = { connectionsPerAddress: config.connectionsPerAddress, reservationsPerAddress: config.reservationsPerAddress, maxReservations: config.maxReservations }
  const gater = new ServerGater(policy, gaterLimits)

  const relay = await createServerNode({
    nodeType: 'relay',
    privateKey: await loadOrCreatePeerKey(fileKeyStorage(join(config.dataDir, 'relay', 'peer-key'))),
    listen: [`/ip4/${config.host}/tcp/${config.relayPort}/ws`],
    ...(config.announce.length > 0 ? { announce: config.announce } : {}),
    allowPrivateAddresses,
    gater,
    dhtDir: join(config.dataDir, 'relay', 'dht'),
    relay: { maxReservations: config.maxReservations, dataLimit: config.relayDataLimit, durationLimit: config.relayDurationLimit },
    metricsRegistry: registry
  })
  const relayId = relay.peerId.toString()
  const reputation = await ReputationBook.open({
    storage: fileReputationStorage(join(config.dataDir, 'relay', 'reputation.cbor')),
    self: relayId,
    trusted: config.trustedPeers,
    denied: config.deniedPeers,
    onError: err => { log.warn('reputation book not read or saved', { error: (err as Error).message }) }
  })
  const stopMonitor = monitorReputation(relay, reputation)
  const relayMultiaddrs = (): string[] => dialable(relay.getMultiaddrs(), relayId)
  for (const address of relay.getMultiaddrs()) policy.allowAddress(address)
  log.info('relay started', { peerId: relayId, multiaddrs: relayMultiaddrs() })
  const otherRelays: BootstrapPeer[] = config.bootstrap.map(multiaddr => ({ multiaddr }))
  const stopRelayBootstrap = otherRelays.length > 0 ? keepBootstrapped(relay, otherRelays) : () => {}

  const bootstrap: BootstrapPeer[] = [...relayMultiaddrs().map(multiaddr => ({ multiaddr, priority: 0 })), ...otherRelays.map(p => ({ ...p, priority: 1 }))]
  // the storage peers share this process, so their DHT announcements share one budget
  // (a rate of 0 keeps no announcement waiting: none is made)
  const announcements = new AnnounceQueue({
    log: relay.logger.forComponent('datamesh:relay:announce'),
    concurrency: 1,
    interval: config.provideRate > 0 ? Math.ceil(1000 / config.provideRate) : 0,
    ...(config.provideRate === 0 ? { maxPending: 0 } : {})
  })
  const storage: StoragePeer[] = []
  for (let i = 0; i < config.storagePeers; i++) {
    storage.push(await startStoragePeer({
      index: i, dataDir: config.dataDir, host: config.host, quota: config.storageQuota, ownerQuota: config.ownerQuota,
      ownerAdmission: { ...config.ownerAdmission, countPrivateAddresses: config.countPrivateAddresses },
      bootstrap, allowPrivateAddresses, policy, gaterLimits, logger: log.child({ component: `storage-${i}` }), announcements,
      trustedPeers: [relayId, ...config.trustedPeers], deniedPeers: config.deniedPeers, repair: config.repair
    }))
  }
  // the process's own nodes trust each other (the storage peers' ids are known once all have started)
  const own = [relayId, ...storage.map(s => s.peerId)]
  reputation.setTrusted([...own, ...config.trustedPeers])
  for (const s of storage) s.reputation.setTrusted([...own, ...config.trustedPeers])

  const reservations = (): number => gater.reservationCount
  /** peers holding a reservation here (browser tabs), newest first and in turns from each address, so tabs can find each other */
  const reservedPeers = (): string[] => gater.reservedPeers(NETWORK_MAX_PEERS).filter(id => !reputation.isDenied(id))
  const gauge = (name: string, help: string, collect: () => Promise<number> | number): void => {
    // eslint-disable-next-line no-new
    new Gauge({ name, help, registers: [registry], async collect () { this.set(await collect()) } })
  }
  gauge('datamesh_relay_reservations', 'Circuit relay reservations held', reservations)
  gauge('datamesh_relay_connections', 'Open connections of the relay node', () => relay.getConnections().length)
  const dhtNodes = (): Array<Libp2p<Record<string, unknown>>> => [relay, ...storage.map(s => s.node)]
  gauge('datamesh_dht_records', 'DHT records others stored on this process\'s nodes (index pointers), all nodes together', () => dhtNodes().reduce((n, node) => n + (dhtStoreOf(node)?.records.size ?? 0), 0))
  gauge('datamesh_dht_provider_records', 'Provider records others stored on this process\'s nodes, all nodes together', () => dhtNodes().reduce((n, node) => n + (dhtStoreOf(node)?.providers.size ?? 0), 0))
  gauge('datamesh_announce_pending', 'DHT provider announcements of the storage peers waiting to start', () => announcements.stats.pending)
  gauge('datamesh_announce_dropped', 'DHT provider announcements dropped because the queue was full', () => announcements.stats.dropped)
  // eslint-disable-next-line no-new
  new Counter({
    name: 'datamesh_audits_served_total',
    help: 'Audits (/datamesh/audit/1.0.0) the local storage peers answered since start, by answer: proved, not-found, lost',
    labelNames: ['answer'],
    registers: [registry],
    collect () {
      this.reset()
      for (const answer of ['proved', 'not-found', 'lost'] as const) {
        this.inc({ answer }, storage.reduce((n, s) => n + ((s.node.services.audit as AuditService | undefined)?.served[answer] ?? 0), 0))
      }
    }
  })
  // one pass over the storage peers' records per scrape, shared by the lease gauges (collected together)
  let leases: Promise<LeaseFigures> | undefined
  const leaseTotals = async (): Promise<LeaseFigures> => {
    if (leases === undefined) {
      const now = Date.now()
      leases = Promise.all(storage.map(async s => await leaseFigures(s.store, now).catch(() => ({ shards: 0, expiredShards: 0, expiredBytes: 0 }))))
        .then(all => all.reduce((a, b) => ({ shards: a.shards + b.shards, expiredShards: a.expiredShards + b.expiredShards, expiredBytes: a.expiredBytes + b.expiredBytes })))
        .finally(() => { leases = undefined })
    }
    return await leases
  }
  gauge('datamesh_lease_shards', 'Shards the local storage peers hold under a lease', async () => (await leaseTotals()).shards)
  gauge('datamesh_lease_expired_shards', 'Shards of the local storage peers past their lease, kept until their 7-day grace ends', async () => (await leaseTotals()).expiredShards)
  gauge('datamesh_lease_expired_bytes', 'Charged bytes of the local storage peers past their lease, awaiting collection', async () => (await leaseTotals()).expiredBytes)
  const total = (name: string, help: string, count: () => number): void => {
    // eslint-disable-next-line no-new
    new Counter({ name, help, registers: [registry], collect () { this.reset(); this.inc(count()) } })
  }
  total('datamesh_collected_shards_total', 'Shards the local storage peers collected (lease and grace over, or orphaned) since start', () => storage.reduce((n, s) => n + s.maintenance.stats.collectedShards, 0))
  total('datamesh_collected_bytes_total', 'Charged bytes the local storage peers freed by collections since start', () => storage.reduce((n, s) => n + s.maintenance.stats.collectedBytes, 0))
  total('datamesh_scrub_lost_shards_total', 'Shards the local storage peers\' scrubs found damaged or vanished since start', () => storage.reduce((n, s) => n + s.maintenance.stats.scrubLost, 0))
  total('datamesh_repairs_total', 'Shards and manifest copies the local storage peers re-created and placed as repairers since start', () => storage.reduce((n, s) => n + s.repairStats.repairs, 0))
  total('datamesh_repair_bytes_total', 'Bytes the local storage peers re-created and placed as repairers since start', () => storage.reduce((n, s) => n + s.repairStats.repairBytes, 0))
  total('datamesh_audits_passed_total', 'Audits the local storage peers ran as repairers that the holder passed, since start', () => storage.reduce((n, s) => n + s.repairStats.auditsPassed, 0))
  total('datamesh_audits_failed_total', 'Audits the local storage peers ran as repairers that the holder failed (wrong or no proof, lost, late), since start', () => storage.reduce((n, s) => n + s.repairStats.auditsFailed, 0))
  gauge('datamesh_storage_used_bytes', 'Bytes stored by the local storage peers', async () => (await Promise.all(storage.map(async s => (await s.store.usage().catch(() => ({ bytes: 0 }))).bytes))).reduce((a, b) => a + b, 0))

  const usage = new Map<string, { bytes: number, count: number, quota: number }>()
  const refreshUsage = async (): Promise<void> => {
    for (const s of storage) {
      // a storage peer stopped on its own (tests, maintenance) keeps its last figures
      const u = await s.store.usage().catch(() => undefined)
      if (u !== undefined) usage.set(s.peerId, { bytes: u.bytes, count: u.count, quota: u.quota })
    }
  }
  await refreshUsage()
  const usageTimer = setInterval(() => { refreshUsage().catch(() => {}) }, 2000)

  const http = createHttpServer({
    dist: config.dist,
    health: () => ({
      status: 'ok',
      peerId: relayId,
      multiaddrs: relayMultiaddrs(),
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      connections: relay.getConnections().length,
      reservations: reservations(),
      storagePeers: storage.map(s => ({ peerId: s.peerId, multiaddrs: s.multiaddrs(), used: usage.get(s.peerId)?.bytes ?? 0, shards: usage.get(s.peerId)?.count ?? 0, quota: usage.get(s.peerId)?.quota ?? 0 })),
      storageUsed: [...usage.values()].reduce((a, u) => a + u.bytes, 0)
    }),
    network: (): NetworkDescription => ({
      relays: [{ multiaddrs: relayMultiaddrs(), priority: 0 }, ...otherRelays.map(p => ({ multiaddrs: [p.multiaddr], priority: 1 }))],
      storagePeers: storage.map(s => ({ peerId: s.peerId, multiaddrs: s.multiaddrs() })),
      peers: reservedPeers(),
      iceServers: config.iceServers
    }),
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() })
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.port, config.host, () => { http.off('error', reject); resolve() })
  })
  const address = http.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  log.info('http listening', { url: `http://${config.host}:${port}/`, health: `http://${config.host}:${port}/health` })

  let stopping: Promise<void> | undefined
  return {
    relay,
    reputation,
    storage,
    http,
    port,
    relayMultiaddrs,
    stop: async () => {
      stopping ??= (async () => {
        clearInterval(usageTimer)
        stopRelayBootstrap()
        stopMonitor()
        announcements.stop()
        await new Promise<void>(resolve => { http.close(() => { resolve() }); http.closeAllConnections() })
        await Promise.all(storage.map(async s => { await s.stop() }))
        await relay.stop()
        await reputation.close()
        log.info('stopped')
      })()
      await stopping
    }
  }
}
