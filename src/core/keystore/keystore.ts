/**
 * The keystore (MISSION K1-K3): named identities sealed at rest under one
 * password, over any KeyVault backend.
 *
 * - One password per keystore. Argon2id runs once per unlock; every record is
 *   sealed under that derived key with its own nonce (sealed.ts).
 * - A wrong password is a BadPasswordError and never writes anything.
 * - Changing the password re-seals every key and writes them in one batch.
 * - Deleting a key first overwrites its sealed secret with random bytes of the same
 *   length, then deletes it, and wipes the secrets held in memory. This is
 *   best effort: IndexedDB (LevelDB logs), copy-on-write file systems, SSD
 *   wear levelling and JS engine copies may keep old bytes; they stay sealed
 *   under the password.
 * - Operations that write run one at a time; two tabs or processes writing
 *   the same vault are detected (a record sealed under another salt) and the
 *   keystore locks itself rather than mixing passwords.
 */
import { AlreadyExistsError, LockedError, NotFoundError, throwIfAborted } from '../errors.ts'
import { equalBytes, wipe } from '../bytes.ts'
import { generateIdentity, identityFromSecretKeys, publicIdentity, wipeIdentity, type Identity, type PublicIdentity } from '../keys/identity.ts'
import { decodePublicIdentity, encodePublicIdentity, formatPublicIdentity } from '../keys/public-key.ts'
import { ARGON2_DEFAULT, checkArgon2Params, type Argon2Params } from './argon2.ts'
import { derivePasswordKey, derivedAlike, parseSealedBlob } from './sealed.ts'
import { assertStrongPassword } from './strength.ts'
import { checkKeyName } from './names.ts'
import { lockedError, openRecords, sealRecord, Session, UnlockedIdentity, type UnlockedKey } from './session.ts'
import { exportKeys, importKeys, type ExportOptions, type ImportOptions, type ImportResult } from './transfer.ts'
import type { AbortOptions, KeyVault, StoredKey } from './vault.ts'

export interface KeyInfo {
  name: string
  /** milliseconds since the Unix epoch */
  created: number
  publicKey: PublicIdentity
  publicKeyString: string
  isDefault: boolean
}

export interface KeystoreOptions {
  /** Argon2id parameters for new seals (default ARGON2_DEFAULT, floor ARGON2_MIN) */
  argon2?: Argon2Params
  /** clock, for tests */
  now?: () => number
}

/** For writes that may need to unlock first, or to set the first password of an empty keystore. */
export interface UnlockingOptions extends AbortOptions {
  /** the keystore password, when it is locked */
  password?: string
  /** accept a weak password when it sets up an empty keystore */
  allowWeak?: boolean
}

export class Keystore {
  readonly #vault: KeyVault
  readonly #argon2: Argon2Params
  readonly #now: () => number
  #session: Session | undefined
  #queue: Promise<unknown> = Promise.resolve()

  constructor (vault: KeyVault, options: KeystoreOptions = {}) {
    this.#vault = vault
    this.#argon2 = checkArgon2Params(options.argon2 ?? ARGON2_DEFAULT)
    this.#now = options.now ?? Date.now
  }

  get isUnlocked (): boolean { return this.#session?.isOpen === true }

  /** Public information about every stored key, oldest first; no password needed. */
  async list (options?: AbortOptions): Promise<KeyInfo[]> {
    const [records, def] = await Promise.all([this.#vault.list(options), this.#vault.getDefault(options)])
    return records
      .map(r => toInfo(r, def))
      .sort((a, b) => a.created - b.created || (a.name < b.name ? -1 : 1))
  }

  /** Open every key with `password` (all or nothing). A wrong password changes nothing. */
  async unlock (password: string, options?: AbortOptions): Promise<UnlockedKey[]> {
    return await this.#exclusive(async () => {
      await this.#unlock(password, options)
      return [...(this.#session as Session).keys.values()]
    })
  }

  /** Forget the derived key and wipe every secret key held in memory. */
  lock (): void {
    this.#session?.close()
    this.#session = undefined
  }

  /** An unlocked key by name, or the default key. */
  async key (name?: string, options?: AbortOptions): Promise<UnlockedKey> {
    const session = this.#session
    if (session?.isOpen !== true) throw lockedError()
    const wanted = name ?? await this.#vault.getDefault(options)
    const handle = wanted === undefined ? undefined : session.keys.get(wanted)
    if (handle === undefined) throw new NotFoundError('No such key', { name: wanted })
    return handle
  }

  /** Generate and store a new identity. On an empty keystore `password` becomes its password. */
  async createKey (name: string, options?: UnlockingOptions & { makeDefault?: boolean }): Promise<KeyInfo> {
    return await this.addIdentity(name, generateIdentity(), options)
  }

  /** Store an existing identity (copied) under `name`. */
  async addIdentity (name: string, identity: Identity, options?: UnlockingOptions & { makeDefault?: boolean }): Promise<KeyInfo> {
    checkKeyName(name)
    const copy = identityFromSecretKeys(identity.x25519.secretKey, identity.ed25519.secretKey)
    return await this.#exclusive(async () => {
      try {
        const session = await this.#writable(options)
        const records = await this.#vault.list(options)
        if (records.some(r => r.name === name)) throw new AlreadyExistsError('A key with this name already exists', { name, reason: 'exists' })
        const pub = encodePublicIdentity(publicIdentity(copy))
        const same = records.find(r => equalBytes(r.publicKey, pub))
        if (same !== undefined) throw new AlreadyExistsError('This key is already stored', { name: same.name, reason: 'duplicate' })
        const record = await sealRecord(session, name, this.#now(), copy)
        const def = await this.#vault.getDefault(options)
        const makeDefault = options?.makeDefault === true || def === undefined
        throwIfAborted(options?.signal)
        await this.#vault.write({ put: [record], ...(makeDefault ? { defaultKey: name } : {}) }, options)
        session.add(new UnlockedIdentity(name, copy))
        return toInfo(record, makeDefault ? name : def)
      } catch (err) {
        wipe(copy.x25519.secretKey, copy.ed25519.secretKey)
        throw err
      }
    })
  }

  async setDefault (name: string, options?: AbortOptions): Promise<void> {
    await this.#exclusive(async () => {
      await this.#existing(name, options)
      await this.#vault.write({ defaultKey: name }, options)
    })
  }

  async rename (from: string, to: string, options?: AbortOptions): Promise<void> {
    checkKeyName(to)
    await this.#exclusive(async () => {
      const record = await this.#existing(from, options)
      if (from === to) return
      if (await this.#vault.get(to, options) !== undefined) throw new AlreadyExistsError('A key with this name already exists', { name: to, reason: 'exists' })
      const def = await this.#vault.getDefault(options)
      await this.#vault.write({ delete: [from], put: [{ ...record, name: to }], ...(def === from ? { defaultKey: to } : {}) }, options)
      this.#session?.rename(from, to)
    })
  }

  /**
   * Destroy a key (needs the keystore unlocked, or its password): overwrite
   * the sealed secret with random bytes, delete the record, wipe it from memory. The oldest
   * remaining key becomes the default if this one was.
   */
  async deleteKey (name: string, options?: UnlockingOptions): Promise<void> {
    await this.#exclusive(async () => {
      const record = await this.#existing(name, options)
      // a password given must be the right one, even while unlocked
      if (options?.password !== undefined && this.#session?.isOpen === true) await this.#checkPassword(options.password, options)
      const session = await this.#writable(options)
      const def = await this.#vault.getDefault(options)
      const next = def === name ? (await this.list(options)).find(k => k.name !== name)?.name ?? null : undefined
      const noise = crypto.getRandomValues(new Uint8Array(record.sealed.byteLength))
      await this.#vault.write({ put: [{ ...record, sealed: noise }] }, options)
      await this.#vault.write({ delete: [name], ...(next !== undefined ? { defaultKey: next } : {}) })
      session.remove(name)
    })
  }

  /**
   * Re-seal every key under `newPassword` in one all-or-nothing write. A
   * wrong `oldPassword` is a BadPasswordError and leaves everything as it was.
   */
  async changePassword (oldPassword: string, newPassword: string, options?: AbortOptions & { allowWeak?: boolean, argon2?: Argon2Params }): Promise<void> {
    const params = checkArgon2Params(options?.argon2 ?? this.#argon2)
    await this.#exclusive(async () => {
      const records = await this.#vault.list(options)
      if (records.length === 0) throw new NotFoundError('The keystore holds no keys')
      await assertStrongPassword(newPassword, { allowWeak: options?.allowWeak })
      const { opened } = await openRecords(records, oldPassword, options)
      try {
        const key = await derivePasswordKey(newPassword, params, undefined, options)
        const resealed: StoredKey[] = []
        for (const o of opened) resealed.push(await sealRecord({ key }, o.record.name, o.record.created, o.identity))
        throwIfAborted(options?.signal)
        await this.#vault.write({ put: resealed }, options)
        if (this.#session?.isOpen === true) this.#session.key = key
      } finally {
        for (const o of opened) wipe(o.identity.x25519.secretKey, o.identity.ed25519.secretKey)
      }
    })
  }

  /** Encrypted export of the named keys (default: all) under an export password. Needs the keystore unlocked. */
  async exportKeys (exportPassword: string, options?: ExportOptions): Promise<Uint8Array> {
    const session = this.#session
    if (session?.isOpen !== true) throw lockedError()
    return await exportKeys(session, await this.#vault.list(options), exportPassword, this.#argon2, options)
  }

  /** Import keys from an export file; name collisions per `onCollision` (default 'rename'). */
  async importKeys (file: Uint8Array, exportPassword: string, options?: UnlockingOptions & ImportOptions): Promise<ImportResult> {
    return await this.#exclusive(async () => {
      return await importKeys(file, exportPassword, {
        ...options,
        vault: this.#vault,
        writable: async () => await this.#writable(options)
      })
    })
  }

  async #exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return await run
  }

  async #existing (name: string, options?: AbortOptions): Promise<StoredKey> {
    const record = await this.#vault.get(name, options)
    if (record === undefined) throw new NotFoundError('No such key', { name })
    return record
  }

  async #unlock (password: string, options?: AbortOptions): Promise<void> {
    const records = await this.#vault.list(options)
    if (records.length === 0) throw new NotFoundError('The keystore holds no keys')
    const { key, opened } = await openRecords(records, password, options)
    const session = new Session(key)
    for (const o of opened) session.add(new UnlockedIdentity(o.record.name, o.identity))
    this.lock()
    this.#session = session
  }

  /** BadPasswordError unless `password` opens the stored keys; nothing changes either way. */
  async checkPassword (password: string, options?: AbortOptions): Promise<void> {
    await this.#exclusive(async () => { await this.#checkPassword(password, options) })
  }

  async #checkPassword (password: string, options?: AbortOptions): Promise<void> {
    const { opened } = await openRecords(await this.#vault.list(options), password, options)
    for (const o of opened) wipeIdentity(o.identity)
  }

  /**
   * The session to seal new records under: the current one, or unlock with
   * `options.password`, or, on an empty keystore, set that password up.
   * Refuses (and locks) if the vault was re-sealed elsewhere meanwhile.
   */
  async #writable (options?: UnlockingOptions): Promise<Session> {
    const records = await this.#vault.list(options)
    if (this.#session?.isOpen !== true) {
      const password = options?.password
      if (password === undefined) throw lockedError()
      if (records.length > 0) {
        await this.#unlock(password, options)
      } else {
        await assertStrongPassword(password, { allowWeak: options?.allowWeak })
        this.lock()
        this.#session = new Session(await derivePasswordKey(password, this.#argon2, undefined, options))
      }
    }
    const session = this.#session as Session
    if (!records.every(r => derivedAlike(session.key, parseSealedBlob(r.sealed)))) {
      this.lock()
      throw new LockedError('The keystore was changed elsewhere: unlock it again', { reason: 'changed' })
    }
    return session
  }
}

function toInfo (r: StoredKey, defaultName: string | undefined): KeyInfo {
  const publicKey = decodePublicIdentity(r.publicKey)
  return { name: r.name, created: r.created, publicKey, publicKeyString: formatPublicIdentity(publicKey), isDefault: r.name === defaultName }
}
