/**
 * The on-disk format of the filesystem shard store (./fs.ts) and the file
 * helpers it shares with the migration of earlier layouts (./fs-migrate.ts).
 *
 * Layout 2 (written by this version):
 *   <root>/layout                              {"layout":2}: the newest layout that has written this root
 *   <root>/.layout.<random>.tmp                its staging file, removed on open
 *   <root>/layout-2/<xx>/<id>                  one file per shard: a header, then the shard's bytes
 *   <root>/layout-2/<xx>/.<id>.<random>.tmp    staging files, removed on open
 * Shards live under `layout-2/`, a folder name layout-1 builds never look
 * at (they scan only root folders named like `<xx>`, /^[a-z2-7]{2}$/), so
 * a downgraded build neither lists nor deletes them: it sees what is still
 * in layout 1, and what it stores there is migrated on the next open.
 *
 * Shard file, header version 1 (all integers big-endian):
 *   bytes 0..6    "DMSHARD" (ASCII)
 *   byte  7       1, the header version
 *   bytes 8..9    n, the length of the owner label in bytes (u16; 0 = no owner; at most 1024)
 *   bytes 10..    the owner label, UTF-8 (n bytes)
 *   then          the shard's bytes, to the end of the file
 * The header is length-prefixed, so a reader that wants a range of the
 * shard (an audit) reads the first 10 bytes, then seeks to 10 + n + offset.
 * The BLAKE3 id covers the shard's bytes only, never the header.
 *
 * Layout 1 (earlier versions; migrated on every open that finds it):
 *   <root>/<xx>/<id>                  the shard's bytes, nothing else
 *   <root>/<xx>/<id>.meta             {"v":1,"owner":"..."} when stored with an owner
 *   <root>/<xx>/.<name>.<random>.tmp  staging files
 *
 * `<xx>` is characters 8–9 of the id in both layouts. A `layout` file
 * naming a layout above 2 is refused (UnsupportedVersionError).
 */
import { mkdir, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { MalformedDataError, UnsupportedVersionError } from '../core/errors.ts'
import { parseShardCid } from '../core/hash.ts'

export const LAYOUT_FILE = 'layout'
/** the layout this version writes */
export const LAYOUT_VERSION = 2
/** the folder under the root holding layout 2's shard folders */
export const LAYOUT_DIR = 'layout-2'
export const META_SUFFIX = '.meta'
export const TMP_SUFFIX = '.tmp'
export const FOLDER_RE = /^[a-z2-7]{2}$/

const MAGIC = new TextEncoder().encode('DMSHARD')
export const HEADER_VERSION = 1
/** bytes before the owner label: magic, version, owner length */
export const HEADER_FIXED_BYTES = MAGIC.byteLength + 1 + 2
/** longest owner label in a header (the store takes labels of at most 256 UTF-16 units: at most 768 bytes) */
export const MAX_OWNER_BYTES = 1024
export const MAX_HEADER_BYTES = HEADER_FIXED_BYTES + MAX_OWNER_BYTES

/** Folder name of a canonical shard id (in `layout-2/`; in the root in layout 1): characters 8–9, the first past the constant CID prefix. */
export function shardFolder (id: string): string {
  return id.slice(8, 10)
}

/** The folder holding the shard folders of the current layout. */
export function shardTree (root: string): string {
  return join(root, LAYOUT_DIR)
}

/** Where the file of a canonical shard id lives. */
export function shardPath (root: string, id: string): string {
  return join(shardTree(root), shardFolder(id), id)
}

/** The header of a shard file kept for `owner` (or for nobody). */
export function encodeShardHeader (owner: string | undefined): Uint8Array {
  const label = new TextEncoder().encode(owner ?? '')
  if (label.byteLength > MAX_OWNER_BYTES) throw new MalformedDataError('Owner label too long for a shard file header', { bytes: label.byteLength })
  const header = new Uint8Array(HEADER_FIXED_BYTES + label.byteLength)
  header.set(MAGIC, 0)
  header[MAGIC.byteLength] = HEADER_VERSION
  new DataView(header.buffer).setUint16(MAGIC.byteLength + 1, label.byteLength)
  header.set(label, HEADER_FIXED_BYTES)
  return header
}

export interface ShardHeader {
  owner?: string
  /** where the shard's bytes start */
  headerBytes: number
}

/**
 * Parse the header at the start of `file` (the whole file, or at least its
 * first MAX_HEADER_BYTES); undefined when it is not a header this version
 * writes (no magic, another version, a bad length or label).
 */
export function parseShardHeader (file: Uint8Array): ShardHeader | undefined {
  if (file.byteLength < HEADER_FIXED_BYTES) return undefined
  for (let i = 0; i < MAGIC.byteLength; i++) if (file[i] !== MAGIC[i]) return undefined
  if (file[MAGIC.byteLength] !== HEADER_VERSION) return undefined
  const n = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint16(MAGIC.byteLength + 1)
  if (n > MAX_OWNER_BYTES || HEADER_FIXED_BYTES + n > file.byteLength) return undefined
  if (n === 0) return { headerBytes: HEADER_FIXED_BYTES }
  let owner: string
  try {
    owner = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(HEADER_FIXED_BYTES, HEADER_FIXED_BYTES + n))
  } catch {
    return undefined
  }
  return { owner, headerBytes: HEADER_FIXED_BYTES + n }
}

/** The layout version recorded in `root`, or undefined when none is (a new root, or one only layout 1 wrote). */
export async function readLayout (root: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(join(root, LAYOUT_FILE), 'utf8')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined
    throw err
  }
  let layout: unknown
  try {
    layout = (JSON.parse(text) as { layout?: unknown }).layout
  } catch {
    layout = undefined
  }
  if (!Number.isSafeInteger(layout) || (layout as number) < 2) {
    throw new MalformedDataError(`The shard folder's ${LAYOUT_FILE} file is damaged; it should read {"layout":${LAYOUT_VERSION}}`, { root })
  }
  if ((layout as number) > LAYOUT_VERSION) {
    throw new UnsupportedVersionError('This shard folder was written by a newer version of DataMesh', { root, layout: layout as number, supported: LAYOUT_VERSION })
  }
  return layout as number
}

/** Record that `root` is in the current layout (temp file, fsync, rename, folder fsync). */
export async function writeLayout (root: string, durable: boolean): Promise<void> {
  const tmp = tmpPath(root, LAYOUT_FILE)
  await writeFile(tmp, JSON.stringify({ layout: LAYOUT_VERSION }) + '\n', { flag: 'wx' })
  if (durable) {
    const fh = await open(tmp, 'r+')
    try { await fh.datasync() } finally { await fh.close() }
  }
  await rename(tmp, join(root, LAYOUT_FILE))
  if (durable) await syncDir(root)
}

/** Remove what a `writeLayout` cut short left in `root`. */
export async function removeLayoutLeftovers (root: string): Promise<void> {
  for (const name of await readdir(root)) {
    if (name.startsWith(`.${LAYOUT_FILE}.`) && name.endsWith(TMP_SUFFIX)) await unlinkQuietly(join(root, name))
  }
}

/**
 * Write a staging file holding `parts` one after the other, with mtime
 * `storedAt` (ms), fsynced when `durable`. The caller renames it into place.
 */
export async function writeStaged (path: string, parts: readonly Uint8Array[], storedAt: number, durable: boolean): Promise<void> {
  const fh = await open(path, 'wx')
  try {
    // writeFile on a handle writes from its current position: the parts follow each other
    for (const part of parts) await fh.writeFile(part)
    await fh.utimes(storedAt / 1000, storedAt / 1000)
    if (durable) await fh.datasync()
  } finally {
    await fh.close()
  }
}

export function isCanonicalId (name: string): boolean {
  try {
    return parseShardCid(name).toString() === name
  } catch {
    return false
  }
}

export function tmpPath (dir: string, name: string): string {
  return join(dir, `.${name}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`)
}

/**
 * Create the folders `names` in `parent` (which exists) unless they exist;
 * when this call created one and `durable`, fsync `parent` once, so that
 * the folders (and what is later renamed into them) survive a crash.
 */
export async function ensureDirs (parent: string, names: Iterable<string>, durable: boolean): Promise<void> {
  let created = false
  for (const name of new Set(names)) {
    try {
      await mkdir(join(parent, name))
      created = true
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err
    }
  }
  if (created && durable) await syncDir(parent)
}

export async function syncDir (dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r')
    try { await fh.sync() } finally { await fh.close() }
  } catch { /* some platforms cannot fsync a folder; the rename is still atomic */ }
}

export async function unlinkQuietly (path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err
  }
}

export function errorCode (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined
}

/** Run `fn` over `items` with at most `limit` calls in flight; waits for all, then throws the first error. */
export async function forEachLimit<T> (items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
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
