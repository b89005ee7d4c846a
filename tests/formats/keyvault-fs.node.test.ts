/**
 * Frozen sample: the Node key vault file (`{ v: 1, default, keys: [...] }`,
 * src/store/keyvault/fs.ts) written by an earlier build (keyvault-v1.json).
 * Today's FsKeyVault reads the recorded records from it, the keystore
 * unlocks them, and rewriting the unchanged state gives the same bytes.
 * Node only: the vault file lives on a file system.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ARGON2_MIN } from '../../src/core/keystore/argon2.ts'
import { Keystore } from '../../src/core/keystore/keystore.ts'
import { FsKeyVault } from '../../src/store/keyvault/fs.ts'
import { fromBase64, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/keyvault-v1.json'
import identities from '../fixtures/formats/identity-v1.json'

let dir: string
let path: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datamesh-frozen-vault-'))
  path = join(dir, 'keys.cbor')
  await writeFile(path, fromBase64(sample.fsFileBase64), { mode: 0o600 })
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('frozen Node key vault file (v1)', () => {
  it('reads to the recorded records and default key', async () => {
    const vault = new FsKeyVault(path)
    expect((await vault.list()).map(r => ({ name: r.name, created: r.created, publicKeyHex: toHex(r.publicKey), sealedHex: toHex(r.sealed) })))
      .toEqual(sample.records.map(r => ({ name: r.name, created: r.created, publicKeyHex: r.publicKeyHex, sealedHex: r.sealedHex })))
    expect(await vault.getDefault()).toBe(sample.defaultKey)
  })

  it('unlocks with the recorded password to the sample identities', async () => {
    const keystore = new Keystore(new FsKeyVault(path), { argon2: ARGON2_MIN })
    const keys = await keystore.unlock(sample.password)
    expect(keys.map(k => [k.name, k.publicKeyString]).sort())
      .toEqual(sample.records.map(r => [r.name, identities.identities.find(i => i.name === r.identity)?.publicKeyString]).sort())
  })

  it('today\'s writer writes the same bytes for the same state', async () => {
    await new FsKeyVault(path).write({})
    expect(toHex(await readFile(path))).toBe(toHex(fromBase64(sample.fsFileBase64)))
  })
})
