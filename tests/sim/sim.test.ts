/**
 * The churn simulation's invariants on a small world (200 peers, 300 files,
 * 10 days): placement never puts a file on one peer, a file whose shards
 * all vanish is counted lost, repair brings a stripe back to full health
 * when k holders remain, real proofs agree with the modelled outcomes, a
 * seed gives the same run, and Kademlia lookups take more hops as the
 * network grows.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, day, type SimConfig } from '../../sim/config.ts'
import { measureHops } from '../../sim/dht.ts'
import { DEFAULT_TRACE } from '../../sim/trace.ts'
import { World, type SimFile } from '../../sim/world.ts'

const SMALL: SimConfig = { ...DEFAULT_CONFIG, peers: 200, files: 300, days: 10, seed: 'test' }

/** Every shard on the always-on storage peers, with room to spare: repair has its sources online. */
const STORAGE_ONLY: SimConfig = {
  ...SMALL,
  files: 60,
  days: 4,
  uploadSpanMs: day / 4,
  storageRoomShare: 20,
  realProofShare: 0,
  trace: { ...DEFAULT_TRACE, storageShare: 0.2, storageUpMeanMs: 1e15, storageDiskLossPerYear: 1e-9 }
}

const distinctIndices = (f: SimFile): number => f.shards.filter(s => s.holdings.some(h => h.hasData)).length

describe('churn simulation', () => {
  it('never puts all of a file\'s shards on one peer, and puts each on its own peer while candidates last', async () => {
    const world = new World(SMALL)
    await world.run()
    expect(world.files.length).toBe(SMALL.files)
    for (const f of world.files) {
      const peers = f.shards.flatMap(s => s.holdings.map(h => h.peer.id))
      expect(new Set(peers).size, `file ${f.index}`).toBeGreaterThan(1)
      expect(new Set(peers).size, `file ${f.index}`).toBe(peers.length)
    }
  })

  it('counts a file lost when its shards vanish below k, and not before', async () => {
    const world = new World({ ...STORAGE_ONLY, days: 1 })
    world.start()
    await world.q.run(day / 2)
    const f = world.files[0] as SimFile
    const holders = [...new Set(f.shards.flatMap(s => s.holdings.map(h => h.peer)))]
    expect(holders.length).toBe(SMALL.k + SMALL.m)
    // m holders lose everything: still k shards, not lost
    for (const peer of holders.slice(0, SMALL.m)) world.loseData(peer)
    expect(f.lost).toBe(false)
    expect(f.durable).toBe(SMALL.k)
    world.loseData(holders[SMALL.m] as NonNullable<typeof holders[0]>)
    expect(f.lost).toBe(true)
    world.finish(0)
    expect(world.metrics.result?.filesLost).toBeGreaterThanOrEqual(1)
    expect(world.files.filter(x => x.lost)).toContain(f)
  })

  it('repairs a stripe back to full health when k holders remain', async () => {
    const world = new World(STORAGE_ONLY)
    world.start()
    await world.q.run(day / 2)
    const f = world.files[0] as SimFile
    const holders = [...new Set(f.shards.flatMap(s => s.holdings.map(h => h.peer)))]
    for (const peer of holders.slice(0, SMALL.m)) world.loseData(peer)
    expect(distinctIndices(f)).toBe(SMALL.k)
    await world.q.run(3 * day)
    expect(f.lost).toBe(false)
    expect(distinctIndices(f)).toBe(SMALL.k + SMALL.m)
    expect(f.durable).toBe(SMALL.k + SMALL.m)
    // the re-created shards went to peers that held none of the file
    const peers = f.shards.flatMap(s => s.holdings.filter(h => h.hasData).map(h => h.peer.id))
    expect(new Set(peers).size).toBe(peers.length)
    world.finish(0)
    expect(world.metrics.result?.shardsRepaired).toBeGreaterThanOrEqual(SMALL.m)
  })

  it('runs real proofs on the sampled files, and they agree with the modelled outcomes', async () => {
    const world = new World({ ...SMALL, realProofShare: 0.2 })
    const { result } = await world.run()
    expect(result?.realAudits).toBeGreaterThan(100)
    expect(result?.proofDisagreements).toBe(0)
    // liars are among the holders audited with real proofs: real proofs fail for them
    expect(result?.audits.fail).toBeGreaterThan(0)
  })

  it('gives the same run for the same seed', async () => {
    const strip = (r: object | undefined): unknown => ({ ...r, seed: '', runtimeMs: 0, realProofMs: 0 })
    const a = await new World({ ...SMALL, files: 100, days: 5 }).run()
    const b = await new World({ ...SMALL, files: 100, days: 5 }).run()
    const c = await new World({ ...SMALL, files: 100, days: 5, seed: 'other' }).run()
    expect(strip(a.result)).toEqual(strip(b.result))
    expect(strip(a.result)).not.toEqual(strip(c.result))
  })

  it('takes more lookup hops as the DHT grows', () => {
    const [small, large] = measureHops([64, 4096], 'test', { k: 20, alpha: 3, lookups: 60 })
    expect(large?.meanRoundsToKClosest).toBeGreaterThan(small?.meanRoundsToKClosest as number)
    expect(large?.meanRoundsToClosest).toBeGreaterThan(small?.meanRoundsToClosest as number)
    // iterative lookups find the closest node
    expect(large?.foundClosest).toBeGreaterThan(0.95)
  })
})
