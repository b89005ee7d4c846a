/**
 * Frozen samples of the keystore's formats, made by an earlier build:
 * password-sealed blobs (sealed-v1.json), the key export file "DMKE"
 * (export-v1.json) and key records as a KeyVault stores them
 * (keyvault-v1.json). All use Argon2id at the keystore minimum (m = 19 MiB,
 * t = 2) and random salts and nonces, so only reading is checked. Runs in
 * Node and in Chromium.
 */
import { describe, it, expect } from 'vitest'
import { ARGON2_MIN } from '../../../src/core/keystore/argon2.ts'
import { decodeKeyExport, parseKeyExport } from '../../../src/core/keystore/export-file.ts'
import { Keystore } from '../../../src/core/keystore/keystore.ts'
import { openWithPassword, parseSealedBlob } from '../../../src/core/keystore/sealed.ts'
import { open as eciesOpen } from '../../../src/core/keys/ecies.ts'
import { formatPublicIdentity } from '../../../src/core/keys/public-key.ts'
import { publicIdentity } from '../../../src/core/keys/identity.ts'
import { verifySignature } from '../../../src/core/signature.ts'
import { checkReadRecord } from '../../../src/store/keyvault/records.ts'
import { MemoryKeyVault } from '../../../src/store/keyvault/memory.ts'
import { fromBase64, fromHex, toHex, sampleIdentity } from '../../fixtures/formats/samples.ts'
import sealedSample from '../../fixtures/formats/sealed-v1.json'
import exportSample from '../../fixtures/formats/export-v1.json'
import vaultSample from '../../fixtures/formats/keyvault-v1.json'
import eciesSample from '../../fixtures/formats/ecies-v1.json'
import identities from '../../fixtures/formats/identity-v1.json'

const publicKeyString = (name: string): string => identities.identities.find(i => i.name === name)?.publicKeyString ?? 'unknown'

describe('frozen password-sealed blobs (v1)', () => {
  for (const blob of sealedSample.blobs) {
    it(`${blob.label}: recorded parameters, and opens with the password in either Unicode form`, async () => {
      const bytes = fromHex(blob.blobHex)
      expect(parseSealedBlob(bytes).params).toEqual(sealedSample.params)
      const aad = blob.associatedDataHex !== undefined ? { associatedData: fromHex(blob.associatedDataHex) } : {}
      for (const password of [sealedSample.password.normalize('NFC'), sealedSample.password.normalize('NFD')]) {
        expect(toHex(await openWithPassword(password, bytes, aad))).toBe(blob.secretHex)
      }
    })
  }
})

describe('frozen key export file (v1, "DMKE")', () => {
  it('parses to the recorded parameters and opens with its password to the recorded keys', async () => {
    const file = fromBase64(exportSample.fileBase64)
    expect(parseKeyExport(file).params).toEqual(exportSample.params)
    const keys = await decodeKeyExport(file, exportSample.password.normalize('NFD'))
    expect(keys.map(k => ({ name: k.name, created: k.created, publicKey: formatPublicIdentity(publicIdentity(k.identity)) })))
      .toEqual(exportSample.keys.map(k => ({ name: k.name, created: k.created, publicKey: publicKeyString(k.identity) })))
    keys.forEach((k, i) => {
      const expected = sampleIdentity((exportSample.keys[i] as { identity: string }).identity)
      expect(toHex(k.identity.x25519.secretKey)).toBe(toHex(expected.x25519.secretKey))
      expect(toHex(k.identity.ed25519.secretKey)).toBe(toHex(expected.ed25519.secretKey))
    })
  })

  it('imports into an empty keystore, which then unlocks with its own password', async () => {
    const keystore = new Keystore(new MemoryKeyVault(), { argon2: ARGON2_MIN })
    const result = await keystore.importKeys(fromBase64(exportSample.fileBase64), exportSample.password, { password: vaultSample.password })
    expect(result.imported.map(k => k.name)).toEqual(exportSample.keys.map(k => k.name))
    keystore.lock()
    await keystore.unlock(vaultSample.password)
    expect((await keystore.list()).map(k => [k.name, k.created, k.publicKeyString]))
      .toEqual(exportSample.keys.map(k => [k.name, k.created, publicKeyString(k.identity)]))
  })
})

describe('frozen keystore records (v1)', () => {
  const records = (): Array<{ name: string, created: number, publicKey: Uint8Array, sealed: Uint8Array }> =>
    vaultSample.records.map(r => ({ name: r.name, created: r.created, publicKey: fromHex(r.publicKeyHex), sealed: fromHex(r.sealedHex) }))

  it('are valid stored records, sealed under one Argon2id derivation at the recorded parameters', () => {
    const salts = records().map(r => {
      checkReadRecord(r)
      const blob = parseSealedBlob(r.sealed)
      expect(blob.params).toEqual(vaultSample.params)
      return toHex(blob.salt)
    })
    expect(new Set(salts).size).toBe(1)
  })

  it('unlock with the recorded password; the keys sign and open what the sample owner can', async () => {
    const vault = new MemoryKeyVault()
    await vault.write({ put: records(), defaultKey: vaultSample.defaultKey })
    const keystore = new Keystore(vault, { argon2: ARGON2_MIN })
    const unlocked = await keystore.unlock(vaultSample.password)
    expect(unlocked.map(k => [k.name, k.publicKeyString]).sort()).toEqual(vaultSample.records.map(r => [r.name, publicKeyString(r.identity)]).sort())
    expect((await keystore.list()).map(k => [k.name, k.created, k.isDefault])).toEqual(vaultSample.records.map(r => [r.name, r.created, r.name === vaultSample.defaultKey]))

    const alice = await keystore.key()
    expect(alice.name).toBe(vaultSample.defaultKey)
    const message = new TextEncoder().encode('signed by a key from a frozen vault')
    expect(verifySignature(sampleIdentity('alice').ed25519.publicKey, message, await alice.signer.sign(message))).toBe(true)
    const envelope = eciesSample.envelopes[0] as { envelopeHex: string, plaintextHex: string }
    expect(toHex(await alice.open(fromHex(envelope.envelopeHex)))).toBe(envelope.plaintextHex)
    expect(toHex(await eciesOpen(sampleIdentity('alice').x25519.secretKey, fromHex(envelope.envelopeHex)))).toBe(envelope.plaintextHex)
  })
})
