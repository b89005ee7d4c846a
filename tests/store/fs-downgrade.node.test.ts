/**
 * Downgrading a migrated shard folder: the real store of the last release
 * that wrote layout 1 (./layout1-build.ts) opens, reads, scrubs, stores
 * into and deletes from a folder today's code has migrated. It must find
 * nothing to call corrupt and change no file today's code wrote; what it
 * stores meanwhile is taken up by the next upgrade.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { openFsStore } from '../../src/store/fs.ts'
import type { ShardRecord } from '../../src/store/types.ts'
import { collect, errorName, makeShard, type Shard } from './fixtures.ts'
import { loadLayout1Build, type Layout1Build } from './layout1-build.ts'

let build: Layout1Build
let shards: Shard[]
beforeAll(async () => {
  build = await loadLayout1Build()
  shards = await Promise.all([1000, 5000, 50, 300, 70_000].map(async (n, i) => await makeShard(n, 40 + i)))
}, 60_000)
afterAll(async () => { await build?.dispose() })

const roots: string[] = []
afterEach(async () => { for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true }) })

/** Every file under `dir`: relative path -> contents (base64) and mtime. */
async function files (dir: string, at = dir): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const e of await readdir(at, { withFileTypes: true })) {
    const path = join(at, e.name)
    if (e.isDirectory()) for (const [k, v] of await files(dir, path)) out.set(k, v)
    else out.set(relative(dir, path), `${(await readFile(path)).toString('base64')} @${Math.round((await stat(path)).mtimeMs)}`)
  }
  return out
}

const sorted = (records: ShardRecord[]): ShardRecord[] => records.sort((a, b) => a.id < b.id ? -1 : 1)

async function current (root: string): Promise<ShardRecord[]> {
  const store = await openFsStore({ root, quota: Number.POSITIVE_INFINITY })
  try {
    const records = sorted(await collect(store.entries()))
    for (const r of records) expect((await store.get(r.id)).byteLength, r.id).toBe(r.size)
    expect(await store.scrub()).toEqual({ checked: records.length, corrupt: [], missing: [] })
    return records
  } finally {
    await store.close()
  }
}

describe('downgrading a migrated filesystem store to the last layout-1 release', () => {
  it('deletes nothing the migration wrote, and what it stores meanwhile joins on the next upgrade', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datamesh-fs-downgrade-'))
    roots.push(dir)
    const [a, b, c, d, e] = shards as [Shard, Shard, Shard, Shard, Shard]

    // the folder as the deployed release wrote it
    const before = await build.openFsStore({ root: dir, quota: Number.POSITIVE_INFINITY })
    await before.put(a.id, a.bytes, { owner: 'alice' })
    await before.put(b.id, b.bytes)
    await before.put(c.id, c.bytes, { owner: 'bob' })
    await before.close()

    // upgrade: migrated on open
    const migrated = await current(dir)
    expect(new Map(migrated.map(r => [r.id, r.owner]))).toEqual(new Map([[a.id, 'alice'], [b.id, undefined], [c.id, 'bob']]))
    const written = await files(dir)

    // downgrade: the old build opens, reads, scrubs, stores and deletes
    const corrupt: string[] = []
    const old = await build.openFsStore({ root: dir, quota: Number.POSITIVE_INFINITY, onCorrupt: id => { corrupt.push(id) } })
    const seen = await collect(old.list())
    for (const s of [a, b, c]) {
      const read = await errorName(old.get(s.id))
      expect(read, `${s.id}: the old build must not read a migrated shard as corrupt`).not.toBe('CorruptShardError')
      if (read === 'resolved') expect(await old.get(s.id)).toEqual(s.bytes)
    }
    expect(await old.scrub()).toMatchObject({ corrupt: [] })
    await old.put(d.id, d.bytes, { owner: 'dave' }) // new while downgraded
    await old.put(e.id, e.bytes) // new while downgraded, in its own folder or not
    await old.put(a.id, a.bytes, { owner: 'mallory' }) // again: the migrated copy is unseen
    await old.delete(b.id) // a shard it cannot see: nothing happens
    expect(await old.scrub()).toMatchObject({ corrupt: [] })
    await old.close()
    expect(corrupt).toEqual([])
    expect(seen.filter(id => [a, b, c].some(s => s.id === id))).toEqual([])
    // every file the migration wrote is still there, byte for byte
    const after = await files(dir)
    for (const [path, content] of written) expect(after.get(path), path).toBe(content)

    // upgrade again: the shards stored while downgraded are migrated; a copy already migrated wins
    const upgraded = await current(dir)
    expect(upgraded.map(r => r.id)).toEqual([a, b, c, d, e].map(s => s.id).sort())
    const byId = new Map(upgraded.map(r => [r.id, r]))
    expect(byId.get(a.id)).toEqual(migrated.find(r => r.id === a.id))
    expect(byId.get(d.id)?.owner).toBe('dave')
    expect(byId.get(e.id)?.owner).toBeUndefined()
    expect(byId.get(b.id)).toEqual(migrated.find(r => r.id === b.id)) // the delete it could not see did nothing
    // nothing left for a later downgrade to see or delete
    const again = await build.openFsStore({ root: dir, quota: Number.POSITIVE_INFINITY })
    expect(await collect(again.list())).toEqual([])
    await again.close()
    expect(await current(dir)).toEqual(upgraded)
  })
})
