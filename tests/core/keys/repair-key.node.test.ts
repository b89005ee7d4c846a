/**
 * Per-file repair keys against a second implementation: Node's own HKDF
 * (OpenSSL) and Ed25519 key generation, on random owner keys and file key CIDs.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto'
import { deriveRepairSecretKey, repairPublicKey } from '../../../src/core/keys/index.ts'

/** RFC 8410 PKCS#8 prefix of a raw Ed25519 private key */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')

function nodeRepairKey (seed: Uint8Array, cid: Uint8Array): { seed: Buffer, publicKey: Buffer } {
  const info = Buffer.concat([Buffer.from('datamesh/v1/repair-key', 'utf8'), Buffer.from([0]), cid])
  const okm = Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), info, 32))
  const spki = createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, okm]), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' })
  return { seed: okm, publicKey: spki.subarray(spki.byteLength - 32) }
}

describe('per-file repair keys, cross-checked with node:crypto', () => {
  it('agree on random owner keys and file key CIDs', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 128 }), (seed, cid) => {
      const theirs = nodeRepairKey(seed, cid)
      expect(Buffer.from(deriveRepairSecretKey(seed, cid)).equals(theirs.seed)).toBe(true)
      expect(Buffer.from(repairPublicKey(seed, cid)).equals(theirs.publicKey)).toBe(true)
    }), { numRuns: 100 })
  })
})
