/**
 * Frozen sample: what an owner signs for one holder with its key for that
 * holder (holder-key-v1.json), seen from the holder. Today's code builds
 * the recorded store, delete and grant preimages for the recorded key, the
 * holder's checks accept the recorded signatures, and the holder accounts
 * the owner under the recorded label (the owner label of the fs samples).
 */
import { describe, it, expect } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { parseShardCid } from '../../src/core/hash.ts'
import { verifySignature } from '../../src/core/signature.ts'
import { DEFAULT_MAX_CLOCK_SKEW } from '../../src/net/protocol/constants.ts'
import { deletePreimage, grantPreimage, storePreimage } from '../../src/net/protocol/shard-messages.ts'
import { ownerId } from '../../src/net/shard/context.ts'
import { checkGrant, VerifiedGrants } from '../../src/net/shard/grants.ts'
import { fromHex, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/holder-key-v1.json'

const { signed } = sample
const owner = fromHex(signed.publicKeyHex)
const holder = peerIdFromString(signed.holder).toMultihash().bytes
const delegate = peerIdFromString(signed.delegate)
const shard = parseShardCid(signed.shard)

describe('frozen signatures with a per-holder owner key (v1)', () => {
  it('holder ids are the peer ids\' multihash bytes', () => {
    for (const k of sample.keys) expect(toHex(peerIdFromString(k.holder).toMultihash().bytes)).toBe(k.holderHex)
    expect(toHex(delegate.toMultihash().bytes)).toBe(signed.delegateHex)
  })

  it('the holder accounts each key under the recorded owner label', () => {
    for (const k of sample.keys) expect(ownerId(fromHex(k.publicKeyHex))).toBe(k.ownerLabel)
  })

  it('store: today\'s preimage for the holder key is the recorded one, and the holder\'s check passes', () => {
    const preimage = storePreimage(shard, owner, holder, signed.store.ts)
    expect(toHex(preimage)).toBe(signed.store.preimageHex)
    expect(verifySignature(owner, preimage, fromHex(signed.store.signatureHex))).toBe(true)
  })

  it('delete: today\'s preimage is the recorded one, and the holder\'s check passes', () => {
    const preimage = deletePreimage(shard, holder, signed.delete.ts)
    expect(toHex(preimage)).toBe(signed.delete.preimageHex)
    expect(verifySignature(owner, preimage, fromHex(signed.delete.signatureHex))).toBe(true)
  })

  it('grant: today\'s preimage is the recorded one, and the holder accepts the grant from its delegate', () => {
    expect(toHex(grantPreimage(owner, holder, delegate.toMultihash().bytes, signed.grant.exp))).toBe(signed.grant.preimageHex)
    const verified = new VerifiedGrants()
    checkGrant({
      grant: { owner, exp: signed.grant.exp, sig: fromHex(signed.grant.signatureHex) },
      holder,
      delegate,
      now: signed.grant.exp - 60_000,
      maxClockSkew: DEFAULT_MAX_CLOCK_SKEW,
      verified
    })
    expect(verified.size).toBe(1)
  })
})
