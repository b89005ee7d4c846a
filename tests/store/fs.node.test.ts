import { afterEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFsStore, shardFolder, shardPath } from '../../src/store/fs.ts'
import { encodeShardHeader, parseShardHeader } from '../../src/store/fs-format.ts'
import { shardCid } from '../../src/core/hash.ts'
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
      // damage the shard's bytes, keeping a valid header
      corrupt: async (id, bytes) => { await writeFile(shardPath(root, id), Buffer.concat([encodeShardHeader(undefined), bytes])) },
      lose: async id => { await unlink(shardPath(root, id)) },
      destroy: async () => { await rm(root, { recursive: true, force: true }) }
    }
  }
}

shardStoreContract(fsHarness)

/** Bytes of a shard file as layout 2 writes it. */
function shardFile (owner: string | undefined, bytes: Uint8Array): Buffer {
  return Buffer.concat([encodeShardHeader(owner), bytes])
}

/** Write a shard the way layout 1 (earlier versions) did: raw bytes, the owner in `<id>.meta`. */
async function writeLayout1 (dir: string, shard: { id: string, bytes: Uint8Array }, owner?: string, mtimeMs?: number): Promise<void> {
  await mkdir(join(dir, shardFolder(shard.id)), { recursive: true })
  if (owner !== undefined) await writeFile(shardPath(dir, shard.id) + '.meta', JSON.stringify({ v: 1, owner }))
  await writeFile(shardPath(dir, shard.id), shard.bytes)
  if (mtimeMs !== undefined) await utimes(shardPath(dir, shard.id), mtimeMs / 1000, mtimeMs / 1000)
}

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
    expect(file).toEqual(new Uint8Array(shardFile('alice', a.bytes)))
    expect(parseShardHeader(file)).toEqual({ owner: 'alice', headerBytes: 10 + 5 })
    expect(new TextDecoder().decode(file.subarray(0, 8))).toBe('DMSHARD\x01')
    expect(parseShardHeader(new Uint8Array(await readFile(shardPath(dir, b.id))))).toEqual({ headerBytes: 10 })
    expect(await readdir(join(dir, shardFolder(a.id)))).toEqual(shardFolder(a.id) === shardFolder(b.id) ? [a.id, b.id].sort() : [a.id])
    expect(JSON.parse(await readFile(join(dir, 'layout'), 'utf8'))).toEqual({ layout: 2 })
    const record = await store.stat(a.id)
    expect(record).toMatchObject({ size: 1000, owner: 'alice' })
    expect(Math.round((await stat(shardPath(dir, a.id))).mtimeMs)).toBe(record?.storedAt)
    await store.delete(a.id)
    expect(await readdir(join(dir, shardFolder(a.id)))).not.toContain(a.id)
    await store.close()
  })

  it('cleans staging leftovers and stray owner files on open, leaves foreign files alone', async () => {
    const dir = await root()
    await (await openFsStore({ root: dir, quota: 1e6 })).close() // layout 2 from the start
    const a = await makeShard(100, 1)
    const b = await makeShard(100, 2)
    const folder = join(dir, shardFolder(a.id))
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, `.${a.id}.abcd.tmp`), a.bytes.subarray(0, 50)) // crash mid-write
    await mkdir(join(dir, shardFolder(b.id)), { recursive: true })
    await writeFile(shardPath(dir, b.id) + '.meta', '{"v":1,"owner":"x"}')
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
    file[7] = 9 // an unknown header version
    await writeFile(shardPath(dir, a.id), file)
    expect(await errorName(store.get(a.id))).toBe('CorruptShardError')
    expect(reported).toEqual([a.id])
    expect(await errorName(stat(shardPath(dir, a.id)))).toBe('Error') // ENOENT
    await store.close()
    // found so on open too: listed, then removed by a scrub
    const b = await makeShard(100, 2)
    await mkdir(join(dir, shardFolder(b.id)), { recursive: true })
    await writeFile(shardPath(dir, b.id), b.bytes) // no header at all
    const again = await openFsStore({ root: dir, quota: 1e6 })
    expect(await again.scrub()).toEqual({ checked: 1, corrupt: [b.id], missing: [] })
    await again.close()
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

  it('migrates a folder written in layout 1 on open: each .meta becomes a header', async () => {
    const dir = await root()
    const a = await makeShard(1000, 1)
    const b = await makeShard(50, 2)
    const empty = await makeShard(0, 3) // earlier versions accepted empty shards
    const orphan = await makeShard(100, 4)
    // a shard that begins like a layout-2 header: must come through whole
    const trickyBytes = new Uint8Array(shardFile('mallory', (await makeShard(64, 5)).bytes))
    const tricky = { bytes: trickyBytes, id: shardCid(trickyBytes).toString() }
    const storedAt = Date.UTC(2026, 0, 2, 3, 4, 5)
    await writeLayout1(dir, a, 'alice', storedAt)
    await writeLayout1(dir, b)
    await writeLayout1(dir, empty, 'bob')
    await writeLayout1(dir, tricky, 'carol')
    await mkdir(join(dir, shardFolder(orphan.id)), { recursive: true })
    await writeFile(shardPath(dir, orphan.id) + '.meta', '{"v":1,"owner":"x"}') // crash mid-delete
    await writeFile(join(dir, shardFolder(a.id), `.${a.id}.abcd.tmp`), 'half') // crash mid-write
    await writeFile(join(dir, shardFolder(a.id), 'not-a-cid'), 'x')
    await writeFile(join(dir, 'README'), 'not a shard')

    const store = await openFsStore({ root: dir, quota: 1e6 })
    const usage = await store.usage()
    expect(usage).toMatchObject({ bytes: 4 * 4096, count: 4 }) // each under a block
    expect(usage.byOwner).toEqual(new Map([['alice', { bytes: 4096, count: 1 }], ['bob', { bytes: 4096, count: 1 }], ['carol', { bytes: 4096, count: 1 }]]))
    expect(await store.stat(a.id)).toEqual({ id: a.id, size: 1000, storedAt, owner: 'alice' })
    expect(await store.get(a.id)).toEqual(a.bytes)
    expect(await store.get(b.id)).toEqual(b.bytes)
    expect(await store.get(tricky.id)).toEqual(tricky.bytes)
    expect(await store.get(empty.id)).toEqual(new Uint8Array(0))
    for (const [s, owner] of [[a, 'alice'], [b, undefined], [tricky, 'carol']] as const) {
      expect(new Uint8Array(await readFile(shardPath(dir, s.id)))).toEqual(new Uint8Array(shardFile(owner, s.bytes)))
    }
    const left = (await Promise.all([...new Set([a, b, empty, tricky, orphan].map(s => shardFolder(s.id)))].map(async f => await readdir(join(dir, f))))).flat()
    expect(left.filter(n => n.endsWith('.meta') || n.endsWith('.tmp'))).toEqual([])
    expect(left).toContain('not-a-cid')
    expect(await readFile(join(dir, 'README'), 'utf8')).toBe('not a shard')
    expect(JSON.parse(await readFile(join(dir, 'layout'), 'utf8'))).toEqual({ layout: 2 })
    const records = (await collect(store.entries())).sort((x, y) => x.id.localeCompare(y.id))
    expect(await store.scrub()).toEqual({ checked: 4, corrupt: [], missing: [] })
    await store.close()
    // opening again finds the same
    const again = await openFsStore({ root: dir, quota: 1e6 })
    expect((await collect(again.entries())).sort((x, y) => x.id.localeCompare(y.id))).toEqual(records)
    await again.close()
  })

  it('finishes a migration that was cut short', async () => {
    const dir = await root()
    const done = await makeShard(300, 1)
    const todo = await makeShard(400, 2)
    // `done` was rewritten but its .meta not yet removed, and no layout file was written
    await mkdir(join(dir, shardFolder(done.id)), { recursive: true })
    await writeFile(shardPath(dir, done.id), shardFile('alice', done.bytes))
    await writeFile(shardPath(dir, done.id) + '.meta', JSON.stringify({ v: 1, owner: 'alice' }))
    await writeLayout1(dir, todo, 'bob')
    const store = await openFsStore({ root: dir, quota: 1e6 })
    expect(await store.stat(done.id)).toMatchObject({ size: 300, owner: 'alice' })
    expect(await store.stat(todo.id)).toMatchObject({ size: 400, owner: 'bob' })
    expect(await store.get(done.id)).toEqual(done.bytes)
    expect(await store.get(todo.id)).toEqual(todo.bytes)
    expect(await readdir(join(dir, shardFolder(done.id)))).not.toContain(done.id + '.meta')
    await store.close()
  })

  it('refuses a folder written by a newer version, or with a damaged layout file', async () => {
    const dir = await root()
    await writeFile(join(dir, 'layout'), '{"layout":3}')
    expect(await errorName(openFsStore({ root: dir, quota: 1 }))).toBe('UnsupportedVersionError')
    await writeFile(join(dir, 'layout'), 'garbage')
    expect(await errorName(openFsStore({ root: dir, quota: 1 }))).toBe('MalformedDataError')
  })

  it('rejects a missing root', async () => {
    expect(await errorName(openFsStore({ root: '', quota: 1 }))).toBe('InvalidParametersError')
  })
})
