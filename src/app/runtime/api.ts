/**
 * `window.datamesh`: the running node's API in the browser console (and what
 * the views and the end-to-end tests drive). Its contract lives in
 * src/api/types.ts and is documented in the README.
 *
 * This module only composes: the key calls (./key-commands.ts), the index
 * backup's timing (./index-backup.ts), the health description
 * (./health.ts), and one line per mesh call. Calls that need the network
 * wait for the runtime; the key calls work as soon as the keystore is open.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { BandwidthService } from '../../net/bandwidth/index.ts'
import type { FileRef } from '../../mesh/index.ts'
import { LockedError } from '../../core/errors.ts'
import type { ApiChange, DataMeshApi } from '../../api/types.ts'
import { connectPeer, summarizePeers } from './peers.ts'
import { makeSealedShareLink, makeShareLink, openShareLink, parseShareLink } from './share-link.ts'
import { loadSettings, parsePeerIds, saveSettings } from './settings.ts'
import { applyTrustLists } from './reputation.ts'
import type { TabKeys } from './keys.ts'
import type { Runtime } from './runtime.ts'
import { OpenCounts } from './opens.ts'
import { createKeyCommands } from './key-commands.ts'
import { IndexBackupScheduler, type Clock } from './index-backup.ts'
import { describeHealth } from './health.ts'

export type { ApiChange, ApiFile, DataMeshApi, GetOptions, Health, SetupOptions } from '../../api/types.ts'

/** bytes moved each way by `bandwidth()` unless asked otherwise */
const DEFAULT_BANDWIDTH_BYTES = 16 * 1024 * 1024

export interface ApiInit {
  namespace: string
  /** the keystore, opened quickly */
  keys: Promise<TabKeys>
  /** the joined network and the mesh, later */
  runtime: Promise<Runtime>
  /** timers for the index backup (tests) */
  clock?: Clock
}

export function createApi (init: ApiInit): DataMeshApi {
  const { namespace } = init
  let rt: Runtime | undefined
  let tabKeys: TabKeys | undefined
  const opens = new OpenCounts(namespace)
  const listeners = new Set<(change: ApiChange) => void>()
  const notify = (change: ApiChange): void => { for (const l of listeners) { try { l(change) } catch {} } }
  const keys = async (): Promise<TabKeys> => tabKeys ?? await init.keys
  /** the runtime, once the network is joined (calls made before wait for it) */
  const need = async (): Promise<Runtime> => rt ?? await init.runtime
  const owner = async (): Promise<Runtime> => {
    const r = await need()
    if (!r.owner) throw new LockedError('Unlock your keys first: datamesh.setup({ password }) on a new device, datamesh.unlock(password) after a reload')
    return r
  }
  /** the runtime adopts the unlocked key (now, or once the network is joined) */
  const adoptUnlocked = (): void => {
    const key = tabKeys?.unlocked
    if (rt !== undefined && key !== undefined) rt.adopt(key)
    else notify('keys')
  }
  const applyContribution = (): void => {
    const settings = loadSettings(namespace)
    rt?.net.store.setQuota(settings.contribution)
    rt?.net.store.setOwnerShare(settings.ownerShare)
  }
  const lock = (): void => {
    if (rt !== undefined) rt.lock()
    else tabKeys?.lock()
    notify('keys')
  }

  /** the index is backed up to the mesh after changes, and retried after failures (the outcome is in health() and subscribe('backup')) */
  const backups = new IndexBackupScheduler({
    backup: async () => await (await owner()).mesh.backupIndex(),
    canRun: () => rt?.owner === true,
    ...(init.clock !== undefined ? { clock: init.clock } : {}),
    onStatus: () => { notify('backup') }
  })
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') backups.flush() })
  }
  /** after a change to the owner's index */
  const changed = <T>(result: T): T => { backups.changed(); return result }

  /** count an open of one of the owner's files */
  const opened = async (text: string): Promise<void> => {
    const r = rt
    if (r?.owner !== true) return
    const key = parseShareLink(text)?.key ?? text
    const entry = (await r.mesh.list()).find(e => e.key === key || e.name === key)
    if (entry !== undefined) opens.add(entry.key)
  }
  /** while the owner's keys are unlocked, the owner's leases are renewed at once and then daily (src/mesh/lease-keeper.ts) */
  let leaseKeeper: ReturnType<Runtime['mesh']['leaseKeeper']> | undefined
  /** and every file's repair capability is handed to its repairers again, at once and daily (src/mesh/repair-keeper.ts) */
  let repairKeeper: ReturnType<Runtime['mesh']['repairKeeper']> | undefined
  const keepLeases = (r: Runtime): void => {
    leaseKeeper?.stop()
    leaseKeeper = r.owner ? r.mesh.leaseKeeper().start() : undefined
    repairKeeper?.stop()
    repairKeeper = r.owner ? r.mesh.repairKeeper().start() : undefined
  }
  /** every mesh the runtime swaps in reports its index changes */
  const watch = (r: Runtime): void => {
    keepLeases(r)
    let current = r.mesh
    const onIndex = (): void => { notify('index') }
    current.events.addEventListener('index:changed', onIndex)
    r.onMeshChange(() => {
      current.events.removeEventListener('index:changed', onIndex)
      current = r.mesh
      current.events.addEventListener('index:changed', onIndex)
      // another owner (or none): what was due for the previous one no longer applies
      backups.reset()
      keepLeases(r)
      notify('keys')
      notify('index')
    })
    r.net.node.addEventListener('connection:open', () => { notify('peers') })
    r.net.node.addEventListener('connection:close', () => { notify('peers') })
  }
  /** a share link becomes a FileShare; names and keys pass through */
  const ref = async (text: string, password?: string): Promise<FileRef> => {
    const link = parseShareLink(text)
    if (link === null) return text
    return await openShareLink(link, password, link.envelope !== undefined ? async (key, envelope) => await (await owner()).mesh.openShare(key, envelope) : undefined)
  }
  const keyCommands = createKeyCommands({
    keys,
    adoptUnlocked,
    lock,
    notify,
    saveSettings: (settings) => {
      saveSettings(namespace, { ...loadSettings(namespace), ...settings })
      applyContribution()
    }
  })

  const api: DataMeshApi = {
    keysReady: init.keys.then(k => { tabKeys = k }),
    ready: init.runtime.then(r => {
      rt = r
      watch(r)
      applyContribution()
      api.peerId = r.net.node.peerId.toString()
      // keys unlocked while the network was joining
      if (r.keys.unlocked !== undefined && !r.owner) r.adopt(r.keys.unlocked)
    }),
    ...keyCommands,
    lock,
    put: async (data, options) => changed(await (await owner()).mesh.put(data, options)),
    get: async (text, options = {}) => {
      const blob = await (await need()).mesh.get(await ref(text, options.password), options)
      await opened(text)
      return blob
    },
    getStream: async (text, options = {}) => {
      const stream = await (await need()).mesh.getStream(await ref(text, options.password), options)
      await opened(text)
      return stream
    },
    list: async (options) => (await (await owner()).mesh.list(options)).map(f => ({ ...f, opens: opens.get(f.key) })),
    info: async (text, options = {}) => await (await need()).mesh.info(await ref(text, options.password), options),
    delete: async (text) => {
      const r = await owner()
      const target = await ref(text)
      const key = typeof target === 'string' ? (await r.mesh.list()).find(e => e.key === target || e.name === target)?.key : target.key
      const result = await r.mesh.delete(target)
      if (key !== undefined) opens.forget(key)
      return changed(result)
    },
    rename: async (nameOrKey, name) => changed(await (await owner()).mesh.rename(nameOrKey, name)),
    setTags: async (nameOrKey, tags) => changed(await (await owner()).mesh.setTags(nameOrKey, tags)),
    duplicate: async (nameOrKey, name, options) => changed(await (await owner()).mesh.copy(nameOrKey, name, options)),
    distribution: async (text, options = {}) => await (await need()).mesh.distribution(await ref(text, options.password), options),
    check: async (text, options = {}) => await (await need()).mesh.check(await ref(text, options.password), options),
    audit: async (text, options = {}) => await (await need()).mesh.audit(await ref(text, options.password), options),
    repair: async (text, options = {}) => await (await owner()).mesh.repair(await ref(text, options.password), options),
    shareLink: async (nameOrKey, options = {}) => {
      const r = await owner()
      if (options.to !== undefined && options.to !== '') {
        const { key, envelope } = await r.mesh.shareTo(nameOrKey, options.to)
        return makeSealedShareLink(location.origin, key, envelope)
      }
      return await makeShareLink(location.origin, await r.mesh.share(nameOrKey), options.password, { allowWeak: options.allowWeak === true })
    },
    peers: async () => {
      const r = await need()
      const now = summarizePeers(r.net.node, r.net.description)
      return (await r.mesh.peers()).map(p => ({ ...now.find(s => s.peerId === p.peerId), ...p }))
    },
    connections: () => rt === undefined ? [] : summarizePeers(rt.net.node, rt.net.description),
    connect: async (peerId) => {
      const r = await need()
      return await connectPeer(r.net.node, r.net.description, peerId)
    },
    storage: async () => {
      const r = await need()
      const u = await r.net.store.usage()
      return { used: u.bytes, shards: u.count, quota: u.quota, persisted: r.net.persisted }
    },
    bandwidth: async (peerId, bytes = DEFAULT_BANDWIDTH_BYTES) => {
      const bw = (await need()).net.node.services.bandwidth as BandwidthService
      const peer = peerIdFromString(peerId)
      return { upload: await bw.upload(peer, bytes), download: await bw.download(peer, bytes) }
    },
    health: async () => {
      const r = await need()
      const u = await r.net.store.usage()
      return describeHealth({
        peerId: r.net.node.peerId.toString(),
        startedAt: r.net.startedAt,
        now: Date.now(),
        unlocked: r.owner,
        multiaddrs: r.net.node.getMultiaddrs().map(a => a.toString()),
        connections: summarizePeers(r.net.node, r.net.description),
        relayAddrs: r.net.description.relays.flatMap(x => x.multiaddrs),
        store: { bytes: u.bytes, count: u.count, quota: u.quota, persisted: r.net.persisted },
        coding: r.mesh.config,
        indexBackup: backups.status
      })
    },
    discover: async () => await (await need()).net.discover(),
    settings: () => loadSettings(namespace),
    configure: (change) => {
      // peer ids are checked before anything is saved (InvalidParametersError)
      const lists = {
        ...(change.allowedPeers !== undefined ? { allowedPeers: parsePeerIds(change.allowedPeers) } : {}),
        ...(change.deniedPeers !== undefined ? { deniedPeers: parsePeerIds(change.deniedPeers) } : {})
      }
      saveSettings(namespace, { ...loadSettings(namespace), ...change, ...lists })
      // the contribution, the owner share and the peer lists apply at once; relays on the next start
      if (change.contribution !== undefined || change.ownerShare !== undefined) applyContribution()
      if (rt !== undefined && (change.allowedPeers !== undefined || change.deniedPeers !== undefined)) applyTrustLists(rt.net.reputation, rt.net.description, loadSettings(namespace))
      return loadSettings(namespace)
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    backupIndex: async () => {
      await owner()
      return await backups.now()
    },
    restoreIndex: async () => await (await owner()).mesh.restoreIndex(),
    cleanup: async (options = {}) => await (await need()).mesh.cleanup({ dryRun: options.dryRun === true }),
    renewLeases: async () => {
      const r = await owner()
      return leaseKeeper !== undefined ? await leaseKeeper.runNow() : await r.mesh.renewLeases()
    }
  }
  // rejections stay on the promises for whoever awaits them
  api.ready.catch(() => {})
  api.keysReady.catch(() => {})
  return api
}
