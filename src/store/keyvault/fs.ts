/**
 * KeyVault in one file on the Node file system.
 *
 * File, version 1: dag-cbor of
 *   { v: 1, default: string | null, keys: [ { name, created, publicKey, sealed } ] }
 * (fields as in core/keystore/vault.ts StoredKey). Read strictly: exact
 * fields, valid records, distinct names, at most MAX_VAULT_BYTES.
 *
 * Every write is atomic: the new state goes to a temporary file in the same
 * directory (mode 0600), is fsynced, and renamed over the old one; the
 * directory is fsynced. Before the rename the old file is held open, and
 * afterwards, if no other link to it remains, its bytes are overwritten with
 * random bytes and synced, so superseded records (a deleted key, keys sealed
 * under an old password) do not linger in that file's blocks. On journaling
 * or copy-on-write file systems (btrfs, ZFS, APFS), on SSDs (wear levelling)
 * and in backups this cannot guarantee erasure.
 *
 * Writes through one instance are serialised; two processes writing one file
 * at the same moment are not coordinated (the last rename wins, whole).
 */
import { open, mkdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { decodeCbor } from '../../core/cbor.ts'
import { MalformedDataError, UnsupportedVersionError, throwIfAborted } from '../../core/errors.ts'
import type { AbortOptions, KeyVault, StoredKey, VaultBatch } from '../../core/keystore/vault.ts'
import { checkBatch, checkReadRecord, MAX_VAULT_BYTES } from './records.ts'

export const FS_VAULT_VERSION = 1

interface VaultState {
  default: string | null
  keys: Map<string, StoredKey>
}

export class FsKeyVault implements KeyVault {
  readonly path: string
  #queue: Promise<unknown> = Promise.resolve()

  constructor (path: string) {
    this.path = path
  }

  async list (options?: AbortOptions): Promise<StoredKey[]> {
    return [...(await this.#read(options)).keys.values()]
  }

  async get (name: string, options?: AbortOptions): Promise<StoredKey | undefined> {
    return (await this.#read(options)).keys.get(name)
  }

  async getDefault (options?: AbortOptions): Promise<string | undefined> {
    return (await this.#read(options)).default ?? undefined
  }

  async write (batch: VaultBatch, options?: AbortOptions): Promise<void> {
    checkBatch(batch)
    const run = this.#queue.then(async () => {
      const state = await this.#read(options)
      for (const name of batch.delete ?? []) state.keys.delete(name)
      for (const r of batch.put ?? []) state.keys.set(r.name, r)
      if (batch.defaultKey !== undefined) state.default = batch.defaultKey
      throwIfAborted(options?.signal)
      await this.#replace(encodeState(state))
    })
    this.#queue = run.catch(() => {})
    await run
  }

  async #read (options?: AbortOptions): Promise<VaultState> {
    throwIfAborted(options?.signal)
    let bytes: Uint8Array
    try {
      bytes = await readFile(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { default: null, keys: new Map() }
      throw err
    }
    return decodeState(bytes)
  }

  async #replace (bytes: Uint8Array): Promise<void> {
    const dir = dirname(this.path)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const suffix = Array.from(crypto.getRandomValues(new Uint8Array(6)), b => b.toString(16).padStart(2, '0')).join('')
    const tmp = join(dir, `.${basename(this.path)}.${suffix}.tmp`)
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    let old: FileHandle | undefined
    try {
      old = await open(this.path, 'r+')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') { await rm(tmp, { force: true }); throw err }
    }
    try {
      try {
        await rename(tmp, this.path)
      } catch (err) {
        await rm(tmp, { force: true })
        throw err
      }
      await syncDir(dir)
      if (old !== undefined) await scrub(old)
    } finally {
      await old?.close()
    }
  }
}

/** Overwrite an unlinked file's bytes with random bytes (best effort). */
async function scrub (fh: FileHandle): Promise<void> {
  const { size, nlink } = await fh.stat()
  if (nlink > 0) return // still reachable elsewhere (a hard link): not ours to destroy
  const chunk = 64 * 1024
  for (let offset = 0; offset < size; offset += chunk) {
    const n = Math.min(chunk, size - offset)
    await fh.write(crypto.getRandomValues(new Uint8Array(n)), 0, n, offset)
  }
  await fh.sync()
}

async function syncDir (dir: string): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // some platforms (Windows) cannot fsync a directory; the rename is still atomic
  } finally {
    await fh?.close()
  }
}

function encodeState (state: VaultState): Uint8Array {
  return dagCbor.encode({
    v: FS_VAULT_VERSION,
    default: state.default,
    keys: [...state.keys.values()].map(r => ({ name: r.name, created: r.created, publicKey: r.publicKey, sealed: r.sealed }))
  })
}

function decodeState (bytes: Uint8Array): VaultState {
  if (bytes.byteLength > MAX_VAULT_BYTES) throw new MalformedDataError('Key vault file is too large', { length: bytes.byteLength })
  let doc: unknown
  try {
    doc = decodeCbor(bytes, MAX_VAULT_BYTES, 'key vault file')
  } catch (err) {
    throw new MalformedDataError('Key vault file is not dag-cbor', { cause: String(err) })
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new MalformedDataError('Key vault file is damaged')
  const o = doc as Record<string, unknown>
  if (o.v !== FS_VAULT_VERSION) throw new UnsupportedVersionError('Unknown key vault file version', { version: String(o.v) })
  const fields = Object.keys(o).sort().join(',')
  if (fields !== 'default,keys,v' || !Array.isArray(o.keys) || (o.default !== null && typeof o.default !== 'string')) {
    throw new MalformedDataError('Key vault file is damaged')
  }
  const keys = new Map<string, StoredKey>()
  for (const entry of o.keys as unknown[]) {
    if (typeof entry !== 'object' || entry === null || Object.keys(entry).sort().join(',') !== 'created,name,publicKey,sealed') {
      throw new MalformedDataError('Key vault file is damaged')
    }
    const r = checkReadRecord(entry)
    if (keys.has(r.name)) throw new MalformedDataError('Key vault file names a key twice', { name: r.name })
    keys.set(r.name, { name: r.name, created: r.created, publicKey: r.publicKey.slice(), sealed: r.sealed.slice() })
  }
  return { default: o.default as string | null, keys }
}
