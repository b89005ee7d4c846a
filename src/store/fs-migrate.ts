/**
 * Migration of a filesystem shard folder from layout 1 (the bytes in
 * `<root>/<xx>/<id>`, the owner in `<id>.meta` beside it) to layout 2 (one
 * file per shard in `<root>/layout-2/<xx>/`, the owner in its header): see
 * ./fs-format.ts for both.
 *
 * Shards are moved into the layout-2 tree, never rewritten where they lie:
 * a layout-1 build (after a downgrade) scans only the layout-1 folders, so
 * it finds the shards not moved yet, intact, and never a layout-2 file
 * (whose bytes, header included, would not hash to its name, so it would
 * delete it as corrupt). The migration runs on every open that finds a
 * layout-1 folder, so shards a downgraded build stored are moved by the
 * next open of a layout-2 build.
 *
 * One layout-1 folder is one batch:
 * 1. its staging leftovers, and `.meta` files whose shard is gone, are removed;
 * 2. each shard (a regular file named by a canonical id of that folder) is
 *    written to a staging file in `layout-2/<xx>/` (a version-2 header
 *    naming the owner of its `.meta`, with the outboard of its bytes, then
 *    its bytes; its mtime, the shard's `storedAt`, kept), fsynced and
 *    renamed into place: one file and one fsync per shard. Its lease is
 *    the legacy one (./lease.ts), given when the store loads it. An id already there (a move cut short, or a shard
 *    stored again while downgraded) keeps its layout-2 copy when that
 *    verifies (a header, then bytes hashing to the id); otherwise the
 *    layout-1 copy replaces it;
 * 3. `layout-2/<xx>/` is fsynced, and only then are the layout-1 files and
 *    their `.meta` removed, and the old folder if that empties it. These
 *    removals are not fsynced: a layout-1 copy that reappears after a
 *    crash is found again by the next open, and its layout-2 copy wins.
 * The `layout-2/<xx>/` folders are made first, with one fsync of `layout-2/`.
 * Cut short anywhere, a migration leaves every shard whole in one tree or
 * both, and the next open finishes it; a layout-1 build opened in between
 * sees only the shards still in layout 1. Staging in layout 2 is invisible
 * (the store removes it on open). Layout-1 files are moved without being
 * judged: a damaged one becomes a layout-2 file whose bytes do not hash to
 * its id, which the store reports corrupt and removes on its first read or
 * scrub. Files that are not shards are left alone, and with them their folder.
 * Extra disk taken while migrating: one folder's shards (about 1/1,024 of the store).
 */
import { lstat, open, readdir, readFile, rename, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { computeOutboard } from '../core/blake3-tree.ts'
import { matchesCid, parseShardCid } from '../core/hash.ts'
import {
  encodeShardHeader, ensureDirs, errorCode, FOLDER_RE, forEachLimit, isCanonicalId, META_SUFFIX, parseShardHeader,
  shardFolder, shardTree, syncDir, TMP_SUFFIX, tmpPath, unlinkQuietly, writeStaged
} from './fs-format.ts'

/** shards moved at once: each is read whole, so this bounds the memory the migration takes */
const MIGRATION_PARALLELISM = 4
/** files removed at once */
const REMOVAL_PARALLELISM = 16
/** a layout-1 `.meta` holds `{"v":1,"owner":"..."}` with at most 256 UTF-16 units: far below this */
const MAX_META_BYTES = 4096

export interface MigrationReport {
  /** shards written into layout 2 */
  moved: number
  /** shards whose layout-2 copy was there already and verified */
  kept: number
  /** layout-1 shards removed once moved (each with its `.meta`), and leftover staging and `.meta` files */
  removed: number
}

/** The layout-1 shard folders directly under `root` (folders named like `<xx>`). */
export async function layout1Folders (root: string): Promise<string[]> {
  return (await readdir(root, { withFileTypes: true }))
    .filter(d => d.isDirectory() && FOLDER_RE.test(d.name))
    .map(d => d.name)
}

/** Move every shard of the layout-1 folders under `root` into the layout-2 tree (which exists). */
export async function migrateLayout1 (root: string, durable: boolean): Promise<MigrationReport> {
  const report: MigrationReport = { moved: 0, kept: 0, removed: 0 }
  const folders = await layout1Folders(root)
  await ensureDirs(shardTree(root), folders, durable)
  for (const folder of folders) await migrateFolder(root, folder, durable, report)
  return report
}

/** Move one layout-1 folder's shards (one batch), then remove the folder if nothing is left in it. */
async function migrateFolder (root: string, folder: string, durable: boolean, report: MigrationReport): Promise<void> {
  const dir = join(root, folder)
  const names = new Set(await readdir(dir))
  const leftovers: string[] = []
  const candidates: string[] = []
  for (const name of names) {
    if (name.endsWith(TMP_SUFFIX)) leftovers.push(name)
    else if (name.endsWith(META_SUFFIX)) {
      const id = name.slice(0, -META_SUFFIX.length)
      if (!names.has(id) && isCanonicalId(id)) leftovers.push(name)
    } else if (isCanonicalId(name) && shardFolder(name) === folder) candidates.push(name)
  }
  await forEachLimit(leftovers, REMOVAL_PARALLELISM, async name => { await unlinkQuietly(join(dir, name)) })
  report.removed += leftovers.length

  const target = join(shardTree(root), folder)
  const done: string[] = []
  await forEachLimit(candidates, MIGRATION_PARALLELISM, async id => {
    const outcome = await moveShard(dir, target, id, names.has(id + META_SUFFIX), durable)
    if (outcome === 'skipped') return
    report[outcome]++
    done.push(id)
  })
  // the moved shards are durable in layout 2 before any layout-1 copy goes
  if (durable && done.length > 0) await syncDir(target)
  await forEachLimit(done, REMOVAL_PARALLELISM, async id => {
    await unlinkQuietly(join(dir, id))
    await unlinkQuietly(join(dir, id + META_SUFFIX))
  })
  report.removed += done.length
  // removals need no fsync: a layout-1 copy that comes back after a crash is found again, and its verified layout-2 copy wins
  try {
    await rmdir(dir)
  } catch (err) {
    if (errorCode(err) !== 'ENOTEMPTY' && errorCode(err) !== 'EEXIST') throw err // else: files that are not shards
  }
}

/** Bring one layout-1 shard into layout 2 (see the module header); 'skipped' when it is not a regular file. */
async function moveShard (dir: string, target: string, id: string, hasMeta: boolean, durable: boolean): Promise<'moved' | 'kept' | 'skipped'> {
  const path = join(dir, id)
  const info = await lstat(path)
  if (!info.isFile()) return 'skipped'
  const dest = join(target, id)
  if (await verifies(dest, id)) return 'kept'
  const bytes = await readFile(path)
  const owner = hasMeta ? await readLegacyOwner(path + META_SUFFIX) : undefined
  const staged = tmpPath(target, id)
  try {
    const shard = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const header = encodeShardHeader({ owner, size: shard.byteLength, outboard: computeOutboard(shard) })
    await writeStaged(staged, [header, shard], Math.round(info.mtimeMs), durable)
    await rename(staged, dest)
  } catch (err) {
    await unlinkQuietly(staged).catch(() => {})
    throw err
  }
  return 'moved'
}

/** Whether a layout-2 file is there and holds a header, then bytes that hash to `id`. */
async function verifies (path: string, id: string): Promise<boolean> {
  let buf: Buffer
  try {
    buf = await readFile(path)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false
    throw err
  }
  const file = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  const header = parseShardHeader(file)
  return header !== undefined && matchesCid(parseShardCid(id), file.subarray(header.headerBytes))
}

/** The owner a layout-1 `.meta` names; undefined when it is unreadable (the shard is kept without an owner, as layout 1 did). */
async function readLegacyOwner (path: string): Promise<string | undefined> {
  try {
    const fh = await open(path, 'r')
    let text: string
    try {
      const buf = new Uint8Array(MAX_META_BYTES + 1)
      const { bytesRead } = await fh.read(buf, 0, buf.byteLength, 0)
      if (bytesRead > MAX_META_BYTES) return undefined
      text = new TextDecoder().decode(buf.subarray(0, bytesRead))
    } finally {
      await fh.close()
    }
    const meta: unknown = JSON.parse(text)
    if (typeof meta === 'object' && meta !== null && (meta as { v?: unknown }).v === 1) {
      const owner = (meta as { owner?: unknown }).owner
      if (typeof owner === 'string' && owner !== '' && owner.length <= 256) return owner
    }
  } catch { /* unreadable metadata */ }
  return undefined
}
