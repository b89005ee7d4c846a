/**
 * Frozen samples: shard folders of the filesystem store, written out byte
 * for byte (with each file's mtime, a shard's `storedAt`) into a temporary
 * folder and opened with today's openFsStore.
 * - fs-store-v2.json, layout 2 (written by an earlier build of this
 *   layout: `layout`, and each shard in `layout-2/<xx>/<id>`): listed as
 *   the recorded ids, sizes, owners and times, every shard read back
 *   verified, and nothing on disk changed by opening it.
 * - fs-store-v1.json, layout 1 (`<xx>/<id>`, the owner in a `.meta` beside
 *   each shard, written by the last build of that layout): migrated on
 *   open to the same records, and to exactly the files of the layout-2
 *   sample, which holds the same shards for the same owners, leaving no
 *   folder where a layout-1 build looks.
 * Node only: the store lives on a file system.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { initBlake3 } from '../../src/core/hash.ts'
import { encodeShardHeader, LAYOUT_FILE, parseShardHeader } from '../../src/store/fs-format.ts'
import { openFsStore } from '../../src/store/fs.ts'
import type { ShardRecord, ShardStore } from '../../src/store/types.ts'
import { fromBase64, toBase64, toHex } from '../fixtures/formats/samples.ts'
import v1 from '../fixtures/formats/fs-store-v1.json'
import v2 from '../fixtures/formats/fs-store-v2.json'
import manifests from '../fixtures/formats/manifest-v1.json'

await initBlake3()

interface SampleFile { path: string, base64: string, mtimeMs: number }

const shards = manifests.files[0]?.shardsBase64 as unknown as Record<string, string>
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

async function open (): Promise<ShardStore> {
  return await openFsStore({ root: dir, quota: Number.POSITIVE_INFINITY, durable: false })
}

async function records (store: ShardStore): Promise<unknown[]> {
  const out: ShardRecord[] = []
  for await (const r of store.entries()) out.push(r)
  return out.map(r => ({ id: r.id, size: r.size, ...(r.owner !== undefined ? { owner: r.owner } : {}), storedAt: r.storedAt }))
    .sort((a, b) => a.id < b.id ? -1 : 1)
}

/** Today's store lists the recorded records and reads back every shard's bytes (verified against its id). */
async function expectRecorded (store: ShardStore, recorded: Array<{ id: string, size: number, owner?: string, storedAt: number }>): Promise<void> {
  expect(await records(store)).toEqual(recorded)
  for (const r of recorded) expect(toBase64(await store.get(r.id)), r.id).toBe(shards[r.id])
  const owners = new Map<string, number>()
  for (const { owner } of recorded) if (owner !== undefined) owners.set(owner, (owners.get(owner) ?? 0) + 1)
  expect(owners.size).toBe(2)
  for (const [owner, count] of owners) expect((await store.ownerUsage(owner)).count, owner).toBe(count)
}

describe('frozen filesystem shard folder, layout 2 (v2)', () => {
  it('opens to the recorded records and shards, and opening changes nothing on disk', async () => {
    await writeSample(v2.files)
    const store = await open()
    await expectRecorded(store, v2.records)
    await store.close()
    expect(await tree()).toEqual(v2.files)
  })

  it('each shard file is today\'s header for its owner followed by the shard\'s bytes', () => {
    for (const r of v2.records) {
      const file = fromBase64(v2.files.find(f => f.path.endsWith(`/${r.id}`))?.base64 ?? '')
      const owner = 'owner' in r ? r.owner : undefined
      expect(parseShardHeader(file)?.owner, r.id).toBe(owner)
      expect(toHex(file), r.id).toBe(toHex(new Uint8Array([...encodeShardHeader(owner), ...fromBase64(shards[r.id] ?? '')])))
    }
    expect(new TextDecoder().decode(fromBase64(v2.files.find(f => f.path === LAYOUT_FILE)?.base64 ?? ''))).toBe('{"layout":2}\n')
  })

  it('keeps every shard file under layout-2/, away from the folders a layout-1 build scans', () => {
    expect(v2.files.map(f => f.path).sort()).toEqual([LAYOUT_FILE, ...v2.records.map(r => `layout-2/${r.id.slice(8, 10)}/${r.id}`)].sort())
  })
})

describe('frozen filesystem shard folder, layout 1 (v1)', () => {
  it('holds the layout-2 sample\'s shards: the same records', () => {
    expect(v1.records).toEqual(v2.records)
    expect(v1.files.some(f => f.path.endsWith('.meta'))).toBe(true)
    expect(v1.files.some(f => f.path === LAYOUT_FILE)).toBe(false)
  })

  it('is migrated on open to the recorded records, and to the layout-2 sample\'s files byte for byte', async () => {
    await writeSample(v1.files)
    const store = await open()
    await expectRecorded(store, v1.records)
    await store.close()
    const layout = (files: SampleFile[]): SampleFile[] => files.map(f => f.path === LAYOUT_FILE ? { ...f, mtimeMs: 0 } : f)
    expect(layout(await tree())).toEqual(layout(v2.files))
    expect((await readdir(dir)).sort()).toEqual([LAYOUT_FILE, 'layout-2'])
    const again = await open()
    expect(await records(again)).toEqual(v1.records)
    await again.close()
  })
})
