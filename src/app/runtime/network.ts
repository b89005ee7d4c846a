/**
 * Joins this tab to the mesh: reads what the serving relay publishes
 * (/network.json: relays with priorities, storage peers, ICE servers),
 * restores the tab's peer identity, shard store and reputation book from
 * IndexedDB, starts the browser libp2p node with the DataMesh protocols and
 * keeps it connected to the relays.
 */
import type { Libp2p } from 'libp2p'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createBrowserNode } from '../../net/browser-node.ts'
import { keepBootstrapped, keepConnected as keepStorageConnections } from '../../net/bootstrap.ts'
import { loadOrCreatePeerKey } from '../../net/peer-key.ts'
import { idbKeyStorage } from '../../net/peer-key-idb.ts'
import { dataMeshServices } from '../../net/services.ts'
import { AnnounceQueue, announcer } from '../../net/announce-queue.ts'
import { relayReachable } from '../../net/reachability.ts'
import type { BootstrapPeer } from '../../net/options.ts'
import { isPrivateHost } from '../../net/private-host.ts'
import { parseNetworkDescription, type NetworkDescription } from '../../net/network-description.ts'
import { openIdbStore } from '../../store/idb.ts'
import { requestPersistentStorage } from '../../store/persistence.ts'
import type { ShardStore } from '../../store/types.ts'
import type { ReputationBook } from '../../net/reputation.ts'
import { monitorReputation } from '../../net/reputation-monitor.ts'
import { openTabReputation } from './reputation.ts'

export type { NetworkDescription }

export interface JoinOptions {
  /** where /network.json is served (default: this page's origin) */
  origin?: string
  /** bytes of this device's storage offered to the mesh (default 1 GiB) */
  contribution?: number
  /** the most of it one owner may keep, as a fraction (default: all of it) */
  ownerShare?: number
  /** extra or replacement relays (custom list from settings) */
  bootstrap?: BootstrapPeer[]
  /** IndexedDB database names, so several profiles can live side by side */
  namespace?: string
  /** peer ids trusted besides the relay's storage peers, and peer ids never placed on (settings) */
  allowedPeers?: string[]
  deniedPeers?: string[]
}

export interface JoinedNetwork {
  node: Libp2p<Record<string, unknown>>
  store: ShardStore
  description: NetworkDescription
  /** what this tab observed of its peers (placement ranks by it) */
  reputation: ReputationBook
  persisted: boolean
  /** ms since the epoch when the node started */
  startedAt: number
  /** look for other tabs through the relay now; resolves to the new direct connections */
  discover: () => Promise<number>
  stop: () => Promise<void>
}

const GiB = 1024 ** 3

export async function fetchNetworkDescription (origin: string): Promise<NetworkDescription> {
  const res = await fetch(new URL('/network.json', origin), { cache: 'no-store' })
  if (!res.ok) throw new Error(`Could not read ${origin}/network.json: HTTP ${res.status}`)
  return parseNetworkDescription(await res.json())
}

function isPrivateOrigin (origin: string): boolean {
  return isPrivateHost(new URL(origin).hostname)
}

/** Tabs to keep direct connections with (enough to place the 6 shards of a stripe on distinct peers, and spares). */
const TAB_TARGET = 8

/**
 * Find other tabs through the relay: it lists the peers holding reservations;
 * open direct (WebRTC) connections to some we are not connected to yet, now
 * and every 30 s, up to TAB_TARGET.
 */
function discoverTabs (node: Libp2p, origin: string): { stop: () => void, now: () => Promise<number> } {
  let stopped = false
  const round = async (): Promise<number> => {
    const self = node.peerId.toString()
    const description = await fetchNetworkDescription(origin)
    const connected = new Set(node.getConnections().filter(c => c.limits == null).map(c => c.remotePeer.toString()))
    const tabs = description.peers.filter(id => id !== self)
    const missing = tabs.filter(id => !connected.has(id)).slice(0, Math.max(0, TAB_TARGET - tabs.filter(id => connected.has(id)).length))
    const relays = description.relays.flatMap(r => r.multiaddrs)
    const dials = await Promise.allSettled(missing.flatMap(id => relays.slice(0, 1).map(async relay =>
      await node.dial(multiaddr(`${relay}/p2p-circuit/webrtc/p2p/${id}`), { signal: AbortSignal.timeout(15_000) }))))
    return dials.filter(d => d.status === 'fulfilled').length
  }
  const loop = (): void => {
    if (stopped) return
    round().catch(() => {}).finally(() => { if (!stopped) timer = setTimeout(loop, 30_000) })
  }
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(loop, 0)
  return { stop: () => { stopped = true; if (timer !== undefined) clearTimeout(timer) }, now: round }
}

export async function joinNetwork (options: JoinOptions = {}): Promise<JoinedNetwork> {
  const origin = options.origin ?? location.origin
  const ns = options.namespace ?? 'datamesh'
  // what the relay publishes, the shard store and the peer key: all at once
  const [description, store, privateKey, persisted] = await Promise.all([
    fetchNetworkDescription(origin),
    openIdbStore({ name: `${ns}-shards`, quota: options.contribution ?? GiB, ...(options.ownerShare !== undefined ? { ownerShare: options.ownerShare } : {}) }),
    loadOrCreatePeerKey(idbKeyStorage(`${ns}-peer`)),
    requestPersistentStorage().then(r => r.persisted, () => false)
  ])
  const reputation = await openTabReputation(ns, peerIdFromPrivateKey(privateKey).toString(), description, { allowedPeers: options.allowedPeers ?? [], deniedPeers: options.deniedPeers ?? [] })
  let announce: ((id: string) => void) | undefined
  const node = await createBrowserNode({
    nodeType: 'browser',
    privateKey,
    iceServers: description.iceServers,
    // a relay on a private network (development, tests) is dialled over plain ws://
    allowPrivateAddresses: isPrivateOrigin(origin),
    services: dataMeshServices({ nodeType: 'browser', store, onStored: id => { announce?.(id) }, onOffence: (peer, _offence, points) => { reputation.recordOffence(peer, points) } })
  })
  const stopMonitor = monitorReputation(node, reputation)
  // what was observed survives a closed tab: saved when the page is hidden or goes away (a reload fires only pagehide)
  const onHidden = (): void => { if (document.visibilityState === 'hidden') reputation.flush().catch(() => {}) }
  const onPageHide = (): void => { reputation.flush().catch(() => {}) }
  document.addEventListener('visibilitychange', onHidden)
  addEventListener('pagehide', onPageHide)
  // shards this tab keeps are announced in the DHT in the background, a few a second
  const announcements = new AnnounceQueue()
  announce = announcer(node, announcements)
  const bootstrap: BootstrapPeer[] = options.bootstrap ?? description.relays.flatMap(r => r.multiaddrs.map(multiaddr => ({ multiaddr, priority: r.priority })))
  const stopBootstrap = keepBootstrapped(node, bootstrap)
  // always-on storage peers the relay knows are the first data-capable peers: dial them directly
  const storagePeers = description.storagePeers.map(s => ({ multiaddr: s.multiaddrs[0] ?? '', priority: 0 })).filter(p => p.multiaddr !== '')
  const stopStorage = storagePeers.length > 0 ? keepStorageConnections(node, storagePeers) : () => {}
  // bounded: a tab whose relays are down still starts, outbound only
  await relayReachable(node, 10_000)
  const discovery = discoverTabs(node, origin)
  return {
    node,
    store,
    description,
    reputation,
    persisted,
    startedAt: Date.now(),
    discover: discovery.now,
    stop: async () => {
      stopBootstrap()
      stopStorage()
      discovery.stop()
      announcements.stop()
      stopMonitor()
      document.removeEventListener('visibilitychange', onHidden)
      removeEventListener('pagehide', onPageHide)
      await node.stop()
      await store.close()
      await reputation.close()
    }
  }
}
