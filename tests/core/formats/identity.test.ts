/**
 * Frozen sample: the public identity, as 65 bytes and as the `z...` string
 * people copy and paste (identity-v1.json), and the 64-byte secret layout the
 * keystore seals. Runs in Node and in Chromium.
 */
import { describe, it, expect } from 'vitest'
import { decodeIdentitySecrets, identityFromSecretKeys, publicIdentity } from '../../../src/core/keys/identity.ts'
import { decodePublicIdentity, encodePublicIdentity, formatPublicIdentity, parsePublicIdentity } from '../../../src/core/keys/public-key.ts'
import { concatBytes } from '../../../src/core/bytes.ts'
import { fromHex, toHex } from '../../fixtures/formats/samples.ts'
import sample from '../../fixtures/formats/identity-v1.json'

describe('frozen public identities (v1)', () => {
  for (const id of sample.identities) {
    describe(id.name, () => {
      it('the recorded string parses to the recorded keys', () => {
        const pub = parsePublicIdentity(id.publicKeyString)
        expect({ x: toHex(pub.x25519), ed: toHex(pub.ed25519) }).toEqual({ x: id.x25519PublicHex, ed: id.ed25519PublicHex })
      })

      it('the recorded bytes decode to the recorded keys', () => {
        const pub = decodePublicIdentity(fromHex(id.publicKeyBytesHex))
        expect({ x: toHex(pub.x25519), ed: toHex(pub.ed25519) }).toEqual({ x: id.x25519PublicHex, ed: id.ed25519PublicHex })
      })

      // Relied upon: the parser refuses a string that does not re-encode to itself, and keys are compared as strings.
      it('today\'s encoder writes the same bytes and string', () => {
        const pub = { x25519: fromHex(id.x25519PublicHex), ed25519: fromHex(id.ed25519PublicHex) }
        expect(toHex(encodePublicIdentity(pub))).toBe(id.publicKeyBytesHex)
        expect(formatPublicIdentity(pub)).toBe(id.publicKeyString)
      })

      it('the secret keys give the recorded public keys, also through the 64-byte secret layout', () => {
        const fromKeys = publicIdentity(identityFromSecretKeys(fromHex(id.x25519SecretHex), fromHex(id.ed25519SecretHex)))
        const fromLayout = publicIdentity(decodeIdentitySecrets(concatBytes([fromHex(id.x25519SecretHex), fromHex(id.ed25519SecretHex)])))
        for (const pub of [fromKeys, fromLayout]) {
          expect({ x: toHex(pub.x25519), ed: toHex(pub.ed25519) }).toEqual({ x: id.x25519PublicHex, ed: id.ed25519PublicHex })
        }
      })
    })
  }
})
