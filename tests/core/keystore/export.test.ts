import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { Keystore } from '../../../src/core/keystore/keystore.ts'
import { decodeKeyExport, parseKeyExport, EXPORT_MAGIC } from '../../../src/core/keystore/export-file.ts'
import { derivePasswordKey, sealWithKey } from '../../../src/core/keystore/sealed.ts'
import { DataMeshError } from '../../../src/core/errors.ts'
import { FAST, STRONG, STRONG2, WEAK, SpyVault, errorOf, expectError } from './helpers.ts'

const EXPORT_PW = 'tangerine-ocelot-harbor-51-quill'

async function keystoreWith (...names: string[]): Promise<{ vault: SpyVault, ks: Keystore }> {
  const vault = new SpyVault()
  const ks = new Keystore(vault, { argon2: FAST })
  for (const n of names) await ks.createKey(n, { password: STRONG })
  return { vault, ks }
}

describe('key export and import', () => {
  it('moves one key into an empty keystore, which takes the given password', async () => {
    const { ks } = await keystoreWith('main', 'work')
    const file = await ks.exportKeys(EXPORT_PW, { names: ['work'], argon2: FAST })
    expect(Array.from(file.subarray(0, 5))).toEqual([...EXPORT_MAGIC, 1])
    const fresh = new Keystore(new SpyVault(), { argon2: FAST })
    const r = await fresh.importKeys(file, EXPORT_PW, { password: STRONG2 })
    expect(r).toEqual({ imported: [{ name: 'work', originalName: 'work' }], skipped: [] })
    const [a, b] = [(await ks.list()).find(k => k.name === 'work'), (await fresh.list())[0]]
    expect(b?.publicKeyString).toBe(a?.publicKeyString)
    expect(b?.created).toBe(a?.created)
    expect(b?.isDefault).toBe(true)
    const msg = new Uint8Array([1, 2, 3])
    expect(await (await fresh.key('work')).signer.sign(msg)).toEqual(await (await ks.key('work')).signer.sign(msg))
    fresh.lock()
    expect((await fresh.unlock(STRONG2)).length).toBe(1)
  })

  it('moves all keys and handles name collisions: rename, skip, fail, duplicates', async () => {
    const { ks } = await keystoreWith('main', 'work', 'old')
    const file = await ks.exportKeys(EXPORT_PW, { argon2: FAST })
    expect((await decodeKeyExport(file, EXPORT_PW)).map(k => k.name)).toEqual(['main', 'work', 'old'])

    const { vault, ks: other } = await keystoreWith('main', 'work')
    const before = await vault.snapshot()
    await expectError(other.importKeys(file, EXPORT_PW, { onCollision: 'fail' }), 'AlreadyExistsError')
    expect(await vault.snapshot()).toEqual(before)

    const skipped = await other.importKeys(file, EXPORT_PW, { onCollision: 'skip' })
    expect(skipped.imported).toEqual([{ name: 'old', originalName: 'old' }])
    expect(skipped.skipped).toEqual([{ name: 'main', reason: 'name-taken' }, { name: 'work', reason: 'name-taken' }])

    const renamed = await other.importKeys(file, EXPORT_PW)
    expect(renamed.imported).toEqual([{ name: 'main (2)', originalName: 'main' }, { name: 'work (2)', originalName: 'work' }])
    expect(renamed.skipped).toEqual([{ name: 'old', reason: 'duplicate' }])
    expect((await other.list()).map(k => k.name).sort()).toEqual(['main', 'main (2)', 'old', 'work', 'work (2)'])
    expect((await other.list()).find(k => k.isDefault)?.name).toBe('main')
    other.lock()
    expect((await other.unlock(STRONG)).length).toBe(5)
  })

  it('a wrong export password is BadPasswordError and changes nothing', async () => {
    const { ks } = await keystoreWith('main')
    const file = await ks.exportKeys(EXPORT_PW, { argon2: FAST })
    const { vault, ks: other } = await keystoreWith('mine')
    const before = await vault.snapshot()
    await expectError(other.importKeys(file, STRONG), 'BadPasswordError')
    expect(await vault.snapshot()).toEqual(before)
  })

  it('export: needs the keystore unlocked, known names, a strong password (or allowWeak)', async () => {
    const { ks } = await keystoreWith('main')
    await expectError(ks.exportKeys(WEAK, { argon2: FAST }), 'WeakPasswordError')
    expect((await decodeKeyExport(await ks.exportKeys(WEAK, { argon2: FAST, allowWeak: true }), WEAK)).length).toBe(1)
    await expectError(ks.exportKeys(EXPORT_PW, { names: ['nope'], argon2: FAST }), 'NotFoundError')
    ks.lock()
    await expectError(ks.exportKeys(EXPORT_PW, { argon2: FAST }), 'LockedError')
  })

  it('refuses a well-encrypted payload that is not the documented schema', async () => {
    const head = new Uint8Array([...EXPORT_MAGIC, 1])
    const key = await derivePasswordKey(EXPORT_PW, FAST)
    const file = async (doc: unknown): Promise<Uint8Array> => new Uint8Array([...head, ...await sealWithKey(key, dagCbor.encode(doc), head)])
    const secret = new Uint8Array(64).fill(7)
    const entry = { name: 'a', created: 1, secret }
    const bad: Array<[unknown, string]> = [
      [{ v: 2, keys: [entry] }, 'UnsupportedVersionError'],
      [{ v: 1, keys: [] }, 'MalformedDataError'],
      [{ v: 1, keys: [entry], extra: 1 }, 'MalformedDataError'],
      [{ v: 1, keys: [entry, entry] }, 'MalformedDataError'],
      [{ v: 1, keys: [{ ...entry, secret: secret.subarray(1) }] }, 'MalformedDataError'],
      [{ v: 1, keys: [{ ...entry, name: 'a\n' }] }, 'MalformedDataError'],
      [{ v: 1, keys: [{ ...entry, created: -1 }] }, 'MalformedDataError'],
      [[1, 2], 'MalformedDataError']
    ]
    for (const [doc, name] of bad) await expectError(decodeKeyExport(await file(doc), EXPORT_PW), name)
    expect((await decodeKeyExport(await file({ v: 1, keys: [entry] }), EXPORT_PW))[0]?.name).toBe('a')
    const notCbor = new Uint8Array([...head, ...await sealWithKey(key, new Uint8Array([0xff, 0x00]), head)])
    await expectError(decodeKeyExport(notCbor, EXPORT_PW), 'MalformedDataError')
  })

  it('fuzz: random, prefixed and mutated files give only typed errors', async () => {
    const { ks } = await keystoreWith('main')
    const valid = await ks.exportKeys(EXPORT_PW, { argon2: FAST })
    await expectError(decodeKeyExport(valid.subarray(0, 3), EXPORT_PW), 'MalformedDataError')
    const prefixed = fc.uint8Array({ maxLength: 120 }).map(b => new Uint8Array([...EXPORT_MAGIC, 1, 1, 1, ...b]))
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), prefixed), (bytes) => {
      try {
        parseKeyExport(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(DataMeshError)
      }
    }), { numRuns: 500 })
    // full decryption path; the Argon2id parameter bytes (file offsets 7..12) are left alone so each run stays ~50 ms
    const editable = fc.nat(valid.byteLength - 1).filter(i => i < 7 || i > 12)
    await fc.assert(fc.asyncProperty(editable, fc.integer({ min: 1, max: 255 }), async (i, x) => {
      const b = valid.slice(); b[i] = (b[i] as number) ^ x
      expect(await errorOf(decodeKeyExport(b, EXPORT_PW))).toBeInstanceOf(DataMeshError)
    }), { numRuns: 15 })
  })
})
