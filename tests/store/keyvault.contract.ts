/** The contract every KeyVault backend passes (core/keystore/vault.ts). */
import { describe, it, expect, afterEach } from 'vitest'
import { DataMeshError } from '../../src/core/errors.ts'
import type { KeyVault, StoredKey } from '../../src/core/keystore/vault.ts'
import { Keystore } from '../../src/core/keystore/keystore.ts'
import { ARGON2_MIN } from '../../src/core/keystore/argon2.ts'

export interface VaultFixture {
  vault: KeyVault
  /** a second handle on the same storage (a new tab or process), when the backend persists */
  reopen?: () => Promise<KeyVault>
  cleanup?: () => Promise<void>
}

function rec (name: string, fill = 1, length = 80): StoredKey {
  return { name, created: 1_700_000_000_000 + fill, publicKey: new Uint8Array(65).fill(fill), sealed: new Uint8Array(length).fill(fill) }
}

async function rejection (p: Promise<unknown>): Promise<Error> {
  try { await p } catch (err) { return err as Error }
  throw new Error('expected a rejection')
}

export function keyVaultContract (label: string, make: () => Promise<VaultFixture>): void {
  describe(`KeyVault contract: ${label}`, () => {
    let fixture: VaultFixture | undefined
    const open = async (): Promise<VaultFixture> => { fixture = await make(); return fixture }
    afterEach(async () => { await fixture?.cleanup?.(); fixture = undefined })

    it('starts empty', async () => {
      const { vault } = await open()
      expect(await vault.list()).toEqual([])
      expect(await vault.get('a')).toBeUndefined()
      expect(await vault.getDefault()).toBeUndefined()
    })

    it('stores, reads back equal copies, and deletes', async () => {
      const { vault } = await open()
      const a = rec('a', 1)
      await vault.write({ put: [a, rec('b', 2)], defaultKey: 'a' })
      a.sealed.fill(9) // the vault kept its own copy
      expect(await vault.get('a')).toEqual(rec('a', 1))
      const got = await vault.get('a')
      got?.sealed.fill(7)
      expect(await vault.get('a')).toEqual(rec('a', 1))
      expect((await vault.list()).sort((x, y) => x.name < y.name ? -1 : 1)).toEqual([rec('a', 1), rec('b', 2)])
      expect(await vault.getDefault()).toBe('a')
      await vault.write({ delete: ['a', 'never-there'] })
      expect(await vault.get('a')).toBeUndefined()
      expect((await vault.list()).map(r => r.name)).toEqual(['b'])
      expect(await vault.getDefault()).toBe('a') // the default is only changed when a batch says so
      await vault.write({ defaultKey: null })
      expect(await vault.getDefault()).toBeUndefined()
    })

    it('applies deletes before puts, and a put replaces a record', async () => {
      const { vault } = await open()
      await vault.write({ put: [rec('a', 1)] })
      await vault.write({ delete: ['a'], put: [rec('a', 3, 40)] })
      expect(await vault.get('a')).toEqual(rec('a', 3, 40))
      await vault.write({ put: [rec('a', 4)] })
      expect(await vault.get('a')).toEqual(rec('a', 4))
    })

    it('a batch with one bad record writes nothing', async () => {
      const { vault } = await open()
      await vault.write({ put: [rec('a', 1)], defaultKey: 'a' })
      const bad: Array<Partial<StoredKey>> = [{ ...rec('x'), name: '' }, { ...rec('x'), created: -1 }, { ...rec('x'), sealed: new Uint8Array(0) }, { name: 'x' }]
      for (const b of bad) {
        const err = await rejection(vault.write({ put: [rec('c', 5), b as StoredKey], delete: ['a'], defaultKey: 'c' }))
        expect(err).toBeInstanceOf(DataMeshError)
        expect(err.name).toBe('InvalidParametersError')
      }
      expect((await rejection(vault.write({ put: [rec('d'), rec('d')] }))).name).toBe('InvalidParametersError')
      expect((await vault.list()).map(r => r.name)).toEqual(['a'])
      expect(await vault.getDefault()).toBe('a')
    })

    it('an aborted signal writes nothing', async () => {
      const { vault } = await open()
      const ac = new AbortController()
      ac.abort()
      expect((await rejection(vault.write({ put: [rec('a')] }, { signal: ac.signal }))).name).toBe('AbortedError')
      expect(await vault.list()).toEqual([])
    })

    it('persists for a second handle, and a keystore works on it', async (ctx) => {
      const { vault, reopen } = await open()
      if (reopen === undefined) return ctx.skip('this backend keeps nothing between handles') // reported as skipped, not passed
      const ks = new Keystore(vault, { argon2: ARGON2_MIN })
      await ks.createKey('main', { password: 'velvet-quarry-7-lantern-obtuse' })
      await ks.createKey('work')
      await ks.setDefault('work')
      const again = await reopen()
      expect((await again.list()).map(r => r.name).sort()).toEqual(['main', 'work'])
      expect(await again.getDefault()).toBe('work')
      const ks2 = new Keystore(again, { argon2: ARGON2_MIN })
      expect((await ks2.unlock('velvet-quarry-7-lantern-obtuse')).length).toBe(2)
      await ks2.deleteKey('work')
      expect((await vault.list()).map(r => r.name)).toEqual(['main'])
      expect(await vault.getDefault()).toBe('main')
    })
  })
}
