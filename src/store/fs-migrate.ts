/**
 * Migration of a filesystem shard folder from layout 1 (bytes in `<id>`,
 * the owner in a `<id>.meta` beside it) to layout 2 (one file per shard, the
 * owner in its header): see ./fs-format.ts for both.
 *
 * Each shard is rewritten in place: a staging file holding the header and
 * the bytes (with the old file's mtime, its `storedAt`) is fsynced and
 * renamed over the old file, then its `.meta` is removed. The `layout` file
 * is written only after every folder is done, so a migration cut short runs
 * again on the next open. It must then tell the two layouts apart without
 * trusting the header (a layout-1 shard may begin with anything, even a
 * valid-looking header): a file whose whole content hashes to its id is a
 * layout-1 shard; one whose content after a header does is already
 * migrated; anything else is left for the store to find corrupt and remove.
 * Staging leftovers and `.meta` files without their shard are removed;
 * files that are not shards are left alone.
 */
import { readdir, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { matchesCid, parseShardCid } from '../core/hash.ts'
import {
  encodeShardHeader, forEachLimit, isCanonicalId, META_SUFFIX, shardFolder, syncDir, TMP_SUFFIX, tmpPath,
  unlinkQuietly, writeStaged
} from './fs-format.ts'

/** shards rewritten at once: each is read whole (at most 16 MiB), so this bounds the memory the migration takes */
const MIGRATION_PARALLELISM = 4

export interface MigrationReport {
  /** shards rewritten into layout 2 */
  migrated: number
  /** `.meta` files and staging files removed */
  removed: number
}

/** Bring every shard folder under `root` (names in `folders`) to layout 2. */
export async function migrateLayout1 (root: string, folders: readonly string[], durable: boolean): Promise<MigrationReport> {
  const report: MigrationReport = { migrated: 0, removed: 0 }
  for (const folder of folders) {
    const dir = join(root, folder)
    const names = new Set(await readdir(dir))
    await forEachLimit([...names], MIGRATION_PARALLELISM, async name => {
      if (name.endsWith(TMP_SUFFIX)) {
        await unlinkQuietly(join(dir, name))
        report.removed++
        return
      }
      if (name.endsWith(META_SUFFIX)) {
        if (!names.has(name.slice(0, -META_SUFFIX.length))) {
          await unlinkQuietly(join(dir, name))
          report.removed++
        }
        return
      }
      if (!isCanonicalId(name) || shardFolder(name) !== folder) return // not ours: leave it alone
      const path = join(dir, name)
      const info = await stat(path)
      if (!info.isFile()) return
      if (await migrateShard(dir, name, Math.round(info.mtimeMs), names.has(name + META_SUFFIX), durable)) report.migrated++
      if (names.has(name + META_SUFFIX)) {
        await unlinkQuietly(path + META_SUFFIX)
        report.removed++
      }
    })
    if (durable) await syncDir(dir)
  }
  return report
}

/** Rewrite one layout-1 shard with its header; false when it needs no rewrite (see the module header). */
async function migrateShard (dir: string, id: string, storedAt: number, hasMeta: boolean, durable: boolean): Promise<boolean> {
  const path = join(dir, id)
  const buf = await readFile(path)
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  const cid = parseShardCid(id)
  if (!matchesCid(cid, bytes)) return false // migrated already, or damaged: the store checks it on read
  const owner = hasMeta ? await readLegacyOwner(path + META_SUFFIX) : undefined
  const staged = tmpPath(dir, id)
  try {
    await writeStaged(staged, [encodeShardHeader(owner), bytes], storedAt, durable)
    await rename(staged, path)
  } catch (err) {
    await unlinkQuietly(staged).catch(() => {})
    throw err
  }
  return true
}

/** The owner a layout-1 `.meta` names; undefined when it is unreadable (the shard is kept without an owner, as before). */
async function readLegacyOwner (path: string): Promise<string | undefined> {
  try {
    const meta: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (typeof meta === 'object' && meta !== null && (meta as { v?: unknown }).v === 1) {
      const owner = (meta as { owner?: unknown }).owner
      if (typeof owner === 'string' && owner !== '' && owner.length <= 256) return owner
    }
  } catch { /* unreadable metadata */ }
  return undefined
}

