/**
 * What the filesystem store reads and syncs (node:fs/promises wrapped:
 * every byte read is counted, every fsync of a file recorded):
 * - a proof reads the header prefix, the outboard and the groups asked
 *   for, and nothing else; a range read likewise;
 * - a header-1 file is replaced whole by a header-2 file (same bytes, owner
 *   and mtime) the first time its outboard is needed, and a replacement
 *   that fails leaves it as it was;
 * - a renewal is fsynced in the lease file before renew resolves; a put's
 *   lease is not fsynced (a crash falls back to a longer lease).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { AUDIT_GROUP_BYTES, computeOutboard, outboardBytes, verifyGroups } from '../../src/core/blake3-tree.ts'
import { MiB } from '../../src/core/bytes.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { MAX_PREFIX_BYTES } from '../../src/store/fs-format.ts'
import { openFsStore, shardFolder, shardPath, shardTree } from '../../src/store/fs.ts'
import { makeShard, type Shard } from './fixtures.ts'
import { shardFile, shardFileV1 } from './fs-files.ts'

const io = vi.hoisted(() => ({ bytesRead: 0, wholeReads: 0, failRename: false, synced: [] as string[] }))

vi.mock('node:fs/promises', async importOriginal => {
  const real = await importOriginal<typeof import('node:fs/promises')>()
  const wrapped = {
    open: async (...args: Parameters<typeof real.open>) => {
      const fh = await real.open(...args)
      const read = fh.read.bind(fh) as (...a: unknown[]) => Promise<{ bytesRead: number }>
      const datasync = fh.datasync.bind(fh)
      return Object.assign(fh, {
        read: async (...a: unknown[]) => {
          const result = await read(...a)
          io.bytesRead += result.bytesRead
          return result
        },
        datasync: async () => {
          io.synced.push(String(args[0]))
          await datasync()
        }
      })
    },
    readFile: async (...args: Parameters<typeof real.readFile>) => {
      const data = await real.readFile(...args)
      io.bytesRead += data.length
      io.wholeReads++
      return data
    },
    rename: async (...args: Parameters<typeof real.rename>) => {
      if (io.failRename) throw Object.assign(new Error('rename refused'), { code: 'EIO' })
      await real.rename(...args)
    }
  }
  return { ...real, ...wrapped, default: { ...real, ...wrapped } }
})

const roots: string[] = []
afterEach(async () => {
  io.failRename = false
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
})
async function root (): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'datamesh-fs-audit-'))
  roots.push(r)
  return r
}

function counting (): () => { bytesRead: number, wholeReads: number } {
  io.bytesRead = 0
  io.wholeReads = 0
  return () => ({ bytesRead: io.bytesRead, wholeReads: io.wholeReads })
}

const verifies = (s: Shard, p: Awaited<ReturnType<Awaited<ReturnType<typeof openFsStore>>['proof']>>): boolean =>
  verifyGroups(parseShardCid(s.id).multihash.digest, p.size, p.groups, p.siblings)

describe('filesystem store: what it reads and syncs', () => {
  it('answers an audit of 4 groups by reading the header, the outboard and those groups only', async () => {
    const dir = await root()
    const shard = await makeShard(4 * MiB + 5, 700)
    const store = await openFsStore({ root: dir, quota: 1e9 })
    await store.put(shard.id, shard.bytes, { owner: 'alice' })
    const read = counting()
    const proof = await store.proof(shard.id, [0, 77, 200, 256])
    expect(verifies(shard, proof)).toBe(true)
    const { bytesRead, wholeReads } = read()
    expect(wholeReads).toBe(0)
    const needed = outboardBytes(shard.bytes.byteLength) + 3 * AUDIT_GROUP_BYTES + 5 // the last group is 5 bytes
    expect(bytesRead).toBeGreaterThanOrEqual(needed)
    expect(bytesRead).toBeLessThanOrEqual(needed + MAX_PREFIX_BYTES)
    const range = counting()
    expect(Buffer.from(await store.readRange(shard.id, 3 * MiB + 7, 100)).equals(Buffer.from(shard.bytes.subarray(3 * MiB + 7, 3 * MiB + 107)))).toBe(true)
    expect(range().bytesRead).toBeLessThanOrEqual(outboardBytes(shard.bytes.byteLength) + AUDIT_GROUP_BYTES + MAX_PREFIX_BYTES)
    await store.close()
  })

  it('gives a header-1 file its outboard on first use: replaced whole by a header-2 file, same bytes, owner and mtime', async () => {
    const dir = await root()
    const shard = await makeShard(100_000, 701)
    const storedAt = Date.UTC(2026, 8, 9, 10, 11, 12)
    await mkdir(join(shardTree(dir), shardFolder(shard.id)), { recursive: true })
    await writeFile(shardPath(dir, shard.id), shardFileV1(shard.bytes, 'alice'))
    await utimes(shardPath(dir, shard.id), storedAt / 1000, storedAt / 1000)
    const store = await openFsStore({ root: dir, quota: 1e9 })
    const first = counting()
    expect(verifies(shard, await store.proof(shard.id, [3]))).toBe(true)
    expect(first().wholeReads).toBe(1) // no outboard yet: the shard is read whole once
    expect(new Uint8Array(await readFile(shardPath(dir, shard.id)))).toEqual(shardFile(shard.bytes, { owner: 'alice' }))
    expect(Math.round((await stat(shardPath(dir, shard.id))).mtimeMs)).toBe(storedAt)
    expect((await readdir(join(shardTree(dir), shardFolder(shard.id)))).filter(n => n.endsWith('.tmp'))).toEqual([])
    const next = counting()
    expect(verifies(shard, await store.proof(shard.id, [5]))).toBe(true)
    expect(next().wholeReads).toBe(0)
    await store.close()
  })

  it('leaves a header-1 file as it was when giving it an outboard fails, and still answers', async () => {
    const dir = await root()
    const shard = await makeShard(50_000, 702)
    await mkdir(join(shardTree(dir), shardFolder(shard.id)), { recursive: true })
    const v1 = shardFileV1(shard.bytes)
    await writeFile(shardPath(dir, shard.id), v1)
    const store = await openFsStore({ root: dir, quota: 1e9 })
    io.failRename = true
    expect(verifies(shard, await store.proof(shard.id, [1, 2]))).toBe(true)
    expect(new Uint8Array(await readFile(shardPath(dir, shard.id)))).toEqual(v1)
    expect((await readdir(join(shardTree(dir), shardFolder(shard.id)))).filter(n => n.endsWith('.tmp'))).toEqual([])
    io.failRename = false
    expect(verifies(shard, await store.proof(shard.id, [0]))).toBe(true) // and kept now
    expect(new Uint8Array(await readFile(shardPath(dir, shard.id)))).toEqual(shardFile(shard.bytes))
    await store.close()
  })

  it('reports a file cut short or grown as corrupt, and removes it', async () => {
    const dir = await root()
    const [a, b] = await Promise.all([40_000, 40_000].map(async (n, i) => await makeShard(n, 710 + i)))
    const store = await openFsStore({ root: dir, quota: 1e9 })
    await store.putMany([a!, b!])
    const file = await readFile(shardPath(dir, a!.id))
    await writeFile(shardPath(dir, a!.id), file.subarray(0, file.byteLength - 1))
    await writeFile(shardPath(dir, b!.id), Buffer.concat([await readFile(shardPath(dir, b!.id)), Buffer.from([0])]))
    expect(await store.proof(a!.id, [0]).catch((e: Error) => e.name)).toBe('CorruptShardError')
    expect(await store.readRange(b!.id, 0, 1).catch((e: Error) => e.name)).toBe('CorruptShardError')
    expect(await store.usage()).toMatchObject({ count: 0 })
    expect(computeOutboard(a!.bytes).byteLength).toBe(3 * 32)
    await store.close()
  })

  it('fsyncs the lease file for a renewal before renew resolves, and not for a put', async () => {
    const dir = await root()
    const [a, b] = await Promise.all([100, 200].map(async (n, i) => await makeShard(n, 720 + i)))
    const store = await openFsStore({ root: dir, quota: 1e9 })
    const leaseSyncs = (): string[] => io.synced.filter(p => basename(p).startsWith('.leases.'))
    io.synced = []
    await store.put(a!.id, a!.bytes, { owner: 'alice', leaseUntil: Date.now() + 1000 })
    await store.close() // its lease is written now, without fsync
    expect(io.synced.filter(p => basename(p).startsWith(`.${a!.id}.`)).length).toBe(1) // the shard file is
    expect(leaseSyncs()).toEqual([])
    const again = await openFsStore({ root: dir, quota: 1e9 })
    await again.put(b!.id, b!.bytes)
    io.synced = []
    await again.renew([a!.id], Date.now() + 5000, { by: 'alice' })
    expect(leaseSyncs().length).toBe(1)
    await again.close()
  })
})
