/**
 * Filesystem shard store (Node only): content-addressed files under a root,
 * one file per shard holding a header (owner and renewer labels, size,
 * outboard) and the shard's bytes, in `<root>/layout-2/<xx>/<id>`, and one
 * lease file per root (./fs-leases.ts). The layout and the header are
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
 * - A file whose header does not parse (or whose length disagrees with it)
 *   is listed (with its whole length) and reported corrupt when read, so the
 *   store removes it; one of a newer header version is left alone (not
 *   listed); the BLAKE3 id is checked over the bytes after the
 *   header on every read.
 * - Range reads and audits open the file once and read its header prefix,
 *   then only the outboard and the ranges asked for.
 * - A header-1 file (no renewer, no outboard) gets its outboard the first
 *   time it is needed: the store passes the verified bytes, and the file is
 *   replaced whole by a header-2 file with the same bytes, labels and mtime
 *   (staged, fsynced, renamed over it, folder fsynced). A rename replaces a
 *   file atomically, so a crash leaves the old file or the new one, never
 *   neither; staged files are removed on open. Layout 2 has never been read
 *   by a released build, so no older build sees a header-2 file.
 * - A full disk (ENOSPC, EDQUOT) surfaces as QuotaExceededError.
 */
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { outboardBytes } from '../core/blake3-tree.ts'
import { CorruptShardError, InvalidParametersError, QuotaExceededError } from '../core/errors.ts'
import {
  encodeShardHeader, ensureDirs, errorCode, FOLDER_RE, forEachLimit, isCanonicalId, isNewerShardFile, LAYOUT_DIR, MAX_PREFIX_BYTES, parseShardHeader,
  readLayout, removeLayoutLeftovers, shardFolder, shardPath, shardTree, syncDir, TMP_SUFFIX, tmpPath, unlinkQuietly, writeLayout, writeStaged,
  type ShardHeader
} from './fs-format.ts'
import { LeaseBook } from './fs-leases.ts'
import { migrateLayout1 } from './fs-migrate.ts'
import type { ByteRange, LostShard, MediumState, ShardMedium, ShardParts, ShardRecord, ShardStore, StoreOptions } from './types.ts'
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
  readonly #leases: LeaseBook

  constructor (root: string, durable: boolean) {
    this.#root = root
    this.#durable = durable
    this.#leases = new LeaseBook(root, durable)
  }

  async load (now: number): Promise<MediumState> {
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
    const { lost } = await this.#leases.load(records, now)
    return { records, lost }
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

  async readParts (id: string, ranges: readonly ByteRange[], options: { outboard: boolean }): Promise<ShardParts | undefined> {
    let fh
    try {
      fh = await open(shardPath(this.#root, id), 'r')
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined
      throw err
    }
    try {
      const fileBytes = (await fh.stat()).size
      const header = parseShardHeader(await readAt(fh, 0, Math.min(fileBytes, MAX_PREFIX_BYTES)), fileBytes)
      if (header === undefined) throw new CorruptShardError('The shard file has no valid header', { id })
      const result: ShardParts = { size: header.size, parts: [] }
      if (options.outboard && header.outboardOffset !== undefined) {
        result.outboard = await readAt(fh, header.outboardOffset, outboardBytes(header.size))
      }
      for (const { offset, length } of ranges) {
        if (offset + length > header.size) throw new CorruptShardError('The shard file is shorter than its record', { id })
        result.parts.push(await readAt(fh, header.headerBytes + offset, length))
      }
      return result
    } finally {
      await fh.close()
    }
  }

  async write (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array, outboard: Uint8Array }>): Promise<void> {
    const tree = shardTree(this.#root)
    const staged: Staged[] = batch.map(({ record }) => ({ record, tmp: tmpPath(join(tree, shardFolder(record.id)), record.id) }))
    const committed: string[] = []
    try {
      await ensureDirs(tree, staged.map(s => shardFolder(s.record.id)), this.#durable)
      await forEachLimit(batch, STAGING_PARALLELISM, async ({ record, bytes, outboard }, i) => {
        const header = encodeShardHeader({ owner: record.owner, renewer: record.renewer, size: bytes.byteLength, outboard })
        await writeStaged((staged[i] as Staged).tmp, [header, bytes], record.storedAt, this.#durable)
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
        await this.#unlink(committed)
        await forEachLimit(staged.map(s => s.tmp), STAGING_PARALLELISM, unlinkQuietly)
      } catch { /* leftovers are staging files, removed on the next open */ }
      throw mapDiskError(err)
    }
    // not waited for: until saved, a crash leaves these shards the legacy lease, never a shorter one (./fs-leases.ts)
    for (const { record } of batch) this.#leases.set(record.id, record.leaseUntil)
    this.#leases.saveLater()
  }

  async keepOutboard (record: ShardRecord, outboard: Uint8Array, bytes: Uint8Array): Promise<void> {
    const dir = join(shardTree(this.#root), shardFolder(record.id))
    const tmp = tmpPath(dir, record.id)
    try {
      const header = encodeShardHeader({ owner: record.owner, renewer: record.renewer, size: bytes.byteLength, outboard })
      await writeStaged(tmp, [header, bytes], record.storedAt, this.#durable)
      await rename(tmp, shardPath(this.#root, record.id)) // replaces the header-1 file whole
      if (this.#durable) await syncDir(dir)
    } catch (err) {
      await unlinkQuietly(tmp).catch(() => {})
      throw mapDiskError(err)
    }
  }

  async remove (ids: readonly string[]): Promise<void> {
    await this.#unlink(ids)
    for (const id of ids) this.#leases.delete(id)
    this.#leases.saveLater() // an entry left for a removed shard is dropped on the next open
  }

  async #unlink (ids: readonly string[]): Promise<void> {
    for (const id of ids) await unlinkQuietly(shardPath(this.#root, id))
  }

  async setLeases (leases: ReadonlyArray<{ id: string, leaseUntil: number }>): Promise<void> {
    const before = leases.map(({ id }) => [id, this.#leases.get(id)] as const)
    for (const { id, leaseUntil } of leases) this.#leases.set(id, leaseUntil)
    try {
      await this.#leases.save({ sync: true }) // a renewal counts once it is on disk
    } catch (err) {
      for (const [id, until] of before) if (until !== undefined) this.#leases.set(id, until)
      throw mapDiskError(err)
    }
  }

  async setLost (lost: readonly LostShard[]): Promise<void> {
    this.#leases.setLost(lost)
    this.#leases.saveLater()
  }

  async close (): Promise<void> {
    try {
      await this.#leases.flush()
    } catch { /* what is unsaved falls back to the legacy lease on the next open, never a shorter one */ }
  }
}

/** `length` bytes of an open file from `position` (fewer only at its end). */
async function readAt (fh: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done)
    if (bytesRead === 0) return buf.subarray(0, done)
    done += bytesRead
  }
  return buf
}

/** A shard file's record from its header, size and mtime (undefined when it is not a regular file); its lease comes from the lease file. */
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
    const head = await readAt(fh, 0, Math.min(info.size, MAX_PREFIX_BYTES))
    if (isNewerShardFile(head)) return undefined // a newer build's: left alone
    const header: ShardHeader | undefined = parseShardHeader(head, info.size)
    const storedAt = Math.round(info.mtimeMs)
    // no valid header: listed whole, so that the first read reports it corrupt and the store removes it
    if (header === undefined) return { id, size: info.size, storedAt, leaseUntil: Number.NaN }
    const record: ShardRecord = { id, size: header.size, storedAt, leaseUntil: Number.NaN }
    if (header.owner !== undefined) record.owner = header.owner
    if (header.renewer !== undefined) record.renewer = header.renewer
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
