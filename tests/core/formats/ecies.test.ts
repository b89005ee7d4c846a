/**
 * Frozen sample: ECIES envelopes sealed to the sample owner by an earlier
 * build (ecies-v1.json) open with today's code. The envelope is not
 * deterministic (a fresh ephemeral key each time), so only reading is
 * checked. Runs in Node and in Chromium.
 */
import { describe, it, expect } from 'vitest'
import { open, parseEnvelope } from '../../../src/core/keys/ecies.ts'
import { fromHex, toHex, sampleIdentity } from '../../fixtures/formats/samples.ts'
import sample from '../../fixtures/formats/ecies-v1.json'

const recipient = sampleIdentity(sample.recipient)

describe('frozen ECIES envelopes (v1)', () => {
  for (const e of sample.envelopes) {
    it(`${e.label}: opens to the recorded plaintext`, async () => {
      const envelope = fromHex(e.envelopeHex)
      const parsed = parseEnvelope(envelope)
      expect(parsed.ephemeralPublicKey.byteLength).toBe(32)
      expect(parsed.sealed.byteLength).toBe(e.plaintextHex.length / 2 + 16)
      const aad = e.associatedDataHex !== undefined ? { associatedData: fromHex(e.associatedDataHex) } : undefined
      expect(toHex(await open(recipient.x25519.secretKey, envelope, aad))).toBe(e.plaintextHex)
    })
  }
})
