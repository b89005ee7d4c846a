/**
 * Frozen derivations (derivations-v1.json): every HKDF info string and
 * signature domain of src/core with the bytes it gives from a fixed input,
 * and the segment nonce layout. All are deterministic and relied upon: a
 * build that derives other bytes cannot read what earlier builds wrote.
 * Runs in Node and in Chromium.
 */
import { describe, it, expect } from 'vitest'
import { deriveKey, segmentNonce } from '../../../src/core/aead.ts'
import { ECIES_INFO } from '../../../src/core/keys/ecies.ts'
import { hkdfSha256 } from '../../../src/core/keys/hkdf.ts'
import { domainSeparated, verifySignature } from '../../../src/core/signature.ts'
import { signerFromIdentity } from '../../../src/core/keys/identity.ts'
import { fromHex, toHex, sampleIdentity } from '../../fixtures/formats/samples.ts'
import sample from '../../fixtures/formats/derivations-v1.json'

const encoder = new TextEncoder()

async function probe (key: CryptoKey): Promise<string> {
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: fromHex(sample.probe.nonceHex).slice() }, key, fromHex(sample.probe.plainHex).slice())
  return toHex(new Uint8Array(sealed))
}

describe('frozen derivations (v1)', () => {
  for (const sub of sample.subKeys) {
    it(`file key -> ${sub.purpose} key ("${sub.info}")`, async () => {
      // the key the pipeline derives (non-extractable) encrypts the probe to the recorded bytes
      expect(await probe(await deriveKey(fromHex(sample.fileKeyHex), sub.purpose as 'content' | 'manifest'))).toBe(sub.probeSealedHex)
      // and those bytes come from HKDF-SHA256 with the recorded info string and output
      expect(toHex(hkdfSha256(fromHex(sample.fileKeyHex), new Uint8Array(0), encoder.encode(sub.info), 32))).toBe(sub.okmHex)
      const imported = await crypto.subtle.importKey('raw', fromHex(sub.okmHex).slice(), { name: 'AES-GCM' }, false, ['encrypt'])
      expect(await probe(imported)).toBe(sub.probeSealedHex)
    })
  }

  it('ECIES info string and its HKDF output', () => {
    expect(ECIES_INFO).toBe(sample.ecies.info)
    const e = sample.ecies
    expect(toHex(hkdfSha256(fromHex(e.ikmHex), fromHex(e.saltHex), encoder.encode(ECIES_INFO), e.length))).toBe(e.okmHex)
  })

  for (const s of sample.signatures) {
    it(`signature domain "${s.domain}": preimage bytes and a recorded signature`, () => {
      const preimage = domainSeparated(s.domain, fromHex(s.messageHex))
      expect(toHex(preimage)).toBe(s.preimageHex)
      const signer = signerFromIdentity(sampleIdentity(s.signer))
      expect(verifySignature(signer.publicKey, preimage, fromHex(s.signatureHex))).toBe(true)
    })
  }

  it('segment nonces: stripe (u64 BE) || segment (u31 BE), top bit on the last segment of the file', () => {
    for (const n of sample.nonces) {
      expect(toHex(segmentNonce(n.stripe, n.segment, n.final)), JSON.stringify(n)).toBe(n.nonceHex)
    }
  })
})
