/**
 * Export and import of keys between keystores (export-file.ts holds the
 * format). Export needs the keystore unlocked and a strong export password
 * (or `allowWeak`); import re-seals every key under the keystore's password
 * and writes them in one batch.
 */
import { AlreadyExistsError, NotFoundError, throwIfAborted } from '../errors.ts'
import { equalBytes } from '../bytes.ts'
import { publicIdentity, wipeIdentity } from '../keys/identity.ts'
import { encodePublicIdentity } from '../keys/public-key.ts'
import type { Argon2Params } from './argon2.ts'
import { decodeKeyExport, encodeKeyExport, type ExportedKey } from './export-file.ts'
import { freeKeyName } from './names.ts'
import { sealRecord, UnlockedIdentity, type Session } from './session.ts'
import { assertStrongPassword } from './strength.ts'
import type { AbortOptions, KeyVault, StoredKey } from './vault.ts'

export interface ExportOptions extends AbortOptions {
  /** keys to export; all when absent */
  names?: readonly string[]
  /** accept a weak export password */
  allowWeak?: boolean
  /** Argon2id parameters for the file (default: the keystore's) */
  argon2?: Argon2Params
}

export interface ImportOptions {
  /** when an imported key's name is taken by another key: pick a free name ('rename', default), leave it out ('skip'), or import nothing ('fail') */
  onCollision?: 'rename' | 'skip' | 'fail'
}

export interface ImportResult {
  imported: Array<{ name: string, originalName: string }>
  /** 'duplicate': the same key is already stored; 'name-taken': skipped by onCollision 'skip' */
  skipped: Array<{ name: string, reason: 'duplicate' | 'name-taken' }>
}

export async function exportKeys (session: Session, records: readonly StoredKey[], password: string, defaultArgon2: Argon2Params, options?: ExportOptions): Promise<Uint8Array> {
  const names = options?.names ?? records.map(r => r.name)
  if (names.length === 0) throw new NotFoundError('There are no keys to export')
  const keys: ExportedKey[] = names.map(name => {
    const record = records.find(r => r.name === name)
    const handle = session.keys.get(name)
    if (record === undefined || handle === undefined) throw new NotFoundError('No such key', { name })
    return { name, created: record.created, identity: handle.identity() }
  })
  await assertStrongPassword(password, { allowWeak: options?.allowWeak })
  return await encodeKeyExport(keys, password, { params: options?.argon2 ?? defaultArgon2, signal: options?.signal })
}

export async function importKeys (file: Uint8Array, password: string, options: ImportOptions & AbortOptions & {
  vault: KeyVault
  writable: () => Promise<Session>
}): Promise<ImportResult> {
  const keys = await decodeKeyExport(file, password, options)
  const handedOver = new Set<ExportedKey>()
  try {
    const session = await options.writable()
    const records = await options.vault.list(options)
    const taken = new Set(records.map(r => r.name))
    const known = records.map(r => r.publicKey)
    const result: ImportResult = { imported: [], skipped: [] }
    const chosen: Array<{ name: string, key: ExportedKey }> = []
    for (const key of keys) {
      const pub = encodePublicIdentity(publicIdentity(key.identity))
      if (known.some(k => equalBytes(k, pub))) {
        result.skipped.push({ name: key.name, reason: 'duplicate' })
        continue
      }
      known.push(pub)
      let name = key.name
      if (taken.has(name)) {
        const policy = options.onCollision ?? 'rename'
        if (policy === 'fail') throw new AlreadyExistsError('A key with this name already exists; nothing was imported', { name, reason: 'exists' })
        if (policy === 'skip') {
          result.skipped.push({ name, reason: 'name-taken' })
          continue
        }
        name = freeKeyName(name, taken)
      }
      taken.add(name)
      chosen.push({ name, key })
      result.imported.push({ name, originalName: key.name })
    }
    const put: StoredKey[] = []
    for (const c of chosen) put.push(await sealRecord(session, c.name, c.key.created, c.key.identity))
    const first = chosen[0]
    const setDefault = first !== undefined && await options.vault.getDefault(options) === undefined
    throwIfAborted(options.signal)
    if (put.length > 0) await options.vault.write({ put, ...(setDefault ? { defaultKey: first.name } : {}) }, options)
    for (const c of chosen) {
      session.add(new UnlockedIdentity(c.name, c.key.identity))
      handedOver.add(c.key)
    }
    return result
  } finally {
    for (const k of keys) if (!handedOver.has(k)) wipeIdentity(k.identity)
  }
}
