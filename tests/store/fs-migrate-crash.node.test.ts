/**
 * A migration from layout 1 stopped at every point it can stop: each call
 * that changes the disk (mkdir, open for writing, writeFile, rename,
 * unlink, rmdir) is counted, and from the N-th on every such call fails, as
 * if the process died there (nothing after it reaches the disk). For each
 * N, from that state:
 * - the real layout-1 build (./layout1-build.ts; an operator's downgrade)
 *   finds nothing corrupt and deletes nothing, and the next open of
 *   today's code finishes the migration;
 * - today's code reopened directly finishes it too;
 * both to exactly the folder (files, bytes, mtimes) an uninterrupted
 * migration makes. Two starting folders: one the layout-1 build wrote,
 * and one migrated, downgraded and stored into again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFsStore, shardFolder } from '../../src/store/fs.ts'
import type { ShardRecord } from '../../src/store/types.ts'
import { collect, errorName, makeShard, type Shard } from './fixtures.ts'
import { loadLayout1Build, type Layout1Build } from './layout1-build.ts'

const faults = vi.hoisted(() => ({ budget: Number.POSITIVE_INFINITY, count: 0 }))

vi.mock('node:fs/promises', async importOriginal => {
  const real = await importOriginal<typeof import('node:fs/promises')>()
  const crash = (name: string): void => {
    if (faults.count++ >= faults.budget) throw Object.assign(new Error(`crashed before ${name}`), { code: 'ECRASHED' })
  }
  const guard = <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    crash(name)
    return await fn(...args)
  }
  const guarded = {
    mkdir: guard('mkdir', real.mkdir),
    rmdir: guard('rmdir', real.rmdir),
    rename: guard('rename', real.rename),
    unlink: guard('unlink', real.unlink),
    writeFile: guard('writeFile', real.writeFile),
    open: async (...args: Parameters<typeof real.open>) => {
      const flags = args[1]
      if (flags !== undefined && flags !== 'r') crash(`open ${String(flags)}`)
      return await real.open(...args)
    }
  }
  return { ...real, ...guarded, default: { ...real, ...guarded } }
})

const INFINITE = Number.POSITIVE_INFINITY
/** today's stores' clock, so the leases they give migrated shards are the same in every run */
const NOW = Date.UTC(2030, 0, 1)
let build: Layout1Build
let shards: Shard[]
const roots: string[] = []

beforeAll(async () => {
  build = await loadLayout1Build()
  shards = await Promise.all([900, 5000, 40, 1200, 300, 70_000, 64].map(async (n, i) => await makeShard(n, 70 + i)))
}, 60_000)
afterAll(async () => { await build?.dispose() })
afterEach(async () => {
  faults.budget = INFINITE
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
})

async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'datamesh-fs-crash-'))
  roots.push(dir)
  return dir
}

async function copyOf (from: string): Promise<string> {
  const dir = await tempDir()
  await cp(from, dir, { recursive: true, preserveTimestamps: true })
  return dir
}

/** Every folder and file under `dir` (files with contents and mtime; the `layout` and `leases` files by contents only). */
async function tree (dir: string, at = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(join(dir, at), { withFileTypes: true })) {
    const path = at === '' ? e.name : `${at}/${e.name}`
    if (e.isDirectory()) {
      out.push(`${path}/`, ...await tree(dir, path))
      continue
    }
    const full = join(dir, path)
    const mtime = path === 'layout' || path === 'leases' ? '' : ` @${Math.round((await stat(full)).mtimeMs)}`
    out.push(`${path} ${(await readFile(full)).toString('base64')}${mtime}`)
  }
  return out.sort()
}

/** Open with today's code, check every shard, close: the records. */
async function openAndCheck (dir: string): Promise<ShardRecord[]> {
  const store = await openFsStore({ root: dir, quota: INFINITE, now: () => NOW })
  try {
    const records = (await collect(store.entries())).sort((a, b) => a.id < b.id ? -1 : 1)
    for (const r of records) expect(await store.get(r.id)).toEqual(shards.find(s => s.id === r.id)?.bytes)
    expect(await store.scrub()).toEqual({ checked: records.length, corrupt: [], missing: [] })
    return records
  } finally {
    await store.close()
  }
}

/** A folder written by the layout-1 build, with the leftovers a crash of that build leaves. */
async function layout1Folder (): Promise<string> {
  const dir = await tempDir()
  const old = await build.openFsStore({ root: dir, quota: INFINITE })
  const owners = ['alice', 'alice', undefined, 'bob', undefined]
  for (const [i, owner] of owners.entries()) {
    const s = shards[i] as Shard
    await old.put(s.id, s.bytes, owner === undefined ? {} : { owner })
  }
  await old.close()
  const s = shards[0] as Shard
  await writeFile(join(dir, shardFolder(s.id), `.${s.id}.0123456789ab.tmp`), 'half')
  return dir
}

/** A folder migrated, then opened by the layout-1 build, which stored two shards and one already migrated. */
async function downgradedFolder (): Promise<string> {
  const dir = await layout1Folder()
  await openAndCheck(dir)
  const old = await build.openFsStore({ root: dir, quota: INFINITE })
  for (const [i, owner] of [[5, 'carol'], [6, undefined], [1, 'mallory']] as const) {
    const s = shards[i] as Shard
    await old.put(s.id, s.bytes, owner === undefined ? {} : { owner })
  }
  await old.close()
  return dir
}

async function crashAtEveryPoint (start: string): Promise<number> {
  // the uninterrupted migration, and how many changes it makes
  const reference = await copyOf(start)
  faults.count = 0
  const records = await openAndCheck(reference)
  const total = faults.count
  const expected = await tree(reference)
  expect(total).toBeGreaterThan(10)

  for (let n = 0; n < total; n++) {
    const crashed = await copyOf(start)
    faults.count = 0
    faults.budget = n
    expect(await errorName(openFsStore({ root: crashed, quota: INFINITE })), `stopped at change ${n}`).not.toBe('resolved')
    faults.budget = INFINITE
    const direct = await copyOf(crashed)

    // downgrade: the layout-1 build reads what is left in layout 1, finds nothing corrupt, and the next upgrade finishes
    const corrupt: string[] = []
    const old = await build.openFsStore({ root: crashed, quota: INFINITE, onCorrupt: id => { corrupt.push(id) } })
    for (const id of await collect(old.list())) expect(await old.get(id)).toEqual(shards.find(s => s.id === id)?.bytes)
    expect(await old.scrub(), `stopped at change ${n}`).toMatchObject({ corrupt: [] })
    await old.close()
    expect(corrupt).toEqual([])
    expect(await openAndCheck(crashed), `stopped at change ${n}, downgraded`).toEqual(records)
    expect(await tree(crashed), `stopped at change ${n}, downgraded`).toEqual(expected)

    // reopened directly
    expect(await openAndCheck(direct), `stopped at change ${n}`).toEqual(records)
    expect(await tree(direct), `stopped at change ${n}`).toEqual(expected)
    await rm(crashed, { recursive: true, force: true })
    await rm(direct, { recursive: true, force: true })
  }
  return total
}

describe('a migration from layout 1 stopped at any point', () => {
  it('of a folder the layout-1 build wrote: a downgrade deletes nothing, the next open finishes it', async () => {
    const start = await layout1Folder()
    const total = await crashAtEveryPoint(start)
    console.log(`layout-1 folder: stopped at each of ${total} changes`)
  }, 300_000)

  it('of a folder migrated, downgraded and stored into again: likewise', async () => {
    const start = await downgradedFolder()
    expect((await readdir(start)).sort()).toContain('layout-2')
    const total = await crashAtEveryPoint(start)
    console.log(`downgraded folder: stopped at each of ${total} changes`)
  }, 300_000)
})
