/**
 * The on-disk format of the filesystem shard store (./fs.ts) and the file
 * helpers it shares with the migration of earlier layouts (./fs-migrate.ts).
 *
 * Layout 2 (written by this version):
 *   <root>/layout                              {"layout":2}: the newest layout that has written this root
 *   <root>/.layout.<random>.tmp                its staging file, removed on open
 *   <root>/leases                              leases and lost ids (./fs-leases.ts)
 *   <root>/.leases.<random>.tmp                its staging file, removed on open
 *   <root>/layout-2/<xx>/<id>                  one file per shard: a header, then the shard's bytes
 *   <root>/layout-2/<xx>/.<id>.<random>.tmp    staging files, removed on open
 * Shards live under `layout-2/`, a folder name layout-1 builds never look
 * at (they scan only root folders named like `<xx>`, /^[a-z2-7]{2}$/), so
 * a downgraded build neither lists nor deletes them: it sees what is still
 * in layout 1, and what it stores there is migrated on the next open.
 *
 * Shard file, header version 2 (written by this version; integers big-endian):
 *   bytes 0..6    "DMSHARD" (ASCII)
 *   byte  7       2, the header version
 *   2 bytes       n, the length of the owner label in bytes (u16; 0 = no owner; at most 1024)
 *   n bytes       the owner label, UTF-8
 *   2 bytes       r, the length of the renewer label in bytes (u16; 0 = none; at most 1024)
 *   r bytes       the renewer label, UTF-8
 *   8 bytes       size, the shard's length in bytes (u64, at most MAX_TREE_BYTES)
 *   then          the shard's outboard: the BLAKE3 chaining values of its
 *                 16 KiB groups, 32 bytes each (`outboardBytes(size)`: none
 *                 for a shard of one group; ../core/blake3-tree.ts)
 *   then          the shard's bytes, exactly `size` of them, to the end of the file
 * A file whose length is not header + size is damaged (cut short, or grown).
 * An audit reads the fixed part and the labels (at most MAX_PREFIX_BYTES),
 * then the outboard and the groups it is asked for, at offsets known from
 * `size`; never the rest of the shard. Owner and renewer never change once
 * stored, so they live in the shard file; leases change, so they live in
 * the lease file (./fs-leases.ts).
 *
 * Shard file, header version 1 (written by earlier builds of layout 2; read
 * as before, and rewritten as version 2 the first time its outboard is
 * needed, ./fs.ts):
 *   bytes 0..6    "DMSHARD"
 *   byte  7       1
 *   bytes 8..9    n, the length of the owner label (u16; 0 = no owner; at most 1024)
 *   bytes 10..    the owner label, UTF-8, then the shard's bytes to the end of the file
 *
 * Either way the header is length-prefixed, the BLAKE3 id covers the
 * shard's bytes only, and a file whose header does not parse (no magic, a
 * version 0, bad lengths or labels) is damaged. A file with the magic and a
 * header version above 2 was written by a newer build: it is left alone
 * (not listed, never read, never deleted), so a later header version can
 * come without a new layout and a downgrade deletes none of its files.
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
import { MAX_TREE_BYTES, outboardBytes } from '../core/blake3-tree.ts'
import { MalformedDataError, UnsupportedVersionError } from '../core/errors.ts'
import { parseShardCid } from '../core/hash.ts'

export const LAYOUT_FILE = 'layout'
/** leases and lost ids of the shards under the root (./fs-leases.ts) */
export const LEASE_FILE = 'leases'
/** the layout this version writes */
export const LAYOUT_VERSION = 2
/** the folder under the root holding layout 2's shard folders */
export const LAYOUT_DIR = 'layout-2'
export const META_SUFFIX = '.meta'
export const TMP_SUFFIX = '.tmp'
export const FOLDER_RE = /^[a-z2-7]{2}$/

const MAGIC = new TextEncoder().encode('DMSHARD')
/** the header version this build writes */
export const HEADER_VERSION = 2
/** bytes before the owner label: magic, version, owner length */
export const HEADER_FIXED_BYTES = MAGIC.byteLength + 1 + 2
/** longest owner or renewer label in a header (the store takes labels of at most 256 UTF-16 units: at most 768 bytes) */
export const MAX_OWNER_BYTES = 1024
/** the most a header can hold before the outboard: what a reader fetches to parse one */
export const MAX_PREFIX_BYTES = HEADER_FIXED_BYTES + MAX_OWNER_BYTES + 2 + MAX_OWNER_BYTES + 8

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

export interface HeaderFields {
  owner?: string | undefined
  renewer?: string | undefined
  /** the shard's length in bytes */
  size: number
  /** its outboard (`outboardBytes(size)` long) */
  outboard: Uint8Array
}

/** The version-2 header of a shard file: labels, size and outboard (the shard's bytes follow it). */
export function encodeShardHeader (fields: HeaderFields): Uint8Array {
  const owner = label(fields.owner)
  const renewer = label(fields.renewer)
  const { size, outboard } = fields
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_TREE_BYTES || outboard.byteLength !== outboardBytes(size)) {
    throw new MalformedDataError('Shard size and outboard do not agree', { size, outboardBytes: outboard.byteLength })
  }
  const header = new Uint8Array(HEADER_FIXED_BYTES + owner.byteLength + 2 + renewer.byteLength + 8 + outboard.byteLength)
  const view = new DataView(header.buffer)
  header.set(MAGIC, 0)
  header[MAGIC.byteLength] = HEADER_VERSION
  let at = MAGIC.byteLength + 1
  for (const part of [owner, renewer]) {
    view.setUint16(at, part.byteLength)
    header.set(part, at + 2)
    at += 2 + part.byteLength
  }
  view.setBigUint64(at, BigInt(size))
  header.set(outboard, at + 8)
  return header
}

function label (text: string | undefined): Uint8Array {
  const bytes = new TextEncoder().encode(text ?? '')
  if (bytes.byteLength > MAX_OWNER_BYTES) throw new MalformedDataError('Label too long for a shard file header', { bytes: bytes.byteLength })
  return bytes
}

export interface ShardHeader {
  /** 1 (no renewer, no outboard kept) or 2 */
  version: number
  owner?: string
  renewer?: string
  /** the shard's length: declared (version 2) or what follows the header (version 1) */
  size: number
  /** where the outboard starts (version 2; its length is `outboardBytes(size)`) */
  outboardOffset?: number
  /** where the shard's bytes start */
  headerBytes: number
}

/**
 * Parse the header at the start of a shard file of `fileBytes` bytes, from
 * `head`: its first bytes (at least min(fileBytes, MAX_PREFIX_BYTES) of
 * them; the whole file by default). Undefined when it is not a header this
 * version reads (no magic, another version, a bad length or label) or the
 * file's length disagrees with it.
 */
export function parseShardHeader (head: Uint8Array, fileBytes = head.byteLength): ShardHeader | undefined {
  if (head.byteLength < HEADER_FIXED_BYTES) return undefined
  for (let i = 0; i < MAGIC.byteLength; i++) if (head[i] !== MAGIC[i]) return undefined
  const version = head[MAGIC.byteLength]
  if (version !== 1 && version !== 2) return undefined
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  let at = MAGIC.byteLength + 1
  const labels: Array<string | undefined> = []
  for (let i = 0; i < version; i++) { // version 1: the owner; version 2: the owner, then the renewer
    if (at + 2 > head.byteLength) return undefined
    const n = view.getUint16(at)
    if (n > MAX_OWNER_BYTES || at + 2 + n > head.byteLength) return undefined
    const text = decodeLabel(head.subarray(at + 2, at + 2 + n))
    if (text === null) return undefined
    labels.push(text)
    at += 2 + n
  }
  const [owner, renewer] = labels
  if (version === 1) {
    if (at > fileBytes) return undefined
    return { version, ...(owner !== undefined ? { owner } : {}), size: fileBytes - at, headerBytes: at }
  }
  if (at + 8 > head.byteLength) return undefined
  const declared = view.getBigUint64(at)
  if (declared > BigInt(MAX_TREE_BYTES)) return undefined
  const size = Number(declared)
  const outboardOffset = at + 8
  const headerBytes = outboardOffset + outboardBytes(size)
  if (headerBytes + size !== fileBytes) return undefined
  return { version, ...(owner !== undefined ? { owner } : {}), ...(renewer !== undefined ? { renewer } : {}), size, outboardOffset, headerBytes }
}

/** Whether `head` starts a shard file of a header version newer than this build reads (see the module header). */
export function isNewerShardFile (head: Uint8Array): boolean {
  if (head.byteLength <= MAGIC.byteLength) return false
  for (let i = 0; i < MAGIC.byteLength; i++) if (head[i] !== MAGIC[i]) return false
  return (head[MAGIC.byteLength] as number) > HEADER_VERSION
}

/** A label's text; undefined for none (length 0), null when it is not UTF-8. */
function decodeLabel (bytes: Uint8Array): string | undefined | null {
  if (bytes.byteLength === 0) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
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

/** Remove what a `writeLayout` or a lease file save (./fs-leases.ts) cut short left in `root`. */
export async function removeLayoutLeftovers (root: string): Promise<void> {
  for (const name of await readdir(root)) {
    if ((name.startsWith(`.${LAYOUT_FILE}.`) || name.startsWith(`.${LEASE_FILE}.`)) && name.endsWith(TMP_SUFFIX)) await unlinkQuietly(join(root, name))
  }
}

/** Write `bytes` to `root/name` whole or not at all: temp file, fsync, rename, folder fsync (the syncs when `durable`). */
export async function replaceFile (root: string, name: string, bytes: Uint8Array, durable: boolean): Promise<void> {
  const tmp = tmpPath(root, name)
  try {
    const fh = await open(tmp, 'wx')
    try {
      await fh.writeFile(bytes)
      if (durable) await fh.datasync()
    } finally {
      await fh.close()
    }
    await rename(tmp, join(root, name))
  } catch (err) {
    await unlinkQuietly(tmp).catch(() => {})
    throw err
  }
  if (durable) await syncDir(root)
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
