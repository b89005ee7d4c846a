/**
 * Frozen sample: per-file repair keys, a repair capability and a release
 * (repair-v1.json). A capability is signed by an owner's build and checked
 * by repairers and holders of other builds, so today's code must derive the
 * recorded keys, encode the recorded payload byte for byte, parse it to the
 * recorded fields, and accept the recorded signatures.
 */
import { describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { parseFileKey } from '../../src/core/manifest.ts'
import { deriveRepairSecretKey, repairPublicKey, REPAIR_KEY_INFO } from '../../src/core/keys/repair-key.ts'
import { signerFromIdentity } from '../../src/core/keys/identity.ts'
import { encodeRepairCap, findCapShard, parseRepairCap, repairCapPreimage, REPAIR_CAP_DOMAIN, verifyRepairCap } from '../../src/core/repair-cap.ts'
import { verifySignature } from '../../src/core/signature.ts'
import { RELEASE_DOMAIN } from '../../src/net/repair/constants.ts'
import { releasePreimage } from '../../src/net/repair/messages.ts'
import { ownerId } from '../../src/net/shard/context.ts'
import { fromHex, sampleIdentity, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/repair-v1.json'

const c = sample.capability

describe('frozen repair keys, capability and release (v1)', () => {
  it('derives the recorded per-file repair keys and owner labels', () => {
    expect(REPAIR_KEY_INFO).toBe(sample.info)
    for (const k of sample.keys) {
      const secret = sampleIdentity(k.owner).ed25519.secretKey
      const cid = parseFileKey(k.file).bytes
      expect(toHex(cid)).toBe(k.fileKeyCidHex)
      expect(toHex(deriveRepairSecretKey(secret, cid))).toBe(k.seedHex)
      expect(toHex(repairPublicKey(secret, cid))).toBe(k.publicKeyHex)
      expect(ownerId(fromHex(k.publicKeyHex))).toBe(k.ownerLabel)
    }
    expect(toHex(signerFromIdentity(sampleIdentity(c.owner)).forFile(parseFileKey(c.file).bytes).publicKey)).toBe(c.publicKeyHex)
  })

  it('encodes the recorded payload from its fields, parses it back to them, and accepts the recorded signature', () => {
    expect(REPAIR_CAP_DOMAIN).toBe(c.domain)
    const fields = {
      key: fromHex(c.publicKeyHex),
      seq: c.seq,
      exp: c.exp,
      k: c.k,
      m: c.m,
      manifest: { id: CID.parse(c.manifest.id).bytes, size: c.manifest.size, copies: c.manifest.copies },
      stripes: c.stripes.map(s => ({ size: s.size, ids: s.ids.map(id => CID.parse(id).bytes) })),
      repairers: c.repairers.map(p => peerIdFromString(p).toMultihash().bytes)
    }
    const payload = fromHex(c.payloadHex)
    expect(toHex(encodeRepairCap(fields))).toBe(c.payloadHex)
    expect(parseRepairCap(payload)).toEqual(fields)
    expect(toHex(repairCapPreimage(payload))).toBe(c.preimageHex)
    const cap = verifyRepairCap({ bytes: payload, sig: fromHex(c.signatureHex) }, { now: c.exp - 1 })
    expect(findCapShard(cap, CID.parse(c.stripes[2]!.ids[5]!))).toEqual({ stripe: 2, index: 5, size: c.stripes[2]!.size })
    expect(() => verifyRepairCap({ bytes: payload, sig: fromHex(c.signatureHex) }, { now: c.exp })).toThrow(expect.objectContaining({ name: 'StaleRecordError' }))
  })

  it('builds the recorded release preimage, and the recorded signature verifies under the repair key', () => {
    const r = sample.release
    expect(RELEASE_DOMAIN).toBe(r.domain)
    const preimage = releasePreimage(fromHex(c.publicKeyHex), r.seq, peerIdFromString(r.repairer).toMultihash().bytes)
    expect(toHex(preimage)).toBe(r.preimageHex)
    expect(verifySignature(fromHex(c.publicKeyHex), preimage, fromHex(r.signatureHex))).toBe(true)
  })
})
