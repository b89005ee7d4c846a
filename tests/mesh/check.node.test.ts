/**
 * mesh.check and mesh.audit on a local relay mesh with six storage peers
 * (real libp2p nodes on 127.0.0.1): every holder audited over
 * /datamesh/audit/1.0.0; a shard deleted from its holder's store makes the
 * file degraded, two at risk; a stopped holder is 'unknown' until
 * lostAfterMs has passed on the mesh's clock, then 'lost'.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createMesh, meshKeysFromIdentity, MemoryIndexStorage, type FileCheck, type Mesh } from '../../src/mesh/index.ts'
import { generateIdentity } from '../../src/core/keys/index.ts'
import { startTestNet, randomBytes, TEST_CONFIG, type TestNet } from './helpers.ts'
import { FakeClock, fakeRng } from './audit-fakes.ts'

const hour = 3_600_000
let net: TestNet
let mesh: Mesh
const clock = new FakeClock()

beforeAll(async () => {
  net = await startTestNet({ clients: 1 })
  mesh = createMesh({
    libp2p: net.clients[0]!,
    keys: meshKeysFromIdentity(generateIdentity()),
    index: new MemoryIndexStorage(),
    config: TEST_CONFIG,
    clock,
    auditRng: fakeRng(7),
    lostAfterMs: 6 * hour
  })
})
afterAll(async () => { await net?.stop() })

function storageOf (peerId: string): NonNullable<TestNet['mesh']['storage'][number]> {
  const s = net.mesh.storage.find(p => p.peerId === peerId)
  if (s === undefined) throw new Error(`${peerId} is not a storage peer`)
  return s
}

/** The holder audited for `shard` of stripe 0 (each shard has exactly one here). */
function holderOf (check: FileCheck, shard: number): string {
  const holders = check.stripes[0]!.shards[shard]!.holders
  expect(holders).toHaveLength(1)
  return holders[0]!.peerId
}

describe('mesh.check', () => {
  it('a file just stored is healthy: every shard proven by its holder', async () => {
    const { key } = await mesh.put(randomBytes(300_000), { name: 'a.bin' })
    const events: number[] = []
    const check = await mesh.check('a.bin', { onProgress: e => { if (e.type === 'check:audited') events.push(e.audited) } })
    expect(check).toMatchObject({ key, k: 4, n: 6, health: 6, state: 'healthy', checkedAt: clock.now() })
    expect(check.stripes).toHaveLength(1)
    expect(check.stripes[0]).toMatchObject({ index: 0, verified: 6, unknown: 0, lost: 0 })
    for (const shard of check.stripes[0]!.shards) {
      expect(shard.holders).toEqual([{ peerId: shard.holders[0]!.peerId, status: 'ok', checkedAt: clock.now(), outcome: 'pass' }])
      expect(await storageOf(shard.holders[0]!.peerId).store.has(shard.id)).toBe(true)
    }
    expect(events.at(-1)).toBe(6)
  })

  it('a holder that lost its shard makes the file degraded (health 5); a second, at risk (health 4); audits go to the reputation book', async () => {
    const first = await mesh.check('a.bin', { providers: false })
    const lose = async (shard: number): Promise<string> => {
      const peer = holderOf(first, shard)
      await storageOf(peer).store.delete(first.stripes[0]!.shards[shard]!.id)
      return peer
    }
    const a = await lose(0)
    const scoreBefore = mesh.reputation.score(a)
    const degraded = await mesh.check('a.bin', { providers: false })
    expect(degraded).toMatchObject({ health: 5, state: 'degraded' })
    expect(degraded.stripes[0]).toMatchObject({ verified: 5, unknown: 0, lost: 1 })
    expect(degraded.stripes[0]!.shards[0]!.holders).toEqual([{ peerId: a, status: 'lost', checkedAt: clock.now(), outcome: 'lost', reason: 'not-found' }])
    expect(mesh.reputation.score(a)).toBeLessThan(scoreBefore)
    await lose(1)
    const atRisk = await mesh.audit('a.bin', { providers: false })
    expect(atRisk).toMatchObject({ health: 4, state: 'at-risk' })
    expect(atRisk.audits).toHaveLength(6)
    expect(atRisk.audits.filter(x => x.outcome === 'lost').map(x => x.shard).sort()).toEqual([0, 1])
    expect(atRisk.audits.filter(x => x.outcome === 'pass')).toHaveLength(4)
  })

  it("a stopped holder is 'unknown' at first, then 'lost' once lostAfterMs has passed", async () => {
    await mesh.put(randomBytes(200_000), { name: 'b.bin' })
    const before = await mesh.check('b.bin', { providers: false })
    expect(before.state).toBe('healthy')
    const gone = holderOf(before, 2)
    await storageOf(gone).stop()
    const soon = await mesh.check('b.bin', { providers: false })
    const holder = soon.stripes[0]!.shards[2]!.holders[0]!
    expect(holder).toMatchObject({ peerId: gone, status: 'unknown', outcome: 'unreachable' })
    expect(soon).toMatchObject({ health: 5, state: 'degraded' })
    expect(soon.stripes[0]).toMatchObject({ verified: 5, unknown: 1, lost: 0 })
    clock.advance(6 * hour)
    expect((await mesh.check('b.bin', { providers: false })).stripes[0]!.shards[2]!.holders[0]!.status).toBe('unknown')
    clock.advance(1)
    const later = await mesh.check('b.bin', { providers: false })
    expect(later.stripes[0]!.shards[2]!.holders[0]).toMatchObject({ peerId: gone, status: 'lost', outcome: 'unreachable' })
    expect(later.stripes[0]).toMatchObject({ verified: 5, unknown: 0, lost: 1 })
  })
})
