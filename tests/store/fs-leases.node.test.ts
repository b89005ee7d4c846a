/**
 * The filesystem store's lease file (src/store/fs-leases.ts): its bytes,
 * when it is on disk, and what a missing, damaged, oversized, newer or
 * stale one does (every shard gets the legacy lease from that open, never
 * an earlier end, and nothing is deleted).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeCbor } from '../../src/core/cbor.ts'
import { LEASE_FILE } from '../../src/store/fs-format.ts'
import { decodeLeaseFile, encodeLeaseFile, MAX_LEASE_FILE_BYTES } from '../../src/store/fs-leases.ts'
import { openFsStore } from '../../src/store/fs.ts'
import { LEGACY_LEASE_MS, MAX_LEASE_MS } from '../../src/store/lease.ts'
import { MAX_LOST_SHARDS } from '../../src/store/lost.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { collect, errorName, makeShard, type Shard } from './fixtures.ts'

const DAY = 24 * 60 * 60 * 1000
const T0 = Date.UTC(2027, 6, 1)
const roots: string[] = []
afterEach(async () => { for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true }) })

async function root (): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'datamesh-fs-leases-'))
  roots.push(r)
  return r
}

async function leaseFile (dir: string): Promise<ReturnType<typeof decodeLeaseFile>> {
  return decodeLeaseFile(new Uint8Array(await readFile(join(dir, LEASE_FILE))))
}

async function three (): Promise<Shard[]> {
  return await Promise.all([100, 20_000, 300].map(async (n, i) => await makeShard(n, 600 + i)))
}

describe('filesystem store: the lease file', () => {
  it('holds each shard\'s lease and the lost ids, in a canonical encoding', async () => {
    const dir = await root()
    const [a, b, c] = await three() as [Shard, Shard, Shard]
    const store = await openFsStore({ root: dir, quota: 1e9, now: () => T0 })
    await store.putMany([{ ...c, owner: 'x', leaseUntil: T0 + 3 * DAY }, { ...a, owner: 'x', leaseUntil: T0 + DAY }, b])
    await store.close()
    const bytes = new Uint8Array(await readFile(join(dir, LEASE_FILE)))
    const leases: Array<[string, number]> = [[a.id, T0 + DAY], [b.id, T0 + LEGACY_LEASE_MS], [c.id, T0 + 3 * DAY]]
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(encodeLeaseFile([...leases].reverse(), [])).toString('hex'))
    expect(decodeLeaseFile(bytes)).toEqual({ leases: new Map(leases), lost: [] })
    expect(bytes.byteLength).toBeLessThan(3 * 45 + 32) // ~41 bytes a shard
  })

  it('has a renewal on disk when renew resolves, and a new shard\'s lease soon after', async () => {
    const dir = await root()
    const [a, b] = await three() as [Shard, Shard]
    const store = await openFsStore({ root: dir, quota: 1e9, now: () => T0 })
    await store.put(a.id, a.bytes, { owner: 'x', leaseUntil: T0 + DAY })
    await store.renew([a.id], T0 + 9 * DAY, { by: 'x' })
    expect((await leaseFile(dir)).leases.get(a.id)).toBe(T0 + 9 * DAY) // no close needed
    await store.put(b.id, b.bytes, { owner: 'x', leaseUntil: T0 + 2 * DAY })
    await store.close()
    expect((await leaseFile(dir)).leases.get(b.id)).toBe(T0 + 2 * DAY)
  })

  it('records a legacy lease as soon as the store opens, so it never moves', async () => {
    const dir = await root()
    const [a] = await three() as [Shard]
    const first = await openFsStore({ root: dir, quota: 1e9, now: () => T0 })
    await first.put(a.id, a.bytes, { owner: 'x', leaseUntil: T0 + DAY })
    await first.close()
    await rm(join(dir, LEASE_FILE))
    const second = await openFsStore({ root: dir, quota: 1e9, now: () => T0 + 5 * DAY })
    expect((await leaseFile(dir)).leases.get(a.id)).toBe(T0 + 5 * DAY + LEGACY_LEASE_MS) // before any close
    await second.close()
  })

  const damaged: Array<[string, (dir: string) => Promise<void>]> = [
    ['missing', async dir => { await rm(join(dir, LEASE_FILE)) }],
    ['garbage', async dir => { await writeFile(join(dir, LEASE_FILE), 'not cbor') }],
    ['cut short', async dir => { const b = await readFile(join(dir, LEASE_FILE)); await writeFile(join(dir, LEASE_FILE), b.subarray(0, b.byteLength - 9)) }],
    ['a newer version', async dir => { await writeFile(join(dir, LEASE_FILE), encodeCbor({ v: 2, ids: new Uint8Array(0), until: [], lost: new Uint8Array(0), lostAt: [] })) }],
    ['an unknown field', async dir => { await writeFile(join(dir, LEASE_FILE), encodeCbor({ v: 1, ids: new Uint8Array(0), until: [], lost: new Uint8Array(0), lostAt: [], x: 1 })) }],
    ['counts that disagree', async dir => { await writeFile(join(dir, LEASE_FILE), encodeCbor({ v: 1, ids: new Uint8Array(64), until: [1], lost: new Uint8Array(0), lostAt: [] })) }],
    ['too many lost ids', async dir => { await writeFile(join(dir, LEASE_FILE), encodeCbor({ v: 1, ids: new Uint8Array(0), until: [], lost: new Uint8Array(32 * (MAX_LOST_SHARDS + 1)), lostAt: Array(MAX_LOST_SHARDS + 1).fill(1) })) }],
    ['larger than any lease file', async dir => { const fh = await open(join(dir, LEASE_FILE), 'r+'); await fh.truncate(MAX_LEASE_FILE_BYTES + 1); await fh.close() }],
    ['a folder', async dir => { await rm(join(dir, LEASE_FILE)); await mkdir(join(dir, LEASE_FILE)) }]
  ]
  for (const [what, damage] of damaged) {
    it(`gives every shard the legacy lease from the open that finds its lease file ${what}, and deletes nothing`, async () => {
      const dir = await root()
      const shards = await three()
      const first = await openFsStore({ root: dir, quota: 1e9, now: () => T0 })
      await first.putMany(shards.map((s, i) => ({ ...s, owner: 'x', leaseUntil: T0 + (i + 1) * 20 * DAY })))
      await first.renew([shards[0]!.id], T0 + MAX_LEASE_MS, { by: 'x' })
      await first.close()
      await damage(dir)
      const found = T0 + 10 * DAY
      const opening = openFsStore({ root: dir, quota: 1e9, now: () => found })
      if (what === 'a folder') { // not a damaged file: a fault the operator must see
        expect(await errorName(opening)).not.toBe('resolved')
        return
      }
      const store: ShardStore = await opening
      const records = await collect(store.entries())
      expect(records.map(r => r.id).sort()).toEqual(shards.map(s => s.id).sort())
      for (const r of records) expect(r.leaseUntil).toBe(found + LEGACY_LEASE_MS) // >= every lease granted (at most T0 + MAX_LEASE_MS)
      expect((await store.collect({ now: T0 + MAX_LEASE_MS, graceMs: 0 })).shards).toEqual([])
      await store.close()
      expect((await leaseFile(dir)).leases).toEqual(new Map(shards.map(s => [s.id, found + LEGACY_LEASE_MS])))
    })
  }

  it('gives a shard whose lease was never saved (a crash) the legacy lease, and drops entries of shards gone', async () => {
    const dir = await root()
    const [a, b, c] = await three() as [Shard, Shard, Shard]
    const store = await openFsStore({ root: dir, quota: 1e9, now: () => T0 })
    await store.putMany([{ ...a, owner: 'x', leaseUntil: T0 + MAX_LEASE_MS }, { ...b, owner: 'x', leaseUntil: T0 + DAY }])
    await store.close()
    // as if the process died after the shard file of `a` was renamed and before its lease was saved, and `c` was deleted by hand
    await writeFile(join(dir, LEASE_FILE), encodeLeaseFile([[b.id, T0 + DAY], [c.id, T0 + DAY]], []))
    const again = await openFsStore({ root: dir, quota: 1e9, now: () => T0 + 3 * DAY })
    expect((await again.stat(a.id))?.leaseUntil).toBe(T0 + 3 * DAY + LEGACY_LEASE_MS)
    expect((await again.stat(b.id))?.leaseUntil).toBe(T0 + DAY)
    await again.close()
    expect([...(await leaseFile(dir)).leases.keys()].sort()).toEqual([a.id, b.id].sort())
  })

  it('keeps the lost ids, and removes a save cut short on open', async () => {
    const dir = await root()
    const [a, b] = await three() as [Shard, Shard]
    const store = await openFsStore({ root: dir, quota: 1e9, now: () => T0 })
    await store.putMany([a, b])
    await rm(join(dir, 'layout-2', a.id.slice(8, 10), a.id))
    expect(await store.scrub()).toMatchObject({ missing: [a.id] })
    await store.close()
    expect((await leaseFile(dir)).lost).toEqual([{ id: a.id, lostAt: T0 }])
    await writeFile(join(dir, `.${LEASE_FILE}.0123456789ab.tmp`), 'half')
    const again = await openFsStore({ root: dir, quota: 1e9, now: () => T0 })
    expect(await again.lost(a.id)).toEqual({ id: a.id, lostAt: T0 })
    await again.close()
    expect((await readdir(dir)).sort()).toEqual(['layout', 'layout-2', 'leases'])
  })
})
