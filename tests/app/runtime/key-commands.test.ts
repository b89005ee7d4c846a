/**
 * The key calls of window.datamesh over a real keystore (memory vault, the
 * Argon2id floor). Calls that reveal or destroy secrets check the keystore
 * password again, even while the keys are unlocked.
 */
import { describe, expect, it } from 'vitest'
import { Keystore } from '../../../src/core/keystore/index.ts'
import { decodeKeyExport } from '../../../src/core/keystore/export-file.ts'
import { TabKeys } from '../../../src/app/runtime/keys.ts'
import { createKeyCommands, type KeyCommands } from '../../../src/app/runtime/key-commands.ts'
import type { ApiChange, Settings } from '../../../src/api/types.ts'
import { FAST, STRONG, STRONG2, SpyVault, expectError } from '../../core/keystore/helpers.ts'

const EXPORT_PW = 'quartz meadow 81 lantern ferry'

interface Setup {
  commands: KeyCommands
  vault: SpyVault
  tab: TabKeys
  events: { changes: ApiChange[], adopted: number, locked: number, settings: Array<Partial<Settings>> }
}

async function unlocked (...extra: string[]): Promise<Setup> {
  const vault = new SpyVault()
  const tab = TabKeys.over(new Keystore(vault, { argon2: FAST }))
  const events: Setup['events'] = { changes: [], adopted: 0, locked: 0, settings: [] }
  const commands = createKeyCommands({
    keys: async () => tab,
    adoptUnlocked: () => { events.adopted++ },
    lock: () => { tab.lock(); events.locked++ },
    notify: (change) => { events.changes.push(change) },
    saveSettings: (settings) => { events.settings.push(settings) }
  })
  await commands.setup({ password: STRONG, contribution: 2e9 })
  for (const name of extra) await commands.createKey(name)
  return { commands, vault, tab, events }
}

describe('key commands', () => {
  it('set up: keys under the password, settings saved, the key adopted', async () => {
    const { commands, events } = await unlocked()
    expect(await commands.status()).toMatchObject({ setUp: true, unlocked: true, publicKey: expect.stringMatching(/^z/) })
    expect(events.settings).toEqual([{ contribution: 2e9 }])
    expect(events.adopted).toBe(1)
  })

  describe('exportKeys', () => {
    it('exports every key under the export password once the keystore password is given again', async () => {
      const { commands } = await unlocked('work')
      const file = await commands.exportKeys(STRONG, EXPORT_PW)
      expect((await decodeKeyExport(file, EXPORT_PW)).map(k => k.name)).toEqual(['main', 'work'])
    })

    it('refuses a wrong or missing keystore password with BadPasswordError, although the keys are unlocked', async () => {
      const { commands, tab, vault } = await unlocked()
      const before = await vault.snapshot()
      await expectError(commands.exportKeys(STRONG2, EXPORT_PW), 'BadPasswordError')
      await expectError(commands.exportKeys('', EXPORT_PW), 'BadPasswordError')
      await expectError(commands.exportKeys(undefined as unknown as string, EXPORT_PW), 'BadPasswordError')
      // the one-argument form of older callers (the export password alone) exports nothing and says what is missing
      await expectError((commands.exportKeys as (p: string) => Promise<Uint8Array>)(EXPORT_PW), 'InvalidParametersError')
      expect(await vault.snapshot()).toEqual(before)
      expect(tab.unlocked).toBeDefined()
    })

    it('asks for a strong export password of its own', async () => {
      const { commands } = await unlocked()
      await expectError(commands.exportKeys(STRONG, 'password1'), 'WeakPasswordError')
    })

    it('needs the keys unlocked', async () => {
      const { commands, tab } = await unlocked()
      tab.lock()
      await expectError(commands.exportKeys(STRONG, EXPORT_PW), 'LockedError')
    })
  })

  describe('deleteKey', () => {
    it('refuses a wrong or missing keystore password with BadPasswordError and deletes nothing', async () => {
      const { commands, vault } = await unlocked('work')
      const before = await vault.snapshot()
      await expectError(commands.deleteKey('work', STRONG2), 'BadPasswordError')
      await expectError(commands.deleteKey('work', ''), 'BadPasswordError')
      await expectError(commands.deleteKey('work', undefined as unknown as string), 'BadPasswordError')
      expect(await vault.snapshot()).toEqual(before)
      expect((await commands.keys()).map(k => k.name)).toEqual(['main', 'work'])
    })

    it('deletes with the right password; deleting the key in use switches to the default, the last one locks', async () => {
      const { commands, tab, events } = await unlocked('work')
      await commands.deleteKey('work', STRONG)
      expect((await commands.keys()).map(k => k.name)).toEqual(['main'])
      expect(events.changes).toContain('keys')
      await commands.useKey('main')
      await commands.createKey('spare')
      await commands.deleteKey('main', STRONG)
      expect(tab.unlocked?.name).toBe('spare')
      await commands.deleteKey('spare', STRONG)
      expect(events.locked).toBe(1)
      expect(await commands.status()).toMatchObject({ setUp: false, unlocked: false })
    })
  })

  describe('changePassword', () => {
    it('refuses a wrong or missing current password with BadPasswordError and changes nothing', async () => {
      const { commands, vault, tab } = await unlocked()
      const before = await vault.snapshot()
      await expectError(commands.changePassword(STRONG2, EXPORT_PW), 'BadPasswordError')
      await expectError(commands.changePassword('', EXPORT_PW), 'BadPasswordError')
      await expectError(commands.changePassword(undefined as unknown as string, EXPORT_PW), 'BadPasswordError')
      expect(await vault.snapshot()).toEqual(before)
      tab.lock()
      await commands.unlock(STRONG)
      await expectError(commands.unlock(EXPORT_PW), 'BadPasswordError')
    })

    it('re-seals under the new password with the right current one', async () => {
      const { commands, tab } = await unlocked()
      await commands.changePassword(STRONG, STRONG2)
      tab.lock()
      await expectError(commands.unlock(STRONG), 'BadPasswordError')
      await commands.unlock(STRONG2)
      // and the new one is what the secret-revealing calls check from now on
      await expectError(commands.exportKeys(STRONG, EXPORT_PW), 'BadPasswordError')
      expect((await decodeKeyExport(await commands.exportKeys(STRONG2, EXPORT_PW), EXPORT_PW)).length).toBe(1)
    })
  })
})
