/**
 * Filesystem shard store (Node only): content-addressed files under a root,
 * one file per shard holding a small header (the owner) and the shard's
 * bytes, in `<root>/layout-2/<xx>/<id>`. The layout and the header are
 * specified in ./fs-format.ts. `<xx>` is characters 8–9 of the id: the
 * first ones past the constant CIDv1/raw/BLAKE3 header ("bafkr4i" + one
 * mixed character), so the 1,024 folders fill evenly. A shard file's mtime
 * is its `storedAt`.
 *
 * Invariants:
 * - A shard file appears only by `rename` of a complete (and, when `durable`,
 *   fsynced) staging file, so no half-written shard is ever visible; a shard
 *   costs one file and one fsync, and a batch one fsync per folder it touched
 *   (and one of `layout-2/` when it made a folder there).
 * - A batch stages every file before renaming any; if a rename fails, the
 *   shards already renamed are unlinked again (all or nothing).
 * - On open: a root whose `layout` file names a newer layout is refused
 *   (UnsupportedVersionError) before anything is changed; otherwise
 *   `layout` is written if missing, and shards still in layout 1 (earlier
 *   versions, or one run after a downgrade: `<root>/<xx>/`) are moved into
 *   layout 2 (./fs-migrate.ts); staging leftovers are removed. Usage is
 *   then rebuilt by reading every shard's header; one process at a time
 *   may open a root (no cross-process lock is taken).
 * - Nothing is ever written where a layout-1 build looks, so a downgraded
 *   build sees only what is still in layout 1 and deletes nothing of layout 2.
 * - A file whose header does not parse is listed (with its whole length) and
 *   reported corrupt when read, so the store removes it; the BLAKE3 id is
 *   checked over the bytes after the header on every read.
 * - A full disk (ENOSPC, EDQUOT) surfaces as QuotaExceededError.
 */
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { CorruptShardError, InvalidParametersError, QuotaExceededError } from '../core/errors.ts'
import {
  encodeShardHeader, ensureDirs, errorCode, FOLDER_RE, forEachLimit, isCanonicalId, LAYOUT_DIR, MAX_HEADER_BYTES, parseShardHeader,
  readLayout, removeLayoutLeftovers, shardFolder, shardPath, shardTree, syncDir, TMP_SUFFIX, tmpPath, unlinkQuietly, writeLayout, writeStaged
} from './fs-format.ts'
import { migrateLayout1 } from './fs-migrate.ts'
import type { ShardMedium, ShardRecord, ShardStore, StoreOptions } from './types.ts'
import { openVerifiedStore } from './verified-store.ts'

export { shardFolder, shardPath, shardTree } from './fs-format.ts'

export interface FsStoreOptions extends StoreOptions {
  /** directory holding the shards; created if missing */
  root: string
  /** fsync files and folders before a write counts as done (default true) */
  durable?: boolean
}

/** files handled at once while staging or scanning (keeps clear of EMFILE) */
const STAGING_PARALLELISM = 16

/** Open (or create) a filesystem store; migrates an earlier layout, then scans `root` to rebuild usage. */
export async function openFsStore (options: FsStoreOptions): Promise<ShardStore> {
  if (typeof options.root !== 'string' || options.root === '') {
    throw new InvalidParametersError('root must be a directory path', { root: options.root })
  }
  return await openVerifiedStore(new FsMedium(options.root, options.durable ?? true), options)
}

interface Staged {
  record: ShardRecord
  tmp: string
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
    // refuses a newer layout before anything changes; a new root, or one only layout 1 wrote, is marked first
    if (await readLayout(this.#root) === undefined) await writeLayout(this.#root, this.#durable)
    await removeLayoutLeftovers(this.#root)
    const tree = shardTree(this.#root)
    try {
      await ensureDirs(this.#root, [LAYOUT_DIR], this.#durable)
      // every open: shards a layout-1 build stored (before an upgrade, or after a downgrade) join layout 2
      await migrateLayout1(this.#root, this.#durable)
    } catch (err) {
      throw mapDiskError(err)
    }
    const folders = (await readdir(tree, { withFileTypes: true }))
      .filter(d => d.isDirectory() && FOLDER_RE.test(d.name))
      .map(d => d.name)
    const records: ShardRecord[] = []
    await forEachLimit(folders, STAGING_PARALLELISM, async folder => { records.push(...await this.#loadFolder(folder)) })
    return records
  }

  async #loadFolder (folder: string): Promise<ShardRecord[]> {
    const dir = join(shardTree(this.#root), folder)
    const records: ShardRecord[] = []
    await forEachLimit(await readdir(dir), STAGING_PARALLELISM, async name => {
      if (name.endsWith(TMP_SUFFIX)) { await unlinkQuietly(join(dir, name)); return } // staging leftovers
      if (!isCanonicalId(name) || shardFolder(name) !== folder) return // not ours: leave it alone
      const record = await readRecord(join(dir, name), name)
      if (record !== undefined) records.push(record)
    })
    return records
  }

  async read (id: string): Promise<Uint8Array | undefined> {
    let buf: Buffer
    try {
      buf = await readFile(shardPath(this.#root, id))
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined
      throw err
    }
    const file = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    const header = parseShardHeader(file)
    if (header === undefined) throw new CorruptShardError('The shard file has no valid header', { id })
    return file.subarray(header.headerBytes)
  }

  async write (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array }>): Promise<void> {
    const tree = shardTree(this.#root)
    const staged: Staged[] = batch.map(({ record }) => ({ record, tmp: tmpPath(join(tree, shardFolder(record.id)), record.id) }))
    const committed: string[] = []
    try {
      await ensureDirs(tree, staged.map(s => shardFolder(s.record.id)), this.#durable)
      await forEachLimit(batch, STAGING_PARALLELISM, async ({ record, bytes }, i) => {
        await writeStaged((staged[i] as Staged).tmp, [encodeShardHeader(record.owner), bytes], record.storedAt, this.#durable)
      })
      for (const s of staged) {
        committed.push(s.record.id)
        await rename(s.tmp, shardPath(this.#root, s.record.id))
      }
      if (this.#durable) {
        const folders = [...new Set(staged.map(s => shardFolder(s.record.id)))]
        await forEachLimit(folders, STAGING_PARALLELISM, async f => { await syncDir(join(tree, f)) })
      }
    } catch (err) {
      try {
        await this.remove(committed)
        await forEachLimit(staged.map(s => s.tmp), STAGING_PARALLELISM, unlinkQuietly)
      } catch { /* leftovers are staging files, removed on the next open */ }
      throw mapDiskError(err)
    }
  }

  async remove (ids: readonly string[]): Promise<void> {
    for (const id of ids) await unlinkQuietly(shardPath(this.#root, id))
  }

  async close (): Promise<void> {}
}

/** A shard file's record from its header, size and mtime (undefined when it is not a regular file). */
async function readRecord (path: string, id: string): Promise<ShardRecord | undefined> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'EISDIR') return undefined
    throw err
  }
  try {
    const info = await fh.stat()
    if (!info.isFile()) return undefined
    const head = new Uint8Array(Math.min(info.size, MAX_HEADER_BYTES))
    const { bytesRead } = await fh.read(head, 0, head.byteLength, 0)
    const header = parseShardHeader(head.subarray(0, bytesRead))
    const storedAt = Math.round(info.mtimeMs)
    // no valid header: listed whole, so that the first read reports it corrupt and the store removes it
    if (header === undefined) return { id, size: info.size, storedAt }
    const record: ShardRecord = { id, size: info.size - header.headerBytes, storedAt }
    if (header.owner !== undefined) record.owner = header.owner
    return record
  } finally {
    await fh.close()
  }
}

function mapDiskError (err: unknown): unknown {
  const code = errorCode(err)
  if (code === 'ENOSPC' || code === 'EDQUOT') return new QuotaExceededError('The disk is full', { code })
  return err
}
