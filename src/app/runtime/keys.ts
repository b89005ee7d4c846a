/**
 * The tab's keys: a keystore sealed in IndexedDB (Argon2id + AES-256-GCM),
 * created or imported by setup, unlocked with the password after a reload.
 * The mesh only ever sees the unlocked key's signer and ECIES `open`; secret
 * key bytes stay inside the keystore.
 */
import { Keystore } from '../../core/keystore/index.ts'
import type { UnlockedKey } from '../../core/keystore/index.ts'
import { openIdbKeyVault } from '../../store/keyvault/idb.ts'
import { NotFoundError } from '../../core/errors.ts'
import type { KeySetup } from '../../api/types.ts'

export class TabKeys {
  readonly keystore: Keystore
  #key: UnlockedKey | undefined

  private constructor (keystore: Keystore) {
    this.keystore = keystore
  }

  static async open (namespace: string): Promise<TabKeys> {
    return new TabKeys(new Keystore(await openIdbKeyVault(`${namespace}-keys`)))
  }

  /** Over a keystore already opened (another vault, other Argon2id parameters: tests). */
  static over (keystore: Keystore): TabKeys {
    return new TabKeys(keystore)
  }

  /** true once a key exists (setup has run on this device) */
  async initialised (): Promise<boolean> {
    return (await this.keystore.list()).length > 0
  }

  get unlocked (): UnlockedKey | undefined { return this.#key }

  /** First run: create (or import) the keys under `password`, and unlock them. */
  async setup (options: KeySetup): Promise<UnlockedKey> {
    if (options.importKeys !== undefined) {
      await this.keystore.importKeys(options.importKeys.data, options.importKeys.password, { password: options.password, allowWeak: options.allowWeak ?? false, onCollision: 'rename' })
    } else if (!await this.initialised()) {
      await this.keystore.createKey(options.keyName ?? 'main', { password: options.password, allowWeak: options.allowWeak ?? false, makeDefault: true })
    }
    return await this.unlock(options.password)
  }

  /** Unlock with the password; the default key becomes the tab's owner key. */
  async unlock (password: string): Promise<UnlockedKey> {
    await this.keystore.unlock(password)
    this.#key = await this.keystore.key()
    return this.#key
  }

  /** Make another key of the keystore the default and the tab's owner key. */
  async use (name: string): Promise<UnlockedKey> {
    const key = await this.keystore.key(name)
    await this.keystore.setDefault(name)
    this.#key = key
    return key
  }

  lock (): void {
    this.keystore.lock()
    this.#key = undefined
  }

  requireKey (): UnlockedKey {
    if (this.#key === undefined) throw new NotFoundError('No unlocked key: run datamesh.setup({ password }) or datamesh.unlock(password) first')
    return this.#key
  }
}
