/**
 * The key calls of `window.datamesh`: status, setup, unlock, and the
 * keystore's keys. The mesh never sees secret key bytes (src/app/runtime/keys.ts).
 *
 * Calls that reveal or destroy secrets — `exportKeys`, `deleteKey`,
 * `changePassword` — need the keystore password again, checked against the
 * sealed keys (Argon2id), even while the keys are unlocked: a script that
 * got into an unlocked tab cannot take the keys out or destroy them without
 * knowing the password. A wrong or missing password is a BadPasswordError
 * and changes nothing.
 */
import { BadPasswordError, InvalidParametersError, LockedError, NotFoundError } from '../../core/errors.ts'
import type { KeyInfo } from '../../core/keystore/index.ts'
import type { ApiChange, DataMeshApi, Settings, SetupOptions } from '../../api/types.ts'
import type { TabKeys } from './keys.ts'

export type KeyCommands = Pick<DataMeshApi,
  | 'status' | 'setup' | 'unlock' | 'keys' | 'createKey' | 'renameKey' | 'deleteKey' | 'useKey'
  | 'changePassword' | 'exportKeys' | 'importKeys'
>

export interface KeyCommandsContext {
  /** the keystore, once open */
  keys: () => Promise<TabKeys>
  /** the unlocked key became (or changed) the owner key: the runtime adopts it */
  adoptUnlocked: () => void
  /** lock the tab (no key is left to use) */
  lock: () => void
  notify: (change: ApiChange) => void
  /** save the settings chosen at setup */
  saveSettings: (settings: Partial<Settings>) => void
}

/** A password argument as given by any caller (a script may pass anything): BadPasswordError unless it is a non-empty string. */
function requirePassword (password: unknown, what = 'The keystore password'): string {
  if (typeof password !== 'string' || password === '') throw new BadPasswordError(`${what} is needed for this`)
  return password
}

export function createKeyCommands (ctx: KeyCommandsContext): KeyCommands {
  const unlocked = async (): Promise<TabKeys> => {
    const k = await ctx.keys()
    if (k.unlocked === undefined) throw new LockedError('Unlock your keys first')
    return k
  }
  const publicKey = async (): Promise<string> => (await unlocked()).requireKey().publicKeyString
  const keyInfo = async (name: string): Promise<KeyInfo> => {
    const found = (await (await ctx.keys()).keystore.list()).find(k => k.name === name)
    if (found === undefined) throw new NotFoundError(`No key named ${name}`)
    return found
  }

  return {
    status: async () => {
      const k = await ctx.keys()
      const key = k.unlocked
      return { setUp: await k.initialised(), unlocked: key !== undefined, ...(key !== undefined ? { publicKey: key.publicKeyString } : {}) }
    },
    setup: async (options: SetupOptions) => {
      const k = await ctx.keys()
      const { password, allowWeak, importKeys, keyName, ...settings } = options
      ctx.saveSettings(settings)
      await k.setup({ password, ...(allowWeak !== undefined ? { allowWeak } : {}), ...(importKeys !== undefined ? { importKeys } : {}), ...(keyName !== undefined ? { keyName } : {}) })
      ctx.adoptUnlocked()
      return { publicKey: await publicKey() }
    },
    unlock: async (password) => {
      await (await ctx.keys()).unlock(password)
      ctx.adoptUnlocked()
      return { publicKey: await publicKey() }
    },
    keys: async () => await (await ctx.keys()).keystore.list(),
    createKey: async (name) => {
      await (await unlocked()).keystore.createKey(name)
      ctx.notify('keys')
      return await keyInfo(name)
    },
    renameKey: async (from, to) => {
      await (await unlocked()).keystore.rename(from, to)
      ctx.notify('keys')
    },
    deleteKey: async (name, password) => {
      const k = await unlocked()
      const wasOwner = k.unlocked?.name === name
      // given a password, the keystore checks it even while unlocked (BadPasswordError, nothing deleted)
      await k.keystore.deleteKey(name, { password: requirePassword(password) })
      if (wasOwner) {
        const next = (await k.keystore.list()).find(x => x.isDefault)
        if (next !== undefined) { await k.use(next.name); ctx.adoptUnlocked() } else ctx.lock()
      }
      ctx.notify('keys')
    },
    useKey: async (name) => {
      await (await unlocked()).use(name)
      ctx.adoptUnlocked()
      return { publicKey: await publicKey() }
    },
    changePassword: async (oldPassword, newPassword) => {
      const old = requirePassword(oldPassword, 'The current password')
      if (typeof newPassword !== 'string') throw new InvalidParametersError('changePassword(oldPassword, newPassword): the new password is missing')
      // the keystore opens every key with the old password first (BadPasswordError, nothing changed)
      await (await ctx.keys()).keystore.changePassword(old, newPassword)
    },
    exportKeys: async (password, exportPassword) => {
      const k = await unlocked()
      const checked = requirePassword(password)
      if (typeof exportPassword !== 'string') throw new InvalidParametersError('exportKeys(password, exportPassword): the backup file needs a password of its own')
      await k.keystore.checkPassword(checked)
      return await k.keystore.exportKeys(exportPassword)
    },
    importKeys: async (data, password) => {
      const result = await (await unlocked()).keystore.importKeys(data, password, { onCollision: 'rename' })
      ctx.notify('keys')
      return { imported: result.imported.map(x => x.name) }
    }
  }
}
