import { afterEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFsStore, shardFolder, shardPath } from '../../src/store/fs.ts'
import { shardStoreContract } from './contract.ts'
import { collect, errorName, makeShard, type StoreHarness, type StorePlace } from './fixtures.ts'

async function tempRoot (): Promise<string> {
  return await mkdtemp(join(tmpdir(), 'datamesh-fs-store-'))
}

const fsHarness: StoreHarness = {
  name: 'filesystem',
  propertyRuns: 25,
  place: async (): Promise<StorePlace> => {
    const root = await tempRoot()
    return {
      open: async (options = {}) => await openFsStore({ root, quota: Number.POSITIVE_INFINITY, ...options }),
      corrupt: async (id, bytes) => { await writeFile(shardPath(root, id), bytes) },
      lose: async id => { await unlink(shardPath(root, id)) },
      destroy: async () => { await rm(root, { recursive: true, force: true }) }
    }
  }
}

shardStoreContract(fsHarness)

describe('filesystem store', () => {
  const roots: string[] = []
  afterEach(async () => {
    for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
  })
  async function root (): Promise<string> {
    const r = await tempRoot()
    roots.push(r)
    return r
  }

  it('lays shards out as plain files in folders named by the digest', async () => {
    const dir = await root()
    const store = await openFsStore({ root: dir, quota: 1e6 })
    const a = await makeShard(1000, 1)
    await store.put(a.id, a.bytes, { owner: 'alice' })
    expect(shardFolder(a.id)).toMatch(/^[a-z2-7]{2}$/)
    expect(new Uint8Array(await readFile(shardPath(dir, a.id)))).toEqual(a.bytes)
    expect(JSON.parse(await readFile(shardPath(dir, a.id) + '.meta', 'utf8'))).toEqual({ v: 1, owner: 'alice' })
    expect(await readdir(join(dir, shardFolder(a.id)))).toEqual([a.id, a.id + '.meta'].sort())
    const record = await store.stat(a.id)
    expect(Math.round((await stat(shardPath(dir, a.id))).mtimeMs)).toBe(record?.storedAt)
    await store.delete(a.id)
    expect(await readdir(join(dir, shardFolder(a.id)))).toEqual([])
    await store.close()
  })

  it('cleans staging leftovers and orphan metadata on open, leaves foreign files alone', async () => {
    const dir = await root()
    const a = await makeShard(100, 1)
    const b = await makeShard(100, 2)
    const folder = join(dir, shardFolder(a.id))
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, `.${a.id}.abcd.tmp`), a.bytes.subarray(0, 50)) // crash mid-write
    await mkdir(join(dir, shardFolder(b.id)), { recursive: true })
    await writeFile(shardPath(dir, b.id) + '.meta', '{"v":1,"owner":"x"}') // crash mid-delete
    await writeFile(join(dir, 'README'), 'not a shard')
    await writeFile(join(folder, 'not-a-cid'), 'x')
    const store = await openFsStore({ root: dir, quota: 1e6 })
    expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    expect(await readdir(folder)).toEqual(['not-a-cid'])
    expect(await readdir(join(dir, shardFolder(b.id)))).not.toContain(b.id + '.meta')
    expect(await readFile(join(dir, 'README'), 'utf8')).toBe('not a shard')
    await store.close()
  })

  it('finds shards written by an earlier process, with owners', async () => {
    const dir = await root()
    const first = await openFsStore({ root: dir, quota: 1e6, durable: false })
    const shards = await Promise.all([10, 20, 30].map(async (n, i) => await makeShard(n, i)))
    await first.putMany(shards.map((s, i) => ({ ...s, owner: i === 0 ? 'alice' : undefined })))
    await first.close()
    const second = await openFsStore({ root: dir, quota: 1e6 })
    expect((await collect(second.list())).sort()).toEqual(shards.map(s => s.id).sort())
    const usage = await second.usage()
    expect(usage).toMatchObject({ bytes: 60, count: 3 })
    expect(usage.byOwner.get('alice')).toEqual({ bytes: 10, count: 1 })
    await second.close()
  })

  it('rolls a batch back when one rename fails', async () => {
    const dir = await root()
    const store = await openFsStore({ root: dir, quota: 1e6 })
    const shards = await Promise.all([10, 20, 30].map(async (n, i) => await makeShard(n, 50 + i)))
    const blocked = shards[2]?.id as string
    await mkdir(join(shardPath(dir, blocked), 'in-the-way'), { recursive: true }) // rename onto a non-empty folder fails
    expect(await errorName(store.putMany(shards.map((s, i) => ({ ...s, owner: i === 0 ? 'alice' : undefined }))))).not.toBe('resolved')
    expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    for (const s of shards.slice(0, 2)) {
      expect(await errorName(stat(shardPath(dir, s.id)))).toBe('Error') // ENOENT
      expect((await readdir(join(dir, shardFolder(s.id)))).filter(n => n.startsWith(s.id) || n.endsWith('.tmp'))).toEqual([])
    }
    await store.close()
  })

  it('rejects a missing root', async () => {
    expect(await errorName(openFsStore({ root: '', quota: 1 }))).toBe('InvalidParametersError')
  })
})
