/**
 * `window.datamesh`: the running node's API in the browser console (and what
 * the end-to-end tests drive). Documented in the README.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { BandwidthResult, BandwidthService } from '../../net/bandwidth/index.ts'
import type { ByteSource } from '../../core/source.ts'
import type {
  DeleteResult, FileInfo, FileRef, ListedFile, MeshOptions, PeerDescription, PutResult, ShardPlacement, BackupResult, RestoreResult
} from '../../mesh/index.ts'
import { connectPeer, summarizePeers, type PeerSummary } from './peers.ts'
import { makeSealedShareLink, makeShareLink, openShareLink, parseShareLink } from './share-link.ts'
import { loadSettings, saveSettings, type Settings } from './settings.ts'
import type { KeySetup, TabKeys } from './keys.ts'
import type { Runtime } from './runtime.ts'
import { LockedError, NotFoundError } from '../../core/errors.ts'
import type { KeyInfo } from '../../core/keystore/index.ts'
import { OpenCounts } from './opens.ts'

export interface SetupOptions extends KeySetup, Partial<Settings> {}

export interface GetOptions extends MeshOptions {
  /** the password of a password-protected share link */
  password?: string
}

/** A file of the owner's index, with how often it was opened on this device. */
export type ApiFile = ListedFile & { opens: number }

export interface Health {
  peerId: string
  /** ms since the node started */
  uptime: number
  unlocked: boolean
  /** a relay holds a reservation for this tab (other tabs can reach it) */
  reachable: boolean
  relays: Array<{ peerId: string, connected: boolean }>
  connections: { total: number, direct: number, relayed: number }
  /** distinct peers with a direct connection that can hold shards (storage peers and tabs) */
  dataPeers: number
  /** shards a put needs on distinct peers (k + m) */
  wanted: number
  storage: { used: number, shards: number, quota: number, persisted: boolean }
  multiaddrs: string[]
}

/** What changed, for views that keep themselves up to date. */
export type ApiChange = 'index' | 'keys' | 'peers'

export interface DataMeshApi {
  /** resolves once the tab has joined the mesh (rejects with the reason it could not); calls that need the network wait for it */
  ready: Promise<void>
  /** resolves once the keystore is open: status, setup, unlock and the key calls work from then on, before the network */
  keysReady: Promise<void>
  /** this tab's libp2p peer id, once ready */
  peerId?: string
  /** whether keys exist on this device, and whether they are unlocked */
  status: () => Promise<{ setUp: boolean, unlocked: boolean, publicKey?: string }>
  /** first run: keys (new, or imported from a backup) under a password, plus settings */
  setup: (options: SetupOptions) => Promise<{ publicKey: string }>
  /** after a reload: unlock the keys with the password */
  unlock: (password: string) => Promise<{ publicKey: string }>
  lock: () => void
  /** encrypt, erasure-code and spread a file over the mesh */
  put: (data: ByteSource, options: MeshOptions & { name: string, type?: string, tags?: string[] }) => Promise<PutResult>
  /** a file (by name, key, or share link) as a Blob */
  get: (ref: string, options?: GetOptions) => Promise<Blob>
  /** the same, streamed */
  getStream: (ref: string, options?: GetOptions) => Promise<ReadableStream<Uint8Array>>
  list: (options?: { tag?: string }) => Promise<ApiFile[]>
  info: (ref: string, options?: GetOptions) => Promise<FileInfo>
  delete: (ref: string) => Promise<DeleteResult>
  /** every shard of a file: where it was placed and who holds it now */
  distribution: (ref: string, options?: GetOptions) => Promise<ShardPlacement[]>
  /** a link that opens the file in any browser; its key stays in the URL fragment (sealed with `password`, or to the public key `to`) */
  shareLink: (nameOrKey: string, options?: { password?: string, to?: string }) => Promise<string>
  /** a new name in the index (share links keep working) */
  rename: (nameOrKey: string, name: string) => Promise<ListedFile>
  /** replace a file's tags */
  setTags: (nameOrKey: string, tags: string[]) => Promise<ListedFile>
  /** an independent copy under a new name */
  duplicate: (nameOrKey: string, name: string, options?: MeshOptions) => Promise<PutResult>
  /** this tab's node at a glance */
  health: () => Promise<Health>
  /** look for other tabs through the relay now: new direct connections */
  discover: () => Promise<number>
  settings: () => Settings
  /** change settings (the contribution applies at once, relays on the next start) */
  configure: (change: Partial<Settings>) => Settings
  /** the keys in the keystore (public parts) */
  keys: () => Promise<KeyInfo[]>
  createKey: (name: string) => Promise<KeyInfo>
  renameKey: (from: string, to: string) => Promise<void>
  /** destroys the key: files stored under it can no longer be opened unless it was exported */
  deleteKey: (name: string, password: string) => Promise<void>
  /** switch the owner key (each key has its own file index) */
  useKey: (name: string) => Promise<{ publicKey: string }>
  changePassword: (oldPassword: string, newPassword: string) => Promise<void>
  /** called after the index, the keys or the connections changed; returns an unsubscribe function */
  subscribe: (listener: (change: ApiChange) => void) => () => void
  /** connected peers: node type, direct or relayed, transport, latency */
  peers: () => Promise<Array<PeerDescription & Partial<PeerSummary>>>
  /** open connections right now (no network round trips) */
  connections: () => PeerSummary[]
  /** open a direct connection (WebRTC through the relay's signalling) */
  connect: (peerId: string) => Promise<PeerSummary>
  /** this tab's contribution: bytes used, shards, quota, persistent storage granted */
  storage: () => Promise<{ used: number, shards: number, quota: number, persisted: boolean }>
  /** raw stream throughput to a connected peer: `bytes` uploaded, then downloaded */
  bandwidth: (peerId: string, bytes?: number) => Promise<{ upload: BandwidthResult, download: BandwidthResult }>
  /** all keys, sealed under `password` (a file to download) */
  exportKeys: (password: string) => Promise<Uint8Array>
  importKeys: (data: Uint8Array, password: string) => Promise<{ imported: string[] }>
  /** store the encrypted file index in the mesh (done by itself about 2 s after changes); restore it from the keys alone */
  backupIndex: () => Promise<BackupResult>
  restoreIndex: () => Promise<RestoreResult>
}

/** ms between an index change and its backup to the mesh (changes meanwhile share it) */
const BACKUP_DELAY = 2000

export interface ApiInit {
  namespace: string
  /** the keystore, opened quickly */
  keys: Promise<TabKeys>
  /** the joined network and the mesh, later */
  runtime: Promise<Runtime>
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
  const ownerKeys = async (): Promise<TabKeys> => {
    const k = await keys()
    if (k.unlocked === undefined) throw new LockedError('Unlock your keys first')
    return k
  }
  /** the runtime adopts the unlocked key (now, or once the network is joined) */
  const adoptUnlocked = (): void => {
    const key = tabKeys?.unlocked
    if (rt !== undefined && key !== undefined) rt.adopt(key)
    else notify('keys')
  }
  const keyInfo = async (name: string): Promise<KeyInfo> => {
    const found = (await (await keys()).keystore.list()).find(k => k.name === name)
    if (found === undefined) throw new NotFoundError(`No key named ${name}`)
    return found
  }
  /** count an open of one of the owner's files */
  const opened = async (text: string): Promise<void> => {
    const r = rt
    if (r?.owner !== true) return
    const link = parseShareLink(text)
    const key = link?.key ?? text
    const entry = (await r.mesh.list()).find(e => e.key === key || e.name === key)
    if (entry !== undefined) opens.add(entry.key)
  }
  /** every mesh the runtime swaps in reports its index changes */
  const watch = (r: Runtime): void => {
    let current = r.mesh
    const onIndex = (): void => { notify('index') }
    current.events.addEventListener('index:changed', onIndex)
    r.onMeshChange(() => {
      current.events.removeEventListener('index:changed', onIndex)
      current = r.mesh
      current.events.addEventListener('index:changed', onIndex)
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
  const publicKey = async (): Promise<string> => (await ownerKeys()).requireKey().publicKeyString
  /**
   * After the index changes, back it up to the mesh: BACKUP_DELAY ms after
   * the first change (a burst of puts shares one backup), one at a time and
   * once more if it changed meanwhile, and at once when the page is hidden,
   * so exported keys restore the list.
   */
  let backingUp: Promise<unknown> | undefined
  let again = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const backupNow = (): void => {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    if (rt?.owner !== true) return // locked meanwhile: the next put or delete backs up
    if (backingUp !== undefined) { again = true; return }
    backingUp = rt.mesh.backupIndex().catch(() => {}).finally(() => {
      backingUp = undefined
      if (again) { again = false; backupSoon() }
    })
  }
  const backupSoon = (): void => {
    timer ??= setTimeout(backupNow, BACKUP_DELAY)
  }
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden' && timer !== undefined) backupNow() })
  }
  const applyContribution = (): void => {
    rt?.net.store.setQuota(loadSettings(namespace).contribution)
  }

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
    status: async () => {
      const k = await keys()
      const key = k.unlocked
      return { setUp: await k.initialised(), unlocked: key !== undefined, ...(key !== undefined ? { publicKey: key.publicKeyString } : {}) }
    },
    setup: async (options) => {
      const k = await keys()
      const { password, allowWeak, importKeys, keyName, ...settings } = options
      saveSettings(namespace, { ...loadSettings(namespace), ...settings })
      applyContribution()
      await k.setup({ password, ...(allowWeak !== undefined ? { allowWeak } : {}), ...(importKeys !== undefined ? { importKeys } : {}), ...(keyName !== undefined ? { keyName } : {}) })
      adoptUnlocked()
      return { publicKey: await publicKey() }
    },
    unlock: async (password) => {
      await (await keys()).unlock(password)
      adoptUnlocked()
      return { publicKey: await publicKey() }
    },
    lock: () => {
      if (rt !== undefined) rt.lock()
      else tabKeys?.lock()
      notify('keys')
    },
    put: async (data, options) => {
      const result = await (await owner()).mesh.put(data, options)
      backupSoon()
      return result
    },
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
      backupSoon()
      return result
    },
    rename: async (nameOrKey, name) => {
      const result = await (await owner()).mesh.rename(nameOrKey, name)
      backupSoon()
      return result
    },
    setTags: async (nameOrKey, tags) => {
      const result = await (await owner()).mesh.setTags(nameOrKey, tags)
      backupSoon()
      return result
    },
    duplicate: async (nameOrKey, name, options) => {
      const result = await (await owner()).mesh.copy(nameOrKey, name, options)
      backupSoon()
      return result
    },
    distribution: async (text, options = {}) => await (await need()).mesh.distribution(await ref(text, options.password), options),
    shareLink: async (nameOrKey, options = {}) => {
      const r = await owner()
      if (options.to !== undefined && options.to !== '') {
        const { key, envelope } = await r.mesh.shareTo(nameOrKey, options.to)
        return makeSealedShareLink(location.origin, key, envelope)
      }
      return await makeShareLink(location.origin, await r.mesh.share(nameOrKey), options.password)
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
    bandwidth: async (peerId, bytes = 16 * 1024 * 1024) => {
      const bw = (await need()).net.node.services.bandwidth as BandwidthService
      const peer = peerIdFromString(peerId)
      return { upload: await bw.upload(peer, bytes), download: await bw.download(peer, bytes) }
    },
    health: async () => {
      const r = await need()
      const conns = summarizePeers(r.net.node, r.net.description)
      const relayIds = [...new Set(r.net.description.relays.flatMap(x => x.multiaddrs.map(a => a.split('/p2p/').at(-1) ?? '')))].filter(id => id !== '')
      const u = await r.net.store.usage()
      const { k, m } = r.mesh.config
      return {
        peerId: r.net.node.peerId.toString(),
        uptime: Date.now() - r.net.startedAt,
        unlocked: r.owner,
        reachable: r.net.node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit')),
        relays: relayIds.map(id => ({ peerId: id, connected: conns.some(c => c.peerId === id) })),
        connections: { total: conns.length, direct: conns.filter(c => c.direct).length, relayed: conns.filter(c => !c.direct).length },
        dataPeers: new Set(conns.filter(c => c.direct && c.role !== 'relay').map(c => c.peerId)).size,
        wanted: k + m,
        storage: { used: u.bytes, shards: u.count, quota: u.quota, persisted: r.net.persisted },
        multiaddrs: r.net.node.getMultiaddrs().map(a => a.toString())
      }
    },
    discover: async () => await (await need()).net.discover(),
    settings: () => loadSettings(namespace),
    configure: (change) => {
      saveSettings(namespace, { ...loadSettings(namespace), ...change })
      // the contribution applies at once; relays on the next start
      if (change.contribution !== undefined) applyContribution()
      return loadSettings(namespace)
    },
    keys: async () => await (await keys()).keystore.list(),
    createKey: async (name) => {
      await (await ownerKeys()).keystore.createKey(name)
      notify('keys')
      return await keyInfo(name)
    },
    renameKey: async (from, to) => {
      await (await ownerKeys()).keystore.rename(from, to)
      notify('keys')
    },
    deleteKey: async (name, password) => {
      const k = await ownerKeys()
      const wasOwner = k.unlocked?.name === name
      await k.keystore.deleteKey(name, { password })
      if (wasOwner) {
        const next = (await k.keystore.list()).find(x => x.isDefault)
        if (next !== undefined) { await k.use(next.name); adoptUnlocked() } else api.lock()
      }
      notify('keys')
    },
    useKey: async (name) => {
      await (await ownerKeys()).use(name)
      adoptUnlocked()
      return { publicKey: await publicKey() }
    },
    changePassword: async (oldPassword, newPassword) => {
      await (await keys()).keystore.changePassword(oldPassword, newPassword)
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    exportKeys: async (password) => await (await ownerKeys()).keystore.exportKeys(password),
    importKeys: async (data, password) => {
      const result = await (await ownerKeys()).keystore.importKeys(data, password, { onCollision: 'rename' })
      notify('keys')
      return { imported: result.imported.map(x => x.name) }
    },
    backupIndex: async () => {
      if (timer !== undefined) { clearTimeout(timer); timer = undefined }
      await backingUp
      return await (await owner()).mesh.backupIndex()
    },
    restoreIndex: async () => await (await owner()).mesh.restoreIndex()
  }
  // rejections stay on the promises for whoever awaits them
  api.ready.catch(() => {})
  api.keysReady.catch(() => {})
  return api
}
