import { afterEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFsStore, shardFolder, shardPath, shardTree } from '../../src/store/fs.ts'
import { LEASE_FILE, parseShardHeader, type ShardHeader } from '../../src/store/fs-format.ts'
import { shardStoreContract } from './contract.ts'
import { collect, errorName, makeShard, type StoreHarness, type StorePlace } from './fixtures.ts'
import { shardFile, shardFileV1 } from './fs-files.ts'

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
      // damage the shard's bytes, keeping a valid header (for those bytes)
      corrupt: async (id, bytes) => { await writeFile(shardPath(root, id), shardFile(bytes)) },
      lose: async id => { await unlink(shardPath(root, id)) },
      flip: async (id, offset) => {
        const file = await readFile(shardPath(root, id))
        const at = (parseShardHeader(file) as ShardHeader).headerBytes + offset
        file[at] = (file[at] as number) ^ 1
        await writeFile(shardPath(root, id), file)
      },
      legacy: async (shard, storedAt, owner) => {
        await mkdir(join(shardTree(root), shardFolder(shard.id)), { recursive: true })
        await writeFile(shardPath(root, shard.id), shardFileV1(shard.bytes, owner))
        await utimes(shardPath(root, shard.id), storedAt / 1000, storedAt / 1000)
      },
      forgetLeases: async () => { await writeFile(join(root, LEASE_FILE), 'damaged') },
      outboard: async id => {
        const file = new Uint8Array(await readFile(shardPath(root, id)))
        const header = parseShardHeader(file) as ShardHeader
        return header.outboardOffset === undefined ? undefined : file.slice(header.outboardOffset, header.headerBytes)
      },
      damageOutboard: async (id, outboard) => {
        const file = await readFile(shardPath(root, id))
        const header = parseShardHeader(file) as ShardHeader
        if (outboard.byteLength !== header.headerBytes - (header.outboardOffset ?? 0)) throw new Error('damageOutboard: keep the length')
        file.set(outboard, header.outboardOffset)
        await writeFile(shardPath(root, id), file)
      },
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

  it('keeps one file per shard: a header naming the owner, then the bytes', async () => {
    const dir = await root()
    const store = await openFsStore({ root: dir, quota: 1e6 })
    const a = await makeShard(1000, 1)
    const b = await makeShard(10, 2)
    await store.putMany([{ ...a, owner: 'alice' }, b])
    expect(shardFolder(a.id)).toMatch(/^[a-z2-7]{2}$/)
    const file = new Uint8Array(await readFile(shardPath(dir, a.id)))
    expect(file).toEqual(shardFile(a.bytes, { owner: 'alice' }))
    expect(parseShardHeader(file)).toEqual({ version: 2, owner: 'alice', size: 1000, outboardOffset: 10 + 5 + 2 + 8, headerBytes: 10 + 5 + 2 + 8 })
    expect(new TextDecoder().decode(file.subarray(0, 8))).toBe('DMSHARD\x02')
    expect(parseShardHeader(new Uint8Array(await readFile(shardPath(dir, b.id))))).toEqual({ version: 2, size: 10, outboardOffset: 20, headerBytes: 20 })
    const folder = join(shardTree(dir), shardFolder(a.id))
    expect(shardPath(dir, a.id)).toBe(join(dir, 'layout-2', shardFolder(a.id), a.id))
    expect(await readdir(folder)).toEqual(shardFolder(a.id) === shardFolder(b.id) ? [a.id, b.id].sort() : [a.id])
    const record = await store.stat(a.id)
    expect(record).toMatchObject({ size: 1000, owner: 'alice' })
    expect(Math.round((await stat(shardPath(dir, a.id))).mtimeMs)).toBe(record?.storedAt)
    await store.delete(a.id)
    expect(await readdir(folder)).not.toContain(a.id)
    await store.close() // the lease file is saved in the background; closing waits for it
    // nothing where a layout-1 build looks (root folders named like <xx>)
    expect((await readdir(dir)).sort()).toEqual(['layout', 'layout-2', 'leases'])
    expect(JSON.parse(await readFile(join(dir, 'layout'), 'utf8'))).toEqual({ layout: 2 })
  })

  it('cleans staging leftovers on open, leaves foreign files alone', async () => {
    const dir = await root()
    await (await openFsStore({ root: dir, quota: 1e6 })).close() // layout 2 from the start
    const a = await makeShard(100, 1)
    const b = await makeShard(100, 2)
    const folder = join(shardTree(dir), shardFolder(a.id))
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, `.${a.id}.abcd.tmp`), a.bytes.subarray(0, 50)) // crash mid-write
    await writeFile(join(folder, 'not-a-cid'), 'x')
    await mkdir(join(shardTree(dir), shardFolder(b.id)), { recursive: true })
    await writeFile(shardPath(dir, b.id) + '.meta', '{"v":1,"owner":"x"}') // layout 2 never writes one: not ours
    await mkdir(join(shardTree(dir), 'zz-not-a-folder'))
    await writeFile(join(dir, 'README'), 'not a shard')
    const store = await openFsStore({ root: dir, quota: 1e6 })
    expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    expect(await readdir(folder)).toContain('not-a-cid')
    expect((await readdir(folder)).filter(n => n.endsWith('.tmp'))).toEqual([])
    expect(await readdir(join(shardTree(dir), shardFolder(b.id)))).toContain(b.id + '.meta')
    expect(await readFile(join(dir, 'README'), 'utf8')).toBe('not a shard')
    await store.close()
  })

  it('finds shards written by an earlier process, with owners', async () => {
    const dir = await root()
    const first = await openFsStore({ root: dir, quota: 1e6, durable: false })
    const shards = await Promise.all([10, 20, 5000].map(async (n, i) => await makeShard(n, i)))
    await first.putMany(shards.map((s, i) => ({ ...s, owner: i === 0 ? 'alice' : undefined })))
    await first.close()
    const second = await openFsStore({ root: dir, quota: 1e6 })
    expect((await collect(second.list())).sort()).toEqual(shards.map(s => s.id).sort())
    const usage = await second.usage()
    expect(usage).toMatchObject({ bytes: 2 * 4096 + 5000, count: 3 })
    expect(usage.byOwner.get('alice')).toEqual({ bytes: 4096, count: 1 })
    expect((await second.stat(shards[2]!.id))?.size).toBe(5000)
    expect(await second.get(shards[2]!.id)).toEqual(shards[2]!.bytes)
    await second.close()
  })

  it('reports a shard file whose header is damaged as corrupt, and removes it', async () => {
    const dir = await root()
    const reported: string[] = []
    const store = await openFsStore({ root: dir, quota: 1e6, onCorrupt: id => { reported.push(id) } })
    const a = await makeShard(100, 1)
    await store.put(a.id, a.bytes, { owner: 'alice' })
    const file = await readFile(shardPath(dir, a.id))
    file[7] = 0 // no such header version
    await writeFile(shardPath(dir, a.id), file)
    expect(await errorName(store.get(a.id))).toBe('CorruptShardError')
    expect(reported).toEqual([a.id])
    expect(await errorName(stat(shardPath(dir, a.id)))).toBe('Error') // ENOENT
    await store.close()
    // found so on open too: listed, then removed by a scrub
    const b = await makeShard(100, 2)
    await mkdir(join(shardTree(dir), shardFolder(b.id)), { recursive: true })
    await writeFile(shardPath(dir, b.id), b.bytes) // no header at all
    const again = await openFsStore({ root: dir, quota: 1e6 })
    expect(await again.scrub()).toEqual({ checked: 1, corrupt: [b.id], missing: [] })
    await again.close()
  })

  it('leaves alone a shard file of a newer header version: not listed, never deleted', async () => {
    const dir = await root()
    const a = await makeShard(100, 1)
    const b = await makeShard(100, 2)
    const first = await openFsStore({ root: dir, quota: 1e6 })
    await first.putMany([a, b])
    await first.close()
    const newer = shardFile(a.bytes, { owner: 'alice' })
    newer[7] = 3 // as a later build might write it
    await writeFile(shardPath(dir, a.id), newer)
    const store = await openFsStore({ root: dir, quota: 1e6 })
    expect(await collect(store.list())).toEqual([b.id])
    expect(await store.scrub()).toEqual({ checked: 1, corrupt: [], missing: [] })
    expect((await store.collect({ now: Number.MAX_SAFE_INTEGER, graceMs: 0 })).shards.map(x => x.id)).toEqual([b.id])
    await store.close()
    expect(new Uint8Array(await readFile(shardPath(dir, a.id)))).toEqual(newer)
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
      expect((await readdir(join(shardTree(dir), shardFolder(s.id)))).filter(n => n.startsWith(s.id) || n.endsWith('.tmp'))).toEqual([])
    }
    await store.close()
  })

  it('refuses a folder written by a newer version, or with a damaged layout file, before changing anything', async () => {
    const dir = await root()
    const a = await makeShard(100, 1)
    await mkdir(join(dir, shardFolder(a.id)))
    await writeFile(join(dir, shardFolder(a.id), a.id), a.bytes) // a layout-1 shard, not to be migrated
    await writeFile(join(dir, 'layout'), '{"layout":3}')
    expect(await errorName(openFsStore({ root: dir, quota: 1 }))).toBe('UnsupportedVersionError')
    await writeFile(join(dir, 'layout'), 'garbage')
    expect(await errorName(openFsStore({ root: dir, quota: 1 }))).toBe('MalformedDataError')
    expect((await readdir(dir)).sort()).toEqual(['layout', shardFolder(a.id)].sort())
    expect(await readdir(join(dir, shardFolder(a.id)))).toEqual([a.id])
  })

  it('rejects a missing root', async () => {
    expect(await errorName(openFsStore({ root: '', quota: 1 }))).toBe('InvalidParametersError')
  })
})
