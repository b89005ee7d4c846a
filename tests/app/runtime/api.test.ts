/**
 * window.datamesh as composed by createApi, over a runtime whose mesh is a
 * stand-in: index changes are backed up by themselves, and a backup that
 * fails is reported (subscribe('backup'), health().indexBackup) and retried,
 * never swallowed.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { createApi } from '../../../src/app/runtime/api.ts'
import { BACKUP_DELAY_MS, BACKUP_RETRY_MIN_MS } from '../../../src/app/runtime/index-backup.ts'
import { TabKeys } from '../../../src/app/runtime/keys.ts'
import type { Runtime } from '../../../src/app/runtime/runtime.ts'
import { Keystore } from '../../../src/core/keystore/index.ts'
import { InsufficientPeersError } from '../../../src/core/errors.ts'
import { TypedEvents } from '../../../src/mesh/events.ts'
import type { ApiChange } from '../../../src/api/types.ts'
import { FAST, STRONG, STRONG2, SpyVault, expectError } from '../../core/keystore/helpers.ts'
import { FakeClock, settle } from './fake-clock.ts'
import { manifestCid } from '../../../src/core/manifest.ts'
import { initBlake3 } from '../../../src/core/hash.ts'

await initBlake3()

/** the slice of the runtime createApi touches, with a mesh whose backups succeed or fail on demand */
/** what the api asked of the mesh's lease keeper and cleanup */
interface LeaseCalls { started: number, stopped: number, runs: number, cleanups: Array<{ dryRun?: boolean }>, repairStarted: number, repairStopped: number }

function fakeRuntime (keys: TabKeys): { runtime: Runtime, backups: { calls: number, fail: boolean }, leases: LeaseCalls } {
  const backups = { calls: 0, fail: false }
  const leases: LeaseCalls = { started: 0, stopped: 0, runs: 0, cleanups: [], repairStarted: 0, repairStopped: 0 }
  const meshChange = new Set<() => void>()
  let owner = false
  const mesh = {
    config: { k: 4, m: 2 },
    events: new TypedEvents(),
    put: async () => ({ key: 'bafkfile', warnings: [] }),
    list: async () => [],
    share: async () => ({ key: manifestCid(new Uint8Array([1, 2, 3])).toString(), fileKey: new Uint8Array(32).fill(7) }),
    leaseKeeper: () => {
      const keeper = { start: () => { leases.started++; return keeper }, stop: () => { leases.stopped++ }, runNow: async () => { leases.runs++; return { renewed: leases.runs } } }
      return keeper
    },
    repairKeeper: () => {
      const keeper = { start: () => { leases.repairStarted++; return keeper }, stop: () => { leases.repairStopped++ } }
      return keeper
    },
    cleanup: async (options: { dryRun?: boolean }) => { leases.cleanups.push(options); return { dryRun: options.dryRun === true, graceMs: 1, shards: [], bytes: 0 } },
    backupIndex: async () => {
      backups.calls++
      if (backups.fail) throw new InsufficientPeersError('No DHT server accepted the index pointer')
      return { seq: backups.calls, id: 'bafkbackup', holders: ['a', 'b', 'c'], entries: 1 }
    }
  }
  const node = { peerId: { toString: () => '12D3KooWSelf' }, addEventListener: () => {}, getMultiaddrs: () => [], getConnections: () => [] }
  const runtime = {
    net: {
      node,
      description: { relays: [], storagePeers: [] },
      store: { setQuota: () => {}, setOwnerShare: () => {}, usage: async () => ({ bytes: 0, count: 0, quota: 1e9 }) },
      startedAt: 0,
      persisted: false
    },
    keys,
    get owner () { return owner },
    get mesh () { return mesh },
    adopt: () => { owner = true; for (const l of meshChange) l() },
    lock: () => { owner = false; keys.lock(); for (const l of meshChange) l() },
    onMeshChange: (l: () => void) => { meshChange.add(l); return () => { meshChange.delete(l) } }
  }
  return { runtime: runtime as unknown as Runtime, backups, leases }
}

async function started (): Promise<{ api: ReturnType<typeof createApi>, clock: FakeClock, backups: { calls: number, fail: boolean }, leases: LeaseCalls, changes: ApiChange[] }> {
  const keys = TabKeys.over(new Keystore(new SpyVault(), { argon2: FAST }))
  const { runtime, backups, leases } = fakeRuntime(keys)
  const clock = new FakeClock()
  const api = createApi({ namespace: 'test', keys: Promise.resolve(keys), runtime: Promise.resolve(runtime), clock })
  await api.keysReady
  await api.ready
  await api.setup({ password: STRONG })
  const changes: ApiChange[] = []
  api.subscribe(c => { changes.push(c) })
  return { api, clock, backups, leases, changes }
}

describe('createApi', () => {
  // settings live in localStorage; Node has none
  beforeEach(() => {
    const items = new Map<string, string>()
    Object.assign(globalThis, {
      localStorage: {
        getItem: (k: string) => items.get(k) ?? null,
        setItem: (k: string, v: string) => { items.set(k, v) },
        removeItem: (k: string) => { items.delete(k) }
      }
    })
  })

  it('keeps the owner\'s leases and repair capabilities while the keys are unlocked: keepers started at unlock, stopped at lock; renewLeases runs it now', async () => {
    const { api, leases } = await started()
    expect(leases).toMatchObject({ started: 1, stopped: 0, repairStarted: 1, repairStopped: 0 })
    expect(await api.renewLeases()).toEqual({ renewed: 1 })
    api.lock()
    expect(leases).toMatchObject({ started: 1, stopped: 1, repairStarted: 1, repairStopped: 1 })
    await expect(api.renewLeases()).rejects.toMatchObject({ name: 'LockedError' })
  })

  it('cleanup runs the collection of this tab\'s store, dry when asked', async () => {
    const { api, leases } = await started()
    expect(await api.cleanup({ dryRun: true })).toMatchObject({ dryRun: true, shards: [] })
    expect(await api.cleanup()).toMatchObject({ dryRun: false })
    expect(leases.cleanups).toEqual([{ dryRun: true }, { dryRun: false }])
  })

  it('backs the index up by itself after a put, and reports it', async () => {
    const { api, clock, backups, changes } = await started()
    await api.put(new Uint8Array(1), { name: 'a' })
    expect((await api.health()).indexBackup.state).toBe('scheduled')
    await clock.advance(BACKUP_DELAY_MS)
    expect(backups.calls).toBe(1)
    expect(changes).toContain('backup')
    expect((await api.health()).indexBackup).toMatchObject({ state: 'idle', failures: 0, lastSuccessAt: clock.now() })
  })

  it('reports a failed backup through subscribe and health, and retries it until it succeeds', async () => {
    const { api, clock, backups, changes } = await started()
    backups.fail = true
    await api.put(new Uint8Array(1), { name: 'a' })
    await clock.advance(BACKUP_DELAY_MS)
    await settle()
    expect(backups.calls).toBe(1)
    expect(changes.filter(c => c === 'backup').length).toBeGreaterThanOrEqual(2)
    expect((await api.health()).indexBackup).toMatchObject({
      state: 'failed', failures: 1, lastError: { name: 'InsufficientPeersError' }, nextAttemptAt: clock.now() + BACKUP_RETRY_MIN_MS
    })
    backups.fail = false
    await clock.advance(BACKUP_RETRY_MIN_MS)
    expect(backups.calls).toBe(2)
    expect((await api.health()).indexBackup).toMatchObject({ state: 'idle', failures: 0 })
  })

  it('an explicit backupIndex() returns the backup, or throws its failure', async () => {
    const { api, backups } = await started()
    expect(await api.backupIndex()).toMatchObject({ seq: 1, holders: ['a', 'b', 'c'] })
    backups.fail = true
    await expectError(api.backupIndex(), 'InsufficientPeersError')
    expect((await api.health()).indexBackup.state).toBe('failed')
  })

  it('asks for the keystore password again to export the keys', async () => {
    const { api } = await started()
    await expectError(api.exportKeys(STRONG2, 'quartz meadow 81 lantern ferry'), 'BadPasswordError')
    expect((await api.exportKeys(STRONG, 'quartz meadow 81 lantern ferry')).byteLength).toBeGreaterThan(64)
  })

  it('refuses a guessable link password unless allowWeak says so', async () => {
    const { api } = await started()
    Object.assign(globalThis, { location: { origin: 'http://127.0.0.1:8080' } })
    await expectError(api.shareLink('a', { password: 'password1' }), 'WeakPasswordError')
    expect(await api.shareLink('a', { password: 'password1', allowWeak: true })).toMatch(/^http:\/\/127\.0\.0\.1:8080\/#\/s\/[a-z0-9]+\/p\//)
  })
})
