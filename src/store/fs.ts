/**
 * Filesystem shard store (Node only): content-addressed files under a root.
 *
 * Layout (version 1):
 *   <root>/<xx>/<id>                  the shard's bytes, nothing else
 *   <root>/<xx>/<id>.meta             {"v":1,"owner":"..."} when stored with an owner
 *   <root>/<xx>/.<id>.<random>.tmp    staging files, removed on open
 * `<xx>` is characters 8–9 of the id: the first ones past the constant
 * CIDv1/raw/BLAKE3 header ("bafkr4i" + one mixed character), so the 1,024
 * folders fill evenly. A shard's mtime is its `storedAt`.
 *
 * Invariants:
 * - A shard file appears only by `rename` of a complete (and, when `durable`,
 *   fsynced) staging file, so no half-written shard is ever visible. Its
 *   `.meta` is renamed into place first and removed last; an orphan `.meta`
 *   is deleted on open.
 * - A batch stages every file before renaming any; if a rename fails, the
 *   shards already renamed are unlinked again (all or nothing).
 * - Usage is recomputed on open by scanning the folders; one process at a time
 *   may open a root (no cross-process lock is taken).
 * - A full disk (ENOSPC, EDQUOT) surfaces as QuotaExceededError.
 */
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { InvalidParametersError, QuotaExceededError } from '../core/errors.ts'
import { parseShardCid } from '../core/hash.ts'
import type { ShardMedium, ShardRecord, ShardStore, StoreOptions } from './types.ts'
import { openVerifiedStore } from './verified-store.ts'

export interface FsStoreOptions extends StoreOptions {
  /** directory holding the shards; created if missing */
  root: string
  /** fsync files and folders before a write counts as done (default true) */
  durable?: boolean
}

const META_SUFFIX = '.meta'
const TMP_SUFFIX = '.tmp'
const FOLDER_RE = /^[a-z2-7]{2}$/
/** files handled at once while staging or scanning (keeps clear of EMFILE) */
const STAGING_PARALLELISM = 16

/** Open (or create) a filesystem store; scans `root` to rebuild usage. */
export async function openFsStore (options: FsStoreOptions): Promise<ShardStore> {
  if (typeof options.root !== 'string' || options.root === '') {
    throw new InvalidParametersError('root must be a directory path', { root: options.root })
  }
  return await openVerifiedStore(new FsMedium(options.root, options.durable ?? true), options)
}

/** Folder of a canonical shard id, relative to the root. */
export function shardFolder (id: string): string {
  return id.slice(8, 10)
}

/** Where the bytes of a canonical shard id live. */
export function shardPath (root: string, id: string): string {
  return join(root, shardFolder(id), id)
}

interface Staged {
  record: ShardRecord
  shardTmp: string
  metaTmp?: string
}

class FsMedium implements ShardMedium {
  readonly #root: string
  readonly #durable: boolean

  constructor (root: string, durable: boolean) {
    this.#root = root
    this.#durable = durable
  }

  async load (): Promise<ShardRecord[]> {
    await mkdir(this.#root, { recursive: true })
    const folders = (await readdir(this.#root, { withFileTypes: true }))
      .filter(d => d.isDirectory() && FOLDER_RE.test(d.name))
    const records: ShardRecord[] = []
    await forEachLimit(folders, STAGING_PARALLELISM, async d => { records.push(...await this.#loadFolder(d.name)) })
    return records
  }

  async #loadFolder (folder: string): Promise<ShardRecord[]> {
    const dir = join(this.#root, folder)
    const names = new Set(await readdir(dir))
    const records: ShardRecord[] = []
    await forEachLimit([...names], STAGING_PARALLELISM, async name => {
      if (name.endsWith(TMP_SUFFIX)) { await unlinkQuietly(join(dir, name)); return }
      if (name.endsWith(META_SUFFIX)) {
        if (!names.has(name.slice(0, -META_SUFFIX.length))) await unlinkQuietly(join(dir, name))
        return
      }
      if (!isCanonicalId(name) || shardFolder(name) !== folder) return // not ours: leave it alone
      const info = await stat(join(dir, name))
      if (!info.isFile()) return
      const record: ShardRecord = { id: name, size: info.size, storedAt: Math.round(info.mtimeMs) }
      if (names.has(name + META_SUFFIX)) {
        const owner = await readOwner(join(dir, name + META_SUFFIX))
        if (owner !== undefined) record.owner = owner
      }
      records.push(record)
    })
    return records
  }

  async read (id: string): Promise<Uint8Array | undefined> {
    try {
      const buf = await readFile(shardPath(this.#root, id))
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined
      throw err
    }
  }

  async write (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array }>): Promise<void> {
    const staged: Staged[] = batch.map(({ record }) => {
      const dir = join(this.#root, shardFolder(record.id))
      const s: Staged = { record, shardTmp: tmpPath(dir, record.id) }
      if (record.owner !== undefined) s.metaTmp = tmpPath(dir, record.id + META_SUFFIX)
      return s
    })
    const committed: string[] = []
    try {
      await forEachLimit(batch, STAGING_PARALLELISM, async ({ record, bytes }, i) => {
        const s = staged[i] as Staged
        await mkdir(join(this.#root, shardFolder(record.id)), { recursive: true })
        if (s.metaTmp !== undefined) {
          await this.#writeFile(s.metaTmp, new TextEncoder().encode(JSON.stringify({ v: 1, owner: record.owner })), record.storedAt)
        }
        await this.#writeFile(s.shardTmp, bytes, record.storedAt)
      })
      for (const s of staged) {
        const path = shardPath(this.#root, s.record.id)
        if (s.metaTmp !== undefined) await rename(s.metaTmp, path + META_SUFFIX)
        committed.push(s.record.id)
        await rename(s.shardTmp, path)
      }
      if (this.#durable) {
        const folders = [...new Set(staged.map(s => shardFolder(s.record.id)))]
        await forEachLimit(folders, STAGING_PARALLELISM, async f => { await syncDir(join(this.#root, f)) })
      }
    } catch (err) {
      try {
        await this.remove(committed)
        await forEachLimit(staged.flatMap(s => s.metaTmp === undefined ? [s.shardTmp] : [s.shardTmp, s.metaTmp]), STAGING_PARALLELISM, unlinkQuietly)
      } catch { /* leftovers are staging files, removed on the next open */ }
      throw mapDiskError(err)
    }
  }

  async #writeFile (path: string, bytes: Uint8Array, storedAt: number): Promise<void> {
    const fh = await open(path, 'wx')
    try {
      await fh.writeFile(bytes)
      await fh.utimes(storedAt / 1000, storedAt / 1000)
      if (this.#durable) await fh.datasync()
    } finally {
      await fh.close()
    }
  }

  async remove (ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const path = shardPath(this.#root, id)
      await unlinkQuietly(path)
      await unlinkQuietly(path + META_SUFFIX)
    }
  }

  async close (): Promise<void> {}
}

/** Run `fn` over `items` with at most `limit` calls in flight; waits for all, then throws the first error. */
async function forEachLimit<T> (items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { err: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const i = next++
      try {
        await fn(items[i] as T, i)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure !== undefined) throw failure.err
}

function isCanonicalId (name: string): boolean {
  try {
    return parseShardCid(name).toString() === name
  } catch {
    return false
  }
}

async function readOwner (path: string): Promise<string | undefined> {
  try {
    const meta: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (typeof meta === 'object' && meta !== null && (meta as { v?: unknown }).v === 1) {
      const owner = (meta as { owner?: unknown }).owner
      if (typeof owner === 'string' && owner !== '') return owner
    }
  } catch { /* unreadable metadata: the shard is kept without an owner */ }
  return undefined
}

function tmpPath (dir: string, name: string): string {
  return join(dir, `.${name}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`)
}

async function syncDir (dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r')
    try { await fh.sync() } finally { await fh.close() }
  } catch { /* some platforms cannot fsync a folder; the rename is still atomic */ }
}

async function unlinkQuietly (path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err
  }
}

function errorCode (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined
}

function mapDiskError (err: unknown): unknown {
  const code = errorCode(err)
  if (code === 'ENOSPC' || code === 'EDQUOT') return new QuotaExceededError('The disk is full', { code })
  return err
}
