/**
 * Frozen samples: shard folders of the filesystem store, written out byte
 * for byte (with each file's mtime, a shard's `storedAt`) into a temporary
 * folder and opened with today's openFsStore.
 * - fs-store-v2.json, layout 2 (`layout`, the lease file `leases`, and each
 *   shard in `layout-2/<xx>/<id>` with a version-2 header): listed as the
 *   recorded ids, sizes, owners, renewers, times and leases, every shard
 *   read back verified, the lost id remembered, an audit of the shard of
 *   three groups answered from its outboard, and nothing on disk changed by
 *   opening it.
 * - fs-store-v1.json, layout 1 (`<xx>/<id>`, the owner in a `.meta` beside
 *   each shard, written by the last build of that layout): migrated on
 *   open to the same records (each with the legacy lease from that open),
 *   and to exactly the layout-2 sample's files of those shards, leaving no
 *   folder where a layout-1 build looks.
 * Node only: the store lives on a file system.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { computeOutboard, verifyGroups } from '../../src/core/blake3-tree.ts'
import { initBlake3, parseShardCid, shardCid } from '../../src/core/hash.ts'
import { encodeShardHeader, LAYOUT_FILE, LEASE_FILE, parseShardHeader } from '../../src/store/fs-format.ts'
import { decodeLeaseFile } from '../../src/store/fs-leases.ts'
import { openFsStore } from '../../src/store/fs.ts'
import { legacyLeaseUntil } from '../../src/store/lease.ts'
import type { ShardRecord, ShardStore } from '../../src/store/types.ts'
import { fromBase64, toBase64, toHex } from '../fixtures/formats/samples.ts'
import v1 from '../fixtures/formats/fs-store-v1.json'
import v2 from '../fixtures/formats/fs-store-v2.json'
import manifests from '../fixtures/formats/manifest-v1.json'

await initBlake3()

interface SampleFile { path: string, base64: string, mtimeMs: number }
interface SampleRecord { id: string, size: number, owner?: string, storedAt: number, leaseUntil?: number, renewer?: string }

const CREATED = Date.UTC(2026, 0, 1)
const manifestShards = manifests.files[0]?.shardsBase64 as unknown as Record<string, string>
/** the layout-2 sample's shard of three groups: byte i is i mod 251 */
const pattern = Uint8Array.from({ length: v2.patternShard.size }, (_, i) => i % 251)
const shardBytes = (id: string): Uint8Array => id === v2.patternShard.id ? pattern : fromBase64(manifestShards[id] ?? '')
const records2 = v2.records as SampleRecord[]
let dir: string

beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'datamesh-frozen-fs-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

async function writeSample (files: SampleFile[]): Promise<void> {
  for (const f of files) {
    const path = join(dir, ...f.path.split('/'))
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, fromBase64(f.base64))
    await utimes(path, f.mtimeMs / 1000, f.mtimeMs / 1000)
  }
}

async function tree (at = dir): Promise<SampleFile[]> {
  const out: SampleFile[] = []
  for (const e of await readdir(at, { withFileTypes: true })) {
    const path = join(at, e.name)
    if (e.isDirectory()) { out.push(...await tree(path)); continue }
    out.push({ path: relative(dir, path).split('\\').join('/'), base64: toBase64(await readFile(path)), mtimeMs: Math.round((await stat(path)).mtimeMs) })
  }
  return out.sort((a, b) => a.path < b.path ? -1 : 1)
}

async function open (now: number): Promise<ShardStore> {
  return await openFsStore({ root: dir, quota: Number.POSITIVE_INFINITY, durable: false, now: () => now })
}

async function records (store: ShardStore): Promise<SampleRecord[]> {
  const out: ShardRecord[] = []
  for await (const r of store.entries()) out.push(r)
  return out.sort((a, b) => a.id < b.id ? -1 : 1)
}

const withoutLease = (r: SampleRecord): SampleRecord => ({ id: r.id, size: r.size, ...(r.owner !== undefined ? { owner: r.owner } : {}), storedAt: r.storedAt })

/** Today's store lists the recorded records and reads back every shard's bytes (verified against its id). */
async function expectRecorded (store: ShardStore, recorded: SampleRecord[]): Promise<void> {
  expect(await records(store)).toEqual(recorded)
  for (const r of recorded) expect(toBase64(await store.get(r.id)), r.id).toBe(toBase64(shardBytes(r.id)))
  const owners = new Map<string, number>()
  for (const { owner } of recorded) if (owner !== undefined) owners.set(owner, (owners.get(owner) ?? 0) + 1)
  expect(owners.size).toBe(2)
  for (const [owner, count] of owners) expect((await store.ownerUsage(owner)).count, owner).toBe(count)
}

const v1Ids = new Set(v1.records.map(r => r.id))

describe('frozen filesystem shard folder, layout 2 (v2)', () => {
  it('opens to the recorded records, leases, loss and shards, answers an audit, and opening changes nothing on disk', async () => {
    await writeSample(v2.files)
    const store = await open(CREATED + 10 * 60_000)
    await expectRecorded(store, records2)
    expect(await store.lost(v2.lost[0]?.id ?? '')).toEqual(v2.lost[0])
    const proof = await store.proof(v2.patternShard.id, [0, 2])
    expect(verifyGroups(parseShardCid(v2.patternShard.id).multihash.digest, v2.patternShard.size, proof.groups, proof.siblings)).toBe(true)
    await store.close()
    expect(await tree()).toEqual(v2.files)
  })

  it('each shard file is today\'s version-2 header (labels, size, outboard) followed by the shard\'s bytes', () => {
    expect(shardCid(pattern).toString()).toBe(v2.patternShard.id)
    expect(computeOutboard(pattern).byteLength).toBe(3 * 32)
    for (const r of records2) {
      const file = fromBase64(v2.files.find(f => f.path.endsWith(`/${r.id}`))?.base64 ?? '')
      const bytes = shardBytes(r.id)
      expect(parseShardHeader(file), r.id).toMatchObject({ version: 2, size: r.size, ...(r.owner !== undefined ? { owner: r.owner } : {}), ...(r.renewer !== undefined ? { renewer: r.renewer } : {}) })
      const header = encodeShardHeader({ owner: r.owner, renewer: r.renewer, size: bytes.byteLength, outboard: computeOutboard(bytes) })
      expect(toHex(file), r.id).toBe(toHex(new Uint8Array([...header, ...bytes])))
    }
    expect(records2.some(r => r.renewer !== undefined)).toBe(true)
    expect(new TextDecoder().decode(fromBase64(v2.files.find(f => f.path === LAYOUT_FILE)?.base64 ?? ''))).toBe('{"layout":2}\n')
  })

  it('keeps each shard\'s lease and the lost id in the lease file', () => {
    const leases = decodeLeaseFile(fromBase64(v2.files.find(f => f.path === LEASE_FILE)?.base64 ?? ''))
    expect(leases).toEqual({ leases: new Map(records2.map(r => [r.id, r.leaseUntil])), lost: v2.lost })
    expect(v2.lost.map(l => l.id).some(id => records2.some(r => r.id === id))).toBe(false)
  })

  it('keeps every shard file under layout-2/, away from the folders a layout-1 build scans', () => {
    expect(v2.files.map(f => f.path).sort()).toEqual([LAYOUT_FILE, LEASE_FILE, ...records2.map(r => `layout-2/${r.id.slice(8, 10)}/${r.id}`)].sort())
  })
})

describe('frozen filesystem shard folder, layout 1 (v1)', () => {
  it('holds four of the layout-2 sample\'s shards: the same records', () => {
    expect(v1.records).toEqual(records2.filter(r => v1Ids.has(r.id)).map(withoutLease))
    expect(v1.records.length).toBe(4)
    expect(v1.files.some(f => f.path.endsWith('.meta'))).toBe(true)
    expect(v1.files.some(f => f.path === LAYOUT_FILE)).toBe(false)
  })

  it('is migrated on open to the recorded records with the legacy lease, and to the layout-2 sample\'s files byte for byte', async () => {
    await writeSample(v1.files)
    const now = Date.UTC(2027, 3, 4)
    const store = await open(now)
    const migrated = v1.records.map(r => ({ ...r, leaseUntil: legacyLeaseUntil(r.storedAt, now) }))
    await expectRecorded(store, migrated)
    await store.close()
    const files = await tree()
    const ofShards = (list: SampleFile[]): SampleFile[] => list.filter(f => f.path.startsWith('layout-2/') && v1Ids.has(f.path.split('/').pop() ?? ''))
    expect(ofShards(files)).toEqual(ofShards(v2.files))
    expect(files.find(f => f.path === LAYOUT_FILE)?.base64).toBe(v2.files.find(f => f.path === LAYOUT_FILE)?.base64)
    expect(decodeLeaseFile(fromBase64(files.find(f => f.path === LEASE_FILE)?.base64 ?? ''))).toEqual({ leases: new Map(migrated.map(r => [r.id, r.leaseUntil])), lost: [] })
    expect(files.map(f => f.path).sort()).toEqual([LAYOUT_FILE, LEASE_FILE, ...ofShards(v2.files).map(f => f.path)].sort())
    expect((await readdir(dir)).sort()).toEqual([LAYOUT_FILE, 'layout-2', LEASE_FILE])
    const again = await open(now + 1000)
    expect(await records(again)).toEqual(migrated)
    await again.close()
  })
})
