/**
 * Frozen sample: what an owner signs for the shard protocol — store, delete
 * and store grants — and the DHT provider key of a shard
 * (shard-signatures-v1.json). These bytes are made by a client of one build
 * and checked by a holder of another, so today's code must build exactly the
 * recorded preimages, and the recorded signatures (made by an earlier build)
 * must pass the holder's checks.
 */
import { describe, it, expect } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { parseShardCid } from '../../src/core/hash.ts'
import { verifySignature } from '../../src/core/signature.ts'
import { providerKey } from '../../src/net/dht-keys.ts'
import { DELETE_DOMAIN, GRANT_DOMAIN, STORE_DOMAIN, DEFAULT_MAX_CLOCK_SKEW } from '../../src/net/protocol/constants.ts'
import { deletePreimage, grantPreimage, storePreimage } from '../../src/net/protocol/shard-messages.ts'
import { checkGrant, VerifiedGrants } from '../../src/net/shard/grants.ts'
import { fromHex, toHex, sampleIdentity } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/shard-signatures-v1.json'

const owner = fromHex(sample.ownerHex)
const holder = peerIdFromString(sample.holder)
const delegate = peerIdFromString(sample.delegate)
const shard = parseShardCid(sample.shard)

describe('frozen shard protocol signatures (v1)', () => {
  it('the signer is the sample owner, and peer ids sign as their multihash bytes', () => {
    expect(sample.ownerHex).toBe(toHex(sampleIdentity(sample.signer).ed25519.publicKey))
    expect(toHex(holder.toMultihash().bytes)).toBe(sample.holderHex)
    expect(toHex(delegate.toMultihash().bytes)).toBe(sample.delegateHex)
  })

  it('store: today\'s preimage is the recorded one, and the recorded signature verifies', () => {
    expect(STORE_DOMAIN).toBe(sample.store.domain)
    const preimage = storePreimage(shard, owner, holder.toMultihash().bytes, sample.store.ts)
    expect(toHex(preimage)).toBe(sample.store.preimageHex)
    expect(verifySignature(owner, preimage, fromHex(sample.store.signatureHex))).toBe(true)
  })

  it('delete: today\'s preimage is the recorded one, and the recorded signature verifies', () => {
    expect(DELETE_DOMAIN).toBe(sample.delete.domain)
    const preimage = deletePreimage(shard, holder.toMultihash().bytes, sample.delete.ts)
    expect(toHex(preimage)).toBe(sample.delete.preimageHex)
    expect(verifySignature(owner, preimage, fromHex(sample.delete.signatureHex))).toBe(true)
  })

  it('grant: today\'s preimage is the recorded one, and the holder accepts the recorded grant', () => {
    expect(GRANT_DOMAIN).toBe(sample.grant.domain)
    expect(toHex(grantPreimage(owner, holder.toMultihash().bytes, delegate.toMultihash().bytes, sample.grant.exp))).toBe(sample.grant.preimageHex)
    const verified = new VerifiedGrants()
    checkGrant({
      grant: { owner, exp: sample.grant.exp, sig: fromHex(sample.grant.signatureHex) },
      holder: holder.toMultihash().bytes,
      delegate,
      now: sample.grant.exp - 60_000,
      maxClockSkew: DEFAULT_MAX_CLOCK_SKEW,
      verified
    })
    expect(verified.size).toBe(1)
  })

  it('provider key: sha2-256 of the domain-separated shard id', () => {
    expect(providerKey(sample.shard).toString()).toBe(sample.provider.key)
  })
})
