/**
 * Migration of a filesystem shard folder from layout 1 (`<root>/<xx>/<id>`
 * with the owner in `<id>.meta`) to layout 2 (`<root>/layout-2/<xx>/<id>`
 * with the owner in a header), on open: a folder written by hand with the
 * cases layout 1 can hold, and the states a migration cut short leaves.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shardCid } from '../../src/core/hash.ts'
import { openFsStore, shardFolder, shardPath, shardTree } from '../../src/store/fs.ts'
import { legacyLeaseUntil } from '../../src/store/lease.ts'
import { collect, errorName, makeShard, type Shard } from './fixtures.ts'
import { shardFile, shardFileV1 } from './fs-files.ts'

/** the stores' clock: migrated shards get their legacy lease from it */
const NOW = Date.UTC(2026, 5, 1)
const now = (): number => NOW

const roots: string[] = []
afterEach(async () => { for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true }) })
async function root (): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'datamesh-fs-migrate-'))
  roots.push(r)
  return r
}

/** Where layout 1 kept a shard's bytes. */
function layout1Path (dir: string, id: string): string {
  return join(dir, shardFolder(id), id)
}

/** Write a shard the way layout 1 did: raw bytes, the owner in `<id>.meta`. */
async function writeLayout1 (dir: string, shard: Shard, owner?: string, mtimeMs?: number): Promise<void> {
  await mkdir(join(dir, shardFolder(shard.id)), { recursive: true })
  if (owner !== undefined) await writeFile(layout1Path(dir, shard.id) + '.meta', JSON.stringify({ v: 1, owner }))
  await writeFile(layout1Path(dir, shard.id), shard.bytes)
  if (mtimeMs !== undefined) await utimes(layout1Path(dir, shard.id), mtimeMs / 1000, mtimeMs / 1000)
}

/** Write a shard file the way layout 2 does. */
async function writeLayout2 (dir: string, shard: Shard, owner: string | undefined, mtimeMs: number, bytes = shard.bytes): Promise<void> {
  await mkdir(join(shardTree(dir), shardFolder(shard.id)), { recursive: true })
  await writeFile(shardPath(dir, shard.id), shardFile(bytes, owner === undefined ? {} : { owner }))
  await utimes(shardPath(dir, shard.id), mtimeMs / 1000, mtimeMs / 1000)
}

async function exists (path: string): Promise<boolean> {
  return await errorName(stat(path)) === 'resolved'
}

/** Every name under `dir`, as paths relative to it. */
async function walk (dir: string, at = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(join(dir, at), { withFileTypes: true })) {
    const path = at === '' ? e.name : `${at}/${e.name}`
    out.push(path)
    if (e.isDirectory()) out.push(...await walk(dir, path))
  }
  return out
}

describe('filesystem store: migration from layout 1', () => {
  it('moves every shard into layout-2/ with its .meta as the header and its mtime, and empties layout 1', async () => {
    const dir = await root()
    const a = await makeShard(1000, 1)
    const b = await makeShard(50, 2)
    const empty = await makeShard(0, 3) // earlier versions accepted empty shards
    const orphan = await makeShard(100, 4)
    const damaged = await makeShard(200, 6)
    const badMeta = await makeShard(300, 7)
    const notAFile = await makeShard(400, 8)
    // a shard that begins like a layout-2 header: must come through whole
    const trickyBytes = shardFile((await makeShard(64, 5)).bytes, { owner: 'mallory' })
    const tricky = { bytes: trickyBytes, id: shardCid(trickyBytes).toString() }
    const storedAt = Date.UTC(2026, 0, 2, 3, 4, 5)
    await writeLayout1(dir, a, 'alice', storedAt)
    await writeLayout1(dir, b)
    await writeLayout1(dir, empty, 'bob')
    await writeLayout1(dir, tricky, 'carol')
    await writeLayout1(dir, { id: damaged.id, bytes: damaged.bytes.map(x => x ^ 1) }, 'dave')
    await writeLayout1(dir, badMeta)
    await writeFile(layout1Path(dir, badMeta.id) + '.meta', '{"v":1,"owner":') // unreadable: kept without an owner, as layout 1 did
    await mkdir(layout1Path(dir, notAFile.id), { recursive: true }) // a folder named like a shard: not ours
    await mkdir(join(dir, shardFolder(orphan.id)), { recursive: true })
    await writeFile(layout1Path(dir, orphan.id) + '.meta', '{"v":1,"owner":"x"}') // crash mid-delete
    await writeFile(join(dir, shardFolder(a.id), `.${a.id}.abcd.tmp`), 'half') // crash mid-write
    await writeFile(join(dir, shardFolder(b.id), 'not-a-cid'), 'x')
    await writeFile(join(dir, 'README'), 'not a shard')

    const corrupt: string[] = []
    const store = await openFsStore({ root: dir, quota: 1e6, onCorrupt: id => { corrupt.push(id) }, now })
    const usage = await store.usage()
    expect(usage).toMatchObject({ bytes: 6 * 4096, count: 6 }) // each under a block
    expect(usage.byOwner).toEqual(new Map([['alice', { bytes: 4096, count: 1 }], ['bob', { bytes: 4096, count: 1 }], ['carol', { bytes: 4096, count: 1 }], ['dave', { bytes: 4096, count: 1 }]]))
    expect(await store.stat(a.id)).toEqual({ id: a.id, size: 1000, storedAt, owner: 'alice', leaseUntil: legacyLeaseUntil(storedAt, NOW) })
    expect(await store.stat(badMeta.id)).toMatchObject({ size: 300 })
    expect((await store.stat(badMeta.id))?.owner).toBeUndefined()
    for (const s of [a, b, tricky, empty, badMeta]) expect(await store.get(s.id)).toEqual(s.bytes)
    for (const [s, owner] of [[a, 'alice'], [b, undefined], [tricky, 'carol'], [empty, 'bob']] as const) {
      expect(new Uint8Array(await readFile(shardPath(dir, s.id)))).toEqual(shardFile(s.bytes, owner === undefined ? {} : { owner }))
    }
    // the damaged shard was moved unjudged, then found corrupt by layout 2's rules and removed
    expect(await store.scrub()).toEqual({ checked: 6, corrupt: [damaged.id], missing: [] })
    expect(corrupt).toEqual([damaged.id])
    expect(await exists(shardPath(dir, damaged.id))).toBe(false)
    const records = (await collect(store.entries())).sort((x, y) => x.id.localeCompare(y.id))
    await store.close() // the lease file is saved

    // layout 1 is empty but for what is not ours: a folder named like a shard, and a foreign file
    const left = (await walk(dir)).filter(p => !p.startsWith('layout-2/')).sort()
    expect(left).toEqual([
      'README', 'layout', 'layout-2', 'leases',
      ...[`${shardFolder(b.id)}/not-a-cid`, shardFolder(b.id), shardFolder(notAFile.id), `${shardFolder(notAFile.id)}/${notAFile.id}`]
    ].sort())
    expect((await walk(shardTree(dir))).filter(p => p.endsWith('.meta') || p.endsWith('.tmp'))).toEqual([])
    expect(JSON.parse(await readFile(join(dir, 'layout'), 'utf8'))).toEqual({ layout: 2 })
    // opening again finds the same and changes nothing
    const tree = await walk(dir)
    const again = await openFsStore({ root: dir, quota: 1e6, now: () => NOW + 1000 })
    expect((await collect(again.entries())).sort((x, y) => x.id.localeCompare(y.id))).toEqual(records)
    await again.close()
    expect(await walk(dir)).toEqual(tree)
  })

  it('finishes a migration cut short: a verified layout-2 copy wins, a damaged one is replaced', async () => {
    const dir = await root()
    const [both, bad, staged, metaLeft, todo] = await Promise.all([300, 400, 500, 600, 700].map(async (n, i) => await makeShard(n, 20 + i))) as [Shard, Shard, Shard, Shard, Shard]
    const t = (minutes: number): number => Date.UTC(2026, 1, 1) + minutes * 60_000
    await writeFile(join(dir, 'layout'), '{"layout":2}\n')
    // moved, its layout-1 copy not yet removed (or stored again while downgraded, for another owner)
    await writeLayout2(dir, both, 'alice', t(1))
    await writeLayout1(dir, both, 'mallory', t(9))
    // a layout-2 copy damaged on disk, its layout-1 copy whole
    await writeLayout2(dir, bad, 'bob', t(2), bad.bytes.map(x => x ^ 0xff))
    await writeLayout1(dir, bad, 'bob', t(2))
    // staged in layout 2, never renamed
    await writeLayout1(dir, staged, 'carol', t(3))
    await mkdir(join(shardTree(dir), shardFolder(staged.id)), { recursive: true })
    await writeFile(join(shardTree(dir), shardFolder(staged.id), `.${staged.id}.0123456789ab.tmp`), shardFileV1(new Uint8Array(0), 'carol'))
    // moved, the layout-1 shard removed but not its .meta
    await writeLayout2(dir, metaLeft, 'dave', t(4))
    await mkdir(join(dir, shardFolder(metaLeft.id)), { recursive: true })
    await writeFile(layout1Path(dir, metaLeft.id) + '.meta', JSON.stringify({ v: 1, owner: 'dave' }))
    // not reached yet
    await writeLayout1(dir, todo, undefined, t(5))
    // a layout-1 folder emptied but not removed
    await mkdir(join(dir, 'qq'))

    const corrupt: string[] = []
    const store = await openFsStore({ root: dir, quota: 1e6, onCorrupt: id => { corrupt.push(id) }, now })
    const leaseUntil = legacyLeaseUntil(0, NOW) // no lease file: every shard's lease runs from this open
    expect(await store.stat(both.id)).toEqual({ id: both.id, size: 300, storedAt: t(1), owner: 'alice', leaseUntil })
    expect(await store.stat(bad.id)).toEqual({ id: bad.id, size: 400, storedAt: t(2), owner: 'bob', leaseUntil })
    expect(await store.stat(staged.id)).toEqual({ id: staged.id, size: 500, storedAt: t(3), owner: 'carol', leaseUntil })
    expect(await store.stat(metaLeft.id)).toEqual({ id: metaLeft.id, size: 600, storedAt: t(4), owner: 'dave', leaseUntil })
    expect(await store.stat(todo.id)).toEqual({ id: todo.id, size: 700, storedAt: t(5), leaseUntil })
    for (const s of [both, bad, staged, metaLeft, todo]) expect(await store.get(s.id)).toEqual(s.bytes)
    expect(await store.scrub()).toEqual({ checked: 5, corrupt: [], missing: [] })
    expect(corrupt).toEqual([])
    await store.close()
    expect((await readdir(dir)).sort()).toEqual(['layout', 'layout-2', 'leases'])
    expect((await walk(shardTree(dir))).filter(p => p.endsWith('.tmp'))).toEqual([])
  })
})
