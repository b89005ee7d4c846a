/**
 * Test doubles for the console: an in-memory ConsoleBackend that records
 * every call, and a ConsoleHost whose prompts, confirmations and file picks
 * are answered from queues.
 */
import { AbortedError, AlreadyExistsError, BadPasswordError, NotFoundError } from '../../src/core/errors.ts'
import type { ApiFile, Health, IndexBackupStatus, PeerSummary, Settings } from '../../src/api/types.ts'
import type { KeyInfo } from '../../src/core/keystore/index.ts'
import type { AuditRun, CleanupResult, FileCheck, FileInfo, MeshProgressEvent, PeerDescription, RenewLeasesResult, RepairResult, ShardPlacement } from '../../src/mesh/index.ts'
import { Console, type Block, type ConsoleBackend, type ConsoleHost, type Metric, type SaveMeta, type BenchmarkResult } from '../../src/console/index.ts'
import { renderAll } from '../../src/console/render-text.ts'

export interface Call { method: string, args: unknown[] }

/** 2025-03-15 12:00 local time: the tests' clock */
export const NOW = new Date(2025, 2, 15, 12, 0).getTime()
const DAY = 24 * 3600 * 1000

const PEER_A = '12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const PEER_B = '12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
export const PEERS = { A: PEER_A, B: PEER_B }

function keyInfo (name: string, seed: number, isDefault: boolean): KeyInfo {
  return {
    name,
    created: NOW - 30 * DAY,
    publicKey: { x25519: new Uint8Array(32).fill(seed), ed25519: new Uint8Array(32).fill(seed + 100) },
    publicKeyString: `z${name}PublicKey${'x'.repeat(80)}`,
    isDefault
  }
}

function file (name: string, size: number, ageDays: number, extra: Partial<ApiFile> = {}): ApiFile {
  return { key: `bafk${name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`, name, type: '', size, tags: [], created: NOW - ageDays * DAY, manifestHolders: ['p1', 'p2'], opens: 0, ...extra }
}

export function sampleFiles (): ApiFile[] {
  return [
    file('report.pdf', 2_500_000, 1, { type: 'application/pdf', tags: ['work', '2025'], opens: 5 }),
    file('holiday.jpg', 4_000_000, 3, { type: 'image/jpeg', tags: ['photos'], opens: 2 }),
    file('IMG_0001.JPG', 500_000, 10, { type: 'image/jpeg', tags: ['photos', 'archive'] }),
    file('notes.txt', 1200, 40, { type: 'text/plain', tags: ['work'], opens: 9 }),
    file('old.zip', 80_000_000, 400, { type: 'application/zip', tags: ['archive'] })
  ]
}

export class FakeBackend implements ConsoleBackend {
  calls: Call[] = []
  files: ApiFile[] = sampleFiles()
  contents = new Map<string, Uint8Array>()
  keyList: KeyInfo[] = [keyInfo('default', 1, true), keyInfo('work', 2, false)]
  current = 'default'
  currentSettings: Settings = { nodeType: 'browser', contribution: 1e9, ownerShare: 0.25, relays: [] }
  /** what the keystore password is: export, delete and password change check it (BadPasswordError, nothing done) */
  keystorePassword = 'keystore pw'
  conns: PeerSummary[] = [
    { peerId: PEER_A, direct: true, transport: 'websockets', remoteAddr: '/ip4/127.0.0.1/tcp/8082/ws', role: 'storage' },
    { peerId: PEER_B, direct: false, transport: 'relayed', remoteAddr: '/ip4/127.0.0.1/tcp/8081/ws/p2p-circuit', role: 'peer' }
  ]
  /** errors the next call of a method throws */
  failures = new Map<string, Error>()
  /** put waits for this before finishing (to test cancellation) */
  putGate?: Promise<void>
  discovered = 2
  indexBackup: IndexBackupStatus = { state: 'idle', failures: 0, lastSuccessAt: NOW - 60_000 }

  #record (method: string, ...args: unknown[]): void {
    this.calls.push({ method, args })
    const failure = this.failures.get(method)
    if (failure !== undefined) { this.failures.delete(method); throw failure }
  }

  callsOf (method: string): unknown[][] {
    return this.calls.filter(c => c.method === method).map(c => c.args)
  }

  #find (ref: string): ApiFile {
    const f = this.files.find(x => x.name === ref || x.key === ref || ref.includes(`#/s/${x.key}/`))
    if (f === undefined) throw new NotFoundError(`No file named ${ref}`)
    return f
  }

  async status (): Promise<{ setUp: boolean, unlocked: boolean, publicKey?: string }> {
    this.#record('status')
    return { setUp: true, unlocked: true, publicKey: this.keyList.find(k => k.name === this.current)?.publicKeyString as string }
  }

  async put (data: unknown, options: Parameters<ConsoleBackend['put']>[1]): Promise<{ key: string, warnings: string[] }> {
    this.#record('put', data, options)
    const bytes = new Uint8Array(await (data as File).arrayBuffer())
    if (this.files.some(f => f.name === options.name)) throw new AlreadyExistsError(`A file named ${options.name} exists`)
    options.onProgress?.({ type: 'put:encoded', bytesDone: Math.floor(bytes.length / 2), bytesTotal: bytes.length })
    if (this.putGate !== undefined) {
      await Promise.race([this.putGate, new Promise((_resolve, reject) => {
        options.signal?.addEventListener('abort', () => { reject(new AbortedError()) }, { once: true })
      })])
    }
    if (options.signal?.aborted === true) throw new AbortedError()
    options.onProgress?.({ type: 'put:encoded', bytesDone: bytes.length, bytesTotal: bytes.length })
    options.onProgress?.({ type: 'put:stored', shardsStored: 6, stripesCommitted: 1 })
    const key = `bafknew${this.files.length}`
    this.files.unshift({ key, name: options.name, type: options.type ?? '', size: bytes.length, tags: options.tags ?? [], created: NOW, manifestHolders: [], opens: 0 })
    this.contents.set(key, bytes)
    return { key, warnings: this.conns.length < 6 ? ['Stored on 2 peers instead of 6'] : [] }
  }

  async getStream (ref: string, options: Parameters<ConsoleBackend['getStream']>[1] = {}): Promise<ReadableStream<Uint8Array>> {
    this.#record('getStream', ref, options)
    const f = this.#find(ref)
    const bytes = this.contents.get(f.key) ?? new Uint8Array(f.size).fill(7)
    let sent = false
    return new ReadableStream<Uint8Array>({
      pull: c => {
        if (sent) { c.close(); return }
        sent = true
        options.onProgress?.({ type: 'get:decoded', bytesDone: bytes.length, bytesTotal: bytes.length } satisfies MeshProgressEvent)
        c.enqueue(bytes)
      }
    })
  }

  async list (options?: { tag?: string }): Promise<ApiFile[]> {
    this.#record('list', options)
    return this.files.filter(f => options?.tag === undefined || f.tags.includes(options.tag)).map(f => ({ ...f, tags: [...f.tags] }))
  }

  async info (ref: string, options?: Parameters<ConsoleBackend['info']>[1]): Promise<FileInfo> {
    this.#record('info', ref, options)
    const f = this.#find(ref)
    return {
      key: f.key, name: f.name, type: f.type, size: f.size, tags: f.tags, created: f.created, manifestHolders: f.manifestHolders,
      stripes: Math.max(1, Math.ceil(f.size / (4 * 1024 * 1024))),
      coding: { k: 4, m: 2, stripeSize: 4 * 1024 * 1024, segmentSize: 256 * 1024 },
      owner: new Uint8Array(32).fill(101)
    }
  }

  async delete (ref: string): Promise<{ removed: number, failed: Array<{ peer: string, id: string, error: string }> }> {
    this.#record('delete', ref)
    const f = this.#find(ref)
    this.files = this.files.filter(x => x !== f)
    return { removed: 6, failed: [] }
  }

  /** what check and audit find: shard 5's holder lost it (health 5), or, with `checkState`, another state */
  checkState: FileCheck['state'] = 'degraded'

  async check (ref: string, options?: Parameters<ConsoleBackend['check']>[1]): Promise<FileCheck> {
    this.#record('check', ref, options)
    const f = this.#find(ref)
    const health = { healthy: 6, degraded: 5, 'at-risk': 4, lost: 3 }[this.checkState]
    const shards = [0, 1, 2, 3, 4, 5].map(index => ({
      index,
      id: `bafkshard${index}xxxxxxxxxxxx`,
      holders: [{ peerId: index < 3 ? PEER_A : PEER_B, status: index < health ? 'ok' as const : 'lost' as const, checkedAt: NOW, outcome: index < health ? 'pass' as const : 'lost' as const }]
    }))
    return { key: f.key, k: 4, n: 6, health, state: this.checkState, checkedAt: NOW, stripes: [{ index: 0, verified: health, unknown: 0, lost: 6 - health, shards }] }
  }

  async audit (ref: string, options?: Parameters<ConsoleBackend['audit']>[1]): Promise<AuditRun> {
    this.#record('audit', ref, options)
    const c = await this.check(ref)
    this.calls.pop()
    return {
      key: c.key,
      health: c.health,
      state: c.state,
      checkedAt: c.checkedAt,
      audits: c.stripes[0]!.shards.map(s => ({ stripe: 0, shard: s.index, id: s.id, peerId: s.holders[0]!.peerId, outcome: s.holders[0]!.outcome, ...(s.holders[0]!.outcome === 'lost' ? { reason: 'not-found' } : {}), status: s.holders[0]!.status, checkedAt: NOW }))
    }
  }

  /** what repair does: shard 5 of stripe 0 re-created onto PEER_B */
  async repair (ref: string, options?: Parameters<ConsoleBackend['repair']>[1]): Promise<RepairResult> {
    this.#record('repair', ref, options)
    const f = this.#find(ref)
    return {
      key: f.key,
      audited: 6,
      degraded: 1,
      unrecoverable: 0,
      repaired: [{ stripe: 0, index: 5, id: 'bafkshard5xxxxxxxxxxxx', peer: PEER_B, bytes: 1024 }],
      bytesFetched: 4096,
      bytesRepaired: 1024,
      renewed: 6,
      failures: []
    }
  }

  async distribution (ref: string, options?: Parameters<ConsoleBackend['distribution']>[1]): Promise<ShardPlacement[]> {
    this.#record('distribution', ref, options)
    this.#find(ref)
    return [0, 1, 2, 3, 4, 5].map(shard => ({ stripe: 0, shard, id: `bafkshard${shard}xxxxxxxxxxxx`, hint: shard < 3 ? PEER_A : PEER_B, holders: shard === 5 ? [] : [shard < 3 ? PEER_A : PEER_B] }))
  }

  async shareLink (nameOrKey: string, options?: { password?: string, to?: string }): Promise<string> {
    this.#record('shareLink', nameOrKey, options)
    const f = this.#find(nameOrKey)
    if (options?.to !== undefined) return `https://mesh.test/#/s/${f.key}/k/sealed`
    if (options?.password !== undefined) return `https://mesh.test/#/s/${f.key}/p/sealed`
    return `https://mesh.test/#/s/${f.key}/filekey`
  }

  async rename (nameOrKey: string, name: string): Promise<ApiFile> {
    this.#record('rename', nameOrKey, name)
    const f = this.#find(nameOrKey)
    f.name = name
    return f
  }

  async setTags (nameOrKey: string, tags: string[]): Promise<ApiFile> {
    this.#record('setTags', nameOrKey, tags)
    const f = this.#find(nameOrKey)
    f.tags = [...tags]
    return { ...f }
  }

  async duplicate (nameOrKey: string, name: string, options?: Parameters<ConsoleBackend['duplicate']>[2]): Promise<{ key: string, warnings: string[] }> {
    this.#record('duplicate', nameOrKey, name, options)
    const f = this.#find(nameOrKey)
    options?.onProgress?.({ type: 'put:encoded', bytesDone: f.size, bytesTotal: f.size })
    const key = `bafkcopy${this.files.length}`
    this.files.unshift({ ...f, key, name, created: NOW })
    return { key, warnings: [] }
  }

  async health (): Promise<Health> {
    this.#record('health')
    return {
      peerId: '12D3KooWSelfselfselfselfselfselfselfselfselfselfself',
      uptime: 3_725_000,
      unlocked: true,
      reachable: true,
      relays: [{ peerId: '12D3KooWRelay1', connected: true }, { peerId: '12D3KooWRelay2', connected: false }],
      connections: { total: this.conns.length, direct: this.conns.filter(c => c.direct).length, relayed: this.conns.filter(c => !c.direct).length },
      dataPeers: 1,
      wanted: 6,
      storage: { used: 10e6, shards: 12, quota: 1e9, persisted: true },
      multiaddrs: ['/ip4/127.0.0.1/tcp/8081/ws/p2p/12D3KooWRelay1/p2p-circuit/p2p/12D3KooWSelf'],
      indexBackup: { ...this.indexBackup }
    }
  }

  async discover (): Promise<number> {
    this.#record('discover')
    return this.discovered
  }

  settings (): Settings {
    this.#record('settings')
    return { ...this.currentSettings, relays: [...this.currentSettings.relays] }
  }

  configure (change: Partial<Settings>): Settings {
    this.#record('configure', change)
    this.currentSettings = { ...this.currentSettings, ...change }
    return this.settings()
  }

  async keys (): Promise<KeyInfo[]> {
    this.#record('keys')
    return [...this.keyList]
  }

  async createKey (name: string): Promise<KeyInfo> {
    this.#record('createKey', name)
    if (this.keyList.some(k => k.name === name)) throw new AlreadyExistsError(`A key named ${name} exists`)
    const k = keyInfo(name, this.keyList.length + 1, false)
    this.keyList.push(k)
    return k
  }

  async renameKey (from: string, to: string): Promise<void> {
    this.#record('renameKey', from, to)
    const k = this.keyList.find(x => x.name === from)
    if (k === undefined) throw new NotFoundError(`No key named ${from}`)
    this.keyList = this.keyList.map(x => x === k ? { ...x, name: to } : x)
  }

  #checkPassword (password: string): void {
    if (password !== this.keystorePassword) throw new BadPasswordError()
  }

  async deleteKey (name: string, password: string): Promise<void> {
    this.#record('deleteKey', name, password)
    this.#checkPassword(password)
    this.keyList = this.keyList.filter(k => k.name !== name)
  }

  async useKey (name: string): Promise<{ publicKey: string }> {
    this.#record('useKey', name)
    const k = this.keyList.find(x => x.name === name)
    if (k === undefined) throw new NotFoundError(`No key named ${name}`)
    this.current = name
    return { publicKey: k.publicKeyString }
  }

  async changePassword (oldPassword: string, newPassword: string): Promise<void> {
    this.#record('changePassword', oldPassword, newPassword)
    this.#checkPassword(oldPassword)
    this.keystorePassword = newPassword
  }

  async exportKeys (password: string, exportPassword: string): Promise<Uint8Array> {
    this.#record('exportKeys', password, exportPassword)
    this.#checkPassword(password)
    return Uint8Array.of(0x44, 0x4d, 0x4b, 0x45, 1, 2, 3)
  }

  async importKeys (data: Uint8Array, password: string): Promise<{ imported: string[] }> {
    this.#record('importKeys', data, password)
    return { imported: ['laptop'] }
  }

  async peers (): Promise<Array<PeerDescription & Partial<PeerSummary>>> {
    this.#record('peers')
    return [
      { ...this.conns[0] as PeerSummary, nodeType: 'storage', free: 500e6, latency: 3.4, reputation: 80, trust: 'trusted' },
      { ...this.conns[1] as PeerSummary, nodeType: 'browser', reputation: 12 }
    ]
  }

  connections (): PeerSummary[] {
    this.#record('connections')
    return this.conns.map(c => ({ ...c }))
  }

  async storage (): Promise<{ used: number, shards: number, quota: number, persisted: boolean }> {
    this.#record('storage')
    return { used: 10e6, shards: 12, quota: 1e9, persisted: false }
  }

  async bandwidth (peerId: string, bytes?: number): Promise<{ upload: { bytes: number, ms: number, MBps: number }, download: { bytes: number, ms: number, MBps: number } }> {
    this.#record('bandwidth', peerId, bytes)
    const b = bytes ?? 16 * 1024 * 1024
    return { upload: { bytes: b, ms: 500, MBps: b / 1e3 / 500 }, download: { bytes: b, ms: 250, MBps: b / 1e3 / 250 } }
  }

  /** what the next cleanup finds past its lease and grace */
  collectable: CleanupResult['shards'] = []

  async cleanup (options?: { dryRun?: boolean }): Promise<CleanupResult> {
    this.#record('cleanup', options)
    const shards = this.collectable
    if (options?.dryRun !== true) this.collectable = []
    return { dryRun: options?.dryRun === true, graceMs: 7 * 86_400_000, shards, bytes: shards.reduce((n, s) => n + Math.max(s.size, 4096), 0) }
  }

  async renewLeases (): Promise<RenewLeasesResult> {
    this.#record('renewLeases')
    return { until: NOW + 30 * 86_400_000, files: this.files.length, missing: [], shards: 18, holders: 6, renewed: 54, unrenewed: 0, failed: [] }
  }

  async backupIndex (): Promise<{ seq: number, id: string, holders: string[], entries: number }> {
    this.#record('backupIndex')
    return { seq: 7, id: 'bafkbackup', holders: ['a', 'b', 'c'], entries: this.files.length }
  }

  async restoreIndex (): Promise<{ seq: number, added: number, updated: number, removed: number, total: number }> {
    this.#record('restoreIndex')
    return { seq: 7, added: 2, updated: 0, removed: 0, total: this.files.length + 2 }
  }
}

export interface Saved { name: string, type?: string, size?: number, bytes: Uint8Array }

export class FakeHost implements ConsoleHost {
  picks: File[][] = []
  passwords: Array<string | undefined> = []
  confirms: boolean[] = []
  /** labels of every password prompt, and every confirmation question */
  prompted: string[] = []
  asked: string[] = []
  saved: Saved[] = []
  cleared = 0
  quits = 0
  stored: string[] = []
  benchmarks: number[] = []

  history = {
    load: (): string[] => [...this.stored],
    save: (entries: readonly string[]): void => { this.stored = [...entries] }
  }

  async pickFiles (): Promise<File[]> {
    return this.picks.shift() ?? []
  }

  async save (stream: ReadableStream<Uint8Array>, meta: SaveMeta): Promise<void> {
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer())
    this.saved.push({ ...meta, bytes })
  }

  clear (): void { this.cleared++ }
  quit (): void { this.quits++ }
  location (): string { return 'https://mesh.test/#/console' }

  async benchmark (size: number): Promise<BenchmarkResult> {
    this.benchmarks.push(size)
    return { size, stripes: Math.ceil(size / (4 * 1024 * 1024)), shards: 6 * Math.ceil(size / (4 * 1024 * 1024)), encodeMBps: 80, decodeMBps: 120.5, identical: true }
  }

  async metrics (): Promise<Metric[]> {
    return [{ name: 'page.heap', value: 50e6, unit: 'bytes' }]
  }

  async promptPassword (label: string): Promise<string | undefined> {
    this.prompted.push(label)
    return this.passwords.shift()
  }

  async confirm (question: string): Promise<boolean> {
    this.asked.push(question)
    return this.confirms.shift() ?? false
  }
}

export interface Harness {
  backend: FakeBackend
  host: FakeHost
  console: Console
  /** run a line; its blocks, whether it succeeded, and its text */
  run: (line: string, signal?: AbortSignal) => Promise<{ ok: boolean, blocks: Block[], text: string }>
}

export function harness (): Harness {
  const backend = new FakeBackend()
  const host = new FakeHost()
  const console = new Console({ backend, host, now: () => NOW })
  return {
    backend,
    host,
    console,
    run: async (line, signal) => {
      const blocks: Block[] = []
      const ok = await console.run(line, b => { blocks.push(b) }, signal !== undefined ? { signal } : {})
      return { ok, blocks, text: renderAll(blocks) }
    }
  }
}

/** The one block of a kind (fails the test through a thrown error when absent). */
export function only<K extends Block['kind']> (blocks: Block[], kind: K): Extract<Block, { kind: K }> {
  const found = blocks.filter(b => b.kind === kind)
  if (found.length !== 1) throw new Error(`expected one ${kind} block, got ${found.length}: ${JSON.stringify(blocks)}`)
  return found[0] as Extract<Block, { kind: K }>
}
