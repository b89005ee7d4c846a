import { describe, it, expect } from 'vitest'
import { Keystore } from '../../../src/core/keystore/keystore.ts'
import { parseSealedBlob, sealWithPassword } from '../../../src/core/keystore/sealed.ts'
import { generateIdentity, identityFromSecretKeys, parsePublicIdentity, publicIdentity, formatPublicIdentity, seal } from '../../../src/core/keys/index.ts'
import { verifySignature } from '../../../src/core/signature.ts'
import { FAST, STRONG, STRONG2, WEAK, SpyVault, errorOf, expectError } from './helpers.ts'

const enc = new TextEncoder()

async function setup (): Promise<{ vault: SpyVault, ks: Keystore }> {
  const vault = new SpyVault()
  const ks = new Keystore(vault, { argon2: FAST })
  await ks.createKey('main', { password: STRONG })
  return { vault, ks }
}

describe('Keystore', () => {
  it('refuses to set up with a weak password unless allowed', async () => {
    const vault = new SpyVault()
    const ks = new Keystore(vault, { argon2: FAST })
    await expectError(ks.createKey('main', { password: WEAK }), 'WeakPasswordError')
    expect(await vault.list()).toEqual([])
    expect(ks.isUnlocked).toBe(false)
    await ks.createKey('main', { password: WEAK, allowWeak: true })
    expect((await ks.list()).map(k => k.name)).toEqual(['main'])
  })

  it('creates, lists without secrets, unlocks, signs and opens ECIES', async () => {
    const { vault, ks } = await setup()
    expect(ks.isUnlocked).toBe(true)
    const [info] = await ks.list()
    expect(info).toMatchObject({ name: 'main', isDefault: true })
    expect(Object.keys(info ?? {}).sort()).toEqual(['created', 'isDefault', 'name', 'publicKey', 'publicKeyString'])
    expect(parsePublicIdentity(info?.publicKeyString ?? '').ed25519).toEqual(info?.publicKey.ed25519)
    expect(parseSealedBlob((await vault.get('main'))?.sealed ?? new Uint8Array()).params).toEqual(FAST)

    ks.lock()
    expect(ks.isUnlocked).toBe(false)
    await expectError(ks.createKey('second'), 'LockedError')
    await expectError(ks.key(), 'LockedError')
    const [key] = await ks.unlock(STRONG)
    expect(key?.name).toBe('main')
    const k = await ks.key()
    const msg = enc.encode('datamesh/test/v1\0hello')
    expect(verifySignature(k.publicKey.ed25519, msg, await k.signer.sign(msg))).toBe(true)
    const env = await seal(k.publicKey.x25519, enc.encode('file key'))
    expect(await k.open(env)).toEqual(enc.encode('file key'))
  })

  it('a locked key handle refuses to sign or open instead of using wiped secrets', async () => {
    const { ks } = await setup()
    const k = await ks.key('main')
    const env = await seal(k.publicKey.x25519, enc.encode('x'))
    ks.lock()
    expect(() => k.signer.sign(enc.encode('m'))).toThrow(/locked/)
    await expectError(k.open(env), 'LockedError')
  })

  it('a wrong password is BadPasswordError and changes no stored byte', async () => {
    const { vault, ks } = await setup()
    await ks.createKey('second')
    ks.lock()
    const before = await vault.snapshot()
    await expectError(ks.unlock(STRONG2), 'BadPasswordError')
    await expectError(ks.createKey('third', { password: STRONG2 }), 'BadPasswordError')
    await expectError(ks.deleteKey('main', { password: STRONG2 }), 'BadPasswordError')
    await expectError(ks.changePassword(STRONG2, STRONG), 'BadPasswordError')
    expect(await vault.snapshot()).toEqual(before)
    expect(ks.isUnlocked).toBe(false)
    expect((await ks.unlock(STRONG)).map(k => k.name).sort()).toEqual(['main', 'second'])
  })

  it('seals every key under one derivation, so unlocking N keys runs Argon2id once', async () => {
    const { vault, ks } = await setup()
    for (let i = 0; i < 4; i++) await ks.createKey(`k${i}`)
    const blobs = (await vault.list()).map(r => parseSealedBlob(r.sealed))
    expect(new Set(blobs.map(b => Array.from(b.salt).join())).size).toBe(1)
    expect(new Set(blobs.map(b => Array.from(b.nonce).join())).size).toBe(5)
    ks.lock()
    expect((await ks.unlock(STRONG)).length).toBe(5)
  })

  it('names: valid, unique; default, rename and delete keep the default sensible', async () => {
    const { vault, ks } = await setup()
    for (const bad of ['', ' lead', 'trail ', 'a\nb', 'x'.repeat(65), 'bidi\u202e']) await expectError(ks.createKey(bad), 'InvalidParametersError')
    await expectError(ks.createKey('main'), 'AlreadyExistsError')
    await ks.createKey('work')
    expect((await ks.list()).find(k => k.isDefault)?.name).toBe('main')
    await ks.setDefault('work')
    expect((await ks.list()).find(k => k.isDefault)?.name).toBe('work')
    expect((await ks.key()).name).toBe('work')
    await expectError(ks.setDefault('nope'), 'NotFoundError')

    await ks.rename('work', 'job')
    expect((await ks.list()).map(k => [k.name, k.isDefault])).toEqual([['main', false], ['job', true]])
    expect((await ks.key()).name).toBe('job')
    await expectError(ks.rename('job', 'main'), 'AlreadyExistsError')
    await expectError(ks.rename('nope', 'x'), 'NotFoundError')

    const job = await ks.key('job')
    const sealedLength = (await vault.get('job'))?.sealed.byteLength
    // while unlocked a password given must still be the right one: a wrong one deletes nothing
    await expectError(ks.deleteKey('job', { password: STRONG2 }), 'BadPasswordError')
    await expectError(ks.checkPassword(STRONG2), 'BadPasswordError')
    await ks.checkPassword(STRONG)
    expect((await ks.list()).map(k => k.name)).toEqual(['main', 'job'])
    vault.batches.length = 0
    await ks.deleteKey('job')
    // first the record is overwritten with random bytes of the same length, then deleted
    expect(vault.batches.length).toBe(2)
    const overwrite = vault.batches[0]?.put?.[0]
    expect(overwrite?.name).toBe('job')
    expect(overwrite?.sealed.byteLength).toBe(sealedLength)
    expect(() => parseSealedBlob(overwrite?.sealed ?? new Uint8Array())).toThrow()
    expect(vault.batches[1]).toMatchObject({ delete: ['job'], defaultKey: 'main' })
    expect(job.signer.sign.bind(null, new Uint8Array(1))).toThrow(/locked/)
    expect((await ks.list()).map(k => [k.name, k.isDefault])).toEqual([['main', true]])
    await expectError(ks.deleteKey('job'), 'NotFoundError')
    ks.lock()
    await expectError(ks.deleteKey('main'), 'LockedError')
    await ks.deleteKey('main', { password: STRONG })
    expect(await ks.list()).toEqual([])
    expect(await vault.getDefault()).toBeUndefined()
  })

  it('changes the password in one all-or-nothing write', async () => {
    const { vault, ks } = await setup()
    await ks.createKey('second')
    const pubs = (await ks.list()).map(k => k.publicKeyString)
    const before = await vault.snapshot()
    await expectError(ks.changePassword(STRONG, WEAK), 'WeakPasswordError')
    vault.failWrites = true
    expect((await errorOf(ks.changePassword(STRONG, STRONG2))).message).toBe('disk full')
    vault.failWrites = false
    expect(await vault.snapshot()).toEqual(before)

    vault.batches.length = 0
    await ks.changePassword(STRONG, STRONG2)
    expect(vault.batches.length).toBe(1)
    expect(vault.batches[0]?.put?.length).toBe(2)
    expect(ks.isUnlocked).toBe(true)
    await ks.createKey('third') // sealed under the new password
    ks.lock()
    await expectError(ks.unlock(STRONG), 'BadPasswordError')
    expect((await ks.unlock(STRONG2)).length).toBe(3)
    expect((await ks.list()).map(k => k.publicKeyString).slice(0, 2)).toEqual(pubs)
    const salts = new Set((await vault.list()).map(r => Array.from(parseSealedBlob(r.sealed).salt).join()))
    expect(salts.size).toBe(1)
    await ks.changePassword(STRONG2, WEAK, { allowWeak: true })
    ks.lock()
    await ks.unlock(WEAK)
  })

  it('stores an existing identity once', async () => {
    const { ks } = await setup()
    const id = generateIdentity()
    const copy = identityFromSecretKeys(id.x25519.secretKey, id.ed25519.secretKey)
    const info = await ks.addIdentity('imported', id, { makeDefault: true })
    expect(info.publicKeyString).toBe(formatPublicIdentity(publicIdentity(copy)))
    expect(info.isDefault).toBe(true)
    await expectError(ks.addIdentity('again', copy), 'AlreadyExistsError')
  })

  it('honours an aborted signal and writes nothing', async () => {
    const { vault, ks } = await setup()
    const before = await vault.snapshot()
    const ac = new AbortController()
    ac.abort()
    await expectError(ks.createKey('x', { signal: ac.signal }), 'AbortedError')
    await expectError(ks.changePassword(STRONG, STRONG2, { signal: ac.signal }), 'AbortedError')
    expect(await vault.snapshot()).toEqual(before)
  })

  it('locks itself when another keystore re-sealed the same vault', async () => {
    const { vault, ks } = await setup()
    const other = new Keystore(vault, { argon2: FAST })
    await other.changePassword(STRONG, STRONG2)
    await expectError(ks.createKey('late'), 'LockedError')
    expect(ks.isUnlocked).toBe(false)
    expect((await ks.unlock(STRONG2)).length).toBe(1)
  })

  it('reports damage: a record under another password, a swapped public key', async () => {
    const { vault, ks } = await setup()
    const id = generateIdentity()
    const secret = new Uint8Array([...id.x25519.secretKey, ...id.ed25519.secretKey])
    const good = await vault.get('main')
    if (good === undefined) throw new Error('missing')
    await vault.inner.write({ put: [{ name: 'alien', created: 1, publicKey: good.publicKey, sealed: await sealWithPassword(STRONG2, secret, { params: FAST }) }] })
    ks.lock()
    await expectError(ks.unlock(STRONG), 'MalformedDataError')
    await vault.inner.write({ delete: ['alien'] })
    const other = generateIdentity()
    const swapped = new Uint8Array([1, ...other.x25519.publicKey, ...other.ed25519.publicKey])
    await vault.inner.write({ put: [{ ...good, publicKey: swapped }] })
    await expectError(ks.unlock(STRONG), 'MalformedDataError')
    expect(ks.isUnlocked).toBe(false)
  })

  it('unlock on an empty keystore is NotFoundError', async () => {
    await expectError(new Keystore(new SpyVault(), { argon2: FAST }).unlock(STRONG), 'NotFoundError')
  })
})
