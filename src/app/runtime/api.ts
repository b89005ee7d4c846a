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
import { makeShareLink, openShareLink, parseShareLink } from './share-link.ts'
import { loadSettings, saveSettings, type Settings } from './settings.ts'
import type { KeySetup } from './keys.ts'
import type { Runtime } from './runtime.ts'

export interface SetupOptions extends KeySetup, Partial<Settings> {}

export interface GetOptions extends MeshOptions {
  /** the password of a password-protected share link */
  password?: string
}

export interface DataMeshApi {
  /** resolves once the tab has joined the mesh (rejects with the reason it could not) */
  ready: Promise<void>
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
  list: (options?: { tag?: string }) => Promise<ListedFile[]>
  info: (ref: string, options?: GetOptions) => Promise<FileInfo>
  delete: (ref: string) => Promise<DeleteResult>
  /** every shard of a file: where it was placed and who holds it now */
  distribution: (ref: string, options?: GetOptions) => Promise<ShardPlacement[]>
  /** a link that opens the file in any browser; its key stays in the URL fragment */
  shareLink: (nameOrKey: string, options?: { password?: string }) => Promise<string>
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
  /** store the encrypted file index in the mesh (done by itself after every put and delete); restore it from the keys alone */
  backupIndex: () => Promise<BackupResult>
  restoreIndex: () => Promise<RestoreResult>
}

export function createApi (starting: Promise<Runtime>): DataMeshApi {
  let rt: Runtime | undefined
  const need = (): Runtime => {
    if (rt === undefined) throw new Error('DataMesh is not ready yet: await datamesh.ready')
    return rt
  }
  const owner = (): Runtime => {
    const r = need()
    if (!r.owner) throw new Error('Unlock your keys first: datamesh.setup({ password }) on a new device, datamesh.unlock(password) after a reload')
    return r
  }
  /** a share link becomes a FileShare; names and keys pass through */
  const ref = async (text: string, password?: string): Promise<FileRef> => {
    const link = parseShareLink(text)
    return link === null ? text : await openShareLink(link, password)
  }
  const publicKey = (): string => owner().keys.requireKey().publicKeyString
  /**
   * After the index changes, back it up to the mesh (once at a time, and once
   * more if it changed meanwhile), so exported keys always restore the list.
   */
  let backingUp: Promise<unknown> | undefined
  let again = false
  const backupSoon = (): void => {
    if (rt?.owner !== true) return // locked meanwhile: the next put or delete backs up
    if (backingUp !== undefined) { again = true; return }
    backingUp = rt.mesh.backupIndex().catch(() => {}).finally(() => {
      backingUp = undefined
      if (again) { again = false; backupSoon() }
    })
  }

  const api: DataMeshApi = {
    ready: starting.then(r => { rt = r; api.peerId = r.net.node.peerId.toString() }),
    status: async () => {
      const r = need()
      const key = r.keys.unlocked
      return { setUp: await r.keys.initialised(), unlocked: key !== undefined, ...(key !== undefined ? { publicKey: key.publicKeyString } : {}) }
    },
    setup: async (options) => {
      const r = need()
      const { password, allowWeak, importKeys, keyName, ...settings } = options
      saveSettings(r.namespace, { ...loadSettings(r.namespace), ...settings })
      r.adopt(await r.keys.setup({ password, ...(allowWeak !== undefined ? { allowWeak } : {}), ...(importKeys !== undefined ? { importKeys } : {}), ...(keyName !== undefined ? { keyName } : {}) }))
      return { publicKey: publicKey() }
    },
    unlock: async (password) => {
      const r = need()
      r.adopt(await r.keys.unlock(password))
      return { publicKey: publicKey() }
    },
    lock: () => { need().lock() },
    put: async (data, options) => {
      const result = await owner().mesh.put(data, options)
      backupSoon()
      return result
    },
    get: async (text, options = {}) => await need().mesh.get(await ref(text, options.password), options),
    getStream: async (text, options = {}) => await need().mesh.getStream(await ref(text, options.password), options),
    list: async (options) => await owner().mesh.list(options),
    info: async (text, options = {}) => await need().mesh.info(await ref(text, options.password), options),
    delete: async (text) => {
      const result = await owner().mesh.delete(await ref(text))
      backupSoon()
      return result
    },
    distribution: async (text, options = {}) => await need().mesh.distribution(await ref(text, options.password), options),
    shareLink: async (nameOrKey, options = {}) => await makeShareLink(location.origin, await owner().mesh.share(nameOrKey), options.password),
    peers: async () => {
      const r = need()
      const now = summarizePeers(r.net.node, r.net.description)
      return (await r.mesh.peers()).map(p => ({ ...now.find(s => s.peerId === p.peerId), ...p }))
    },
    connections: () => summarizePeers(need().net.node, need().net.description),
    connect: async (peerId) => await connectPeer(need().net.node, need().net.description, peerId),
    storage: async () => {
      const r = need()
      const u = await r.net.store.usage()
      return { used: u.bytes, shards: u.count, quota: u.quota, persisted: r.net.persisted }
    },
    bandwidth: async (peerId, bytes = 16 * 1024 * 1024) => {
      const bw = need().net.node.services.bandwidth as BandwidthService
      const peer = peerIdFromString(peerId)
      return { upload: await bw.upload(peer, bytes), download: await bw.download(peer, bytes) }
    },
    exportKeys: async (password) => await owner().keys.keystore.exportKeys(password),
    importKeys: async (data, password) => {
      const result = await owner().keys.keystore.importKeys(data, password, { onCollision: 'rename' })
      return { imported: result.imported.map(k => k.name) }
    },
    backupIndex: async () => {
      await backingUp
      return await owner().mesh.backupIndex()
    },
    restoreIndex: async () => await owner().mesh.restoreIndex()
  }
  return api
}
