/**
 * One mesh's index backups, syncs and restores run one at a time, as the
 * app starts them: a change-driven backup (the app's IndexBackupScheduler),
 * the IndexKeeper's sync and a restore asked for at the same moment. The
 * device's DHT service is watched: with the work serialized, no two of its
 * record look-ups or publications are ever under way together, and each
 * publication's `seq` is above the one before, the last one being what the
 * DHT holds.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { TestNet } from './helpers.ts'
import { device, names, ownerOn, startIndexNet, text, type Node } from './index-helpers.ts'
import { IndexBackupScheduler } from '../../src/app/runtime/index-backup.ts'
import { IndexKeeper } from '../../src/mesh/index-keeper.ts'
import type { SyncResult } from '../../src/mesh/index.ts'
import { generateIdentity } from '../../src/core/keys/index.ts'

let net: TestNet

beforeAll(async () => { net = await startIndexNet() })
afterAll(async () => { await net?.stop() })

type Generator = (...args: unknown[]) => AsyncIterable<unknown>

/** Count the DHT record operations under way at once on `node` (get and put: look-ups and publications). */
function watchDht (node: Node): { most: () => number, calls: () => number } {
  const dht = node.services.dht as Record<'get' | 'put', Generator>
  let running = 0
  let most = 0
  let calls = 0
  for (const name of ['get', 'put'] as const) {
    const original = dht[name].bind(dht)
    dht[name] = async function * (...args: unknown[]) {
      running++
      calls++
      most = Math.max(most, running)
      try {
        yield * original(...args)
      } finally {
        running--
      }
    }
  }
  return { most: () => most, calls: () => calls }
}

describe('one mesh, one index operation at a time', () => {
  it('a change-driven backup, the keeper\'s sync and a restore started together never overlap, and seq only grows', async () => {
    const identity = generateIdentity()
    const node = await device(net)
    const a = ownerOn(node, identity)
    await a.mesh.put(text('1'), { name: '1.txt' })
    await a.mesh.backupIndex()
    await a.mesh.put(text('2'), { name: '2.txt' })
    const watched = watchDht(node)
    const published: number[] = []
    a.mesh.events.addEventListener('index:backup', e => { published.push(e.detail.seq) })

    const backups = new IndexBackupScheduler({ backup: async () => await a.mesh.backupIndex(), delayMs: 0 })
    let synced!: (outcome: { ok: true, result: SyncResult } | { ok: false, error: unknown }) => void
    const sync = new Promise<{ ok: true, result: SyncResult } | { ok: false, error: unknown }>(resolve => { synced = resolve })
    // the keeper republishes whatever the record's age, so its sync publishes too
    const keeper = new IndexKeeper({ sync: async () => await a.mesh.syncIndex({ refreshAfterMs: 0 }), onResult: outcome => { synced(outcome) } })
    const backup = backups.now()
    keeper.start()
    const restore = a.mesh.restoreIndex()
    const [backedUp, restored, outcome] = await Promise.all([backup, restore, sync])
    keeper.stop()
    backups.stop()

    expect(outcome.ok).toBe(true)
    expect(watched.calls()).toBeGreaterThanOrEqual(5) // each looked the record up, the backup and the sync published
    expect(watched.most()).toBe(1)
    expect(published).toHaveLength(2)
    expect(published[1]!).toBeGreaterThan(published[0]!)
    expect(published).toContain(backedUp.seq)
    expect(restored.seq).toBeLessThanOrEqual(published.at(-1)!)
    // the DHT holds the last one, and it lists both files
    const fresh = ownerOn(await device(net), identity)
    expect((await fresh.mesh.restoreIndex()).seq).toBe(published.at(-1))
    expect(await names(fresh)).toEqual(['1.txt', '2.txt'])
  })
})
