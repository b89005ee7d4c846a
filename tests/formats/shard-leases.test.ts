/**
 * Frozen sample: leases on the shard protocol (shard-leases-v2.json), made
 * by an earlier build: a store and a store-many of request version 2 and a
 * renewal with its answer. A client of one build talks to a holder of
 * another, so today's code must build exactly the recorded preimages and
 * frames, read the recorded fields, and accept the recorded signatures.
 */
import { describe, it, expect } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { verifySignature } from '../../src/core/signature.ts'
import { DEFAULT_MAX_CLOCK_SKEW, DEFAULT_MAX_SHARD_SIZE, RENEW_DOMAIN, SHARD_PROTOCOLS, STORE_LEASE_DOMAIN, STORE_LEASE_VERSION } from '../../src/net/protocol/constants.ts'
import { encodeOk } from '../../src/net/protocol/envelope.ts'
import {
  decodeRenewResponse, decodeShardRequest, encodeShardRequest, renewPreimage, signedStorePreimage, storeLeasePreimage,
  type RenewRequest, type StoreManyRequest, type StoreRequest
} from '../../src/net/protocol/shard-messages.ts'
import { checkGrant, VerifiedGrants } from '../../src/net/shard/grants.ts'
import { fromHex, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/shard-leases-v2.json'

const holder = peerIdFromString(sample.holder).toMultihash().bytes
const owner = fromHex(sample.ownerHex)
const renewer = fromHex(sample.renewerHex)

describe('frozen lease frames (request version 2, renew 1.0.0)', () => {
  it('protocol ids, the request version and the domains are the recorded ones', () => {
    expect(STORE_LEASE_VERSION).toBe(sample.version)
    expect(SHARD_PROTOCOLS.store).toBe(sample.store.protocol)
    expect(SHARD_PROTOCOLS['store-many']).toBe(sample['store-many'].protocol)
    expect(SHARD_PROTOCOLS.renew).toBe(sample.renew.protocol)
    expect(STORE_LEASE_DOMAIN).toBe(sample.store.domain)
    expect(RENEW_DOMAIN).toBe(sample.renew.domain)
  })

  it('store v2: decoded to the recorded lease and renewer; the preimage covers both and the signature verifies', () => {
    const r = decodeShardRequest('store', fromHex(sample.store.requestHex), DEFAULT_MAX_SHARD_SIZE) as StoreRequest
    expect({ id: r.id.toString(), ts: r.ts, lease: r.lease, sigHex: toHex(r.sig) }).toEqual(sample.store.request)
    expect(toHex(r.owner)).toBe(sample.ownerHex)
    expect(toHex(r.renewer ?? new Uint8Array())).toBe(sample.renewerHex)
    const preimage = storeLeasePreimage(r.id, owner, holder, r.ts, { lease: r.lease ?? 0, renewer })
    expect(toHex(preimage)).toBe(sample.store.preimageHex)
    expect(toHex(signedStorePreimage(r, holder))).toBe(sample.store.preimageHex)
    expect(verifySignature(owner, preimage, r.sig)).toBe(true)
    expect(verifySignature(owner, signedStorePreimage({ ...r, lease: (r.lease ?? 0) + 1 }, holder), r.sig)).toBe(false)
    expect(toHex(encodeShardRequest(r))).toBe(sample.store.requestHex)
  })

  it('store-many v2: each shard\'s lease and renewer under the recorded grant, encoded to the same bytes', () => {
    const r = decodeShardRequest('store-many', fromHex(sample['store-many'].requestHex), DEFAULT_MAX_SHARD_SIZE) as StoreManyRequest
    expect({
      shards: r.shards.map(s => ({ id: s.id.toString(), lease: s.lease, renewer: s.renewer !== undefined })),
      exp: r.exp
    }).toEqual(sample['store-many'].request)
    expect(toHex(r.shards[0]?.renewer ?? new Uint8Array())).toBe(sample.renewerHex)
    const verified = new VerifiedGrants()
    checkGrant({ grant: r, holder, delegate: peerIdFromString(sample.delegate), now: r.exp - 60_000, maxClockSkew: DEFAULT_MAX_CLOCK_SKEW, verified })
    expect(verified.size).toBe(1)
    expect(toHex(encodeShardRequest(r))).toBe(sample['store-many'].requestHex)
  })

  it('renew: the recorded fields, preimage and signature, and the answer', () => {
    const r = decodeShardRequest('renew', fromHex(sample.renew.requestHex), DEFAULT_MAX_SHARD_SIZE) as RenewRequest
    expect({ ids: r.ids.map(String), until: r.until, ts: r.ts, sigHex: toHex(r.sig) }).toEqual(sample.renew.request)
    const preimage = renewPreimage(r.ids, r.owner, holder, r.until, r.ts)
    expect(toHex(preimage)).toBe(sample.renew.preimageHex)
    expect(verifySignature(owner, preimage, r.sig)).toBe(true)
    expect(toHex(encodeShardRequest(r))).toBe(sample.renew.requestHex)
    expect(decodeRenewResponse(fromHex(sample.renew.answerHex), 2)).toEqual(sample.renew.answer.extended)
    expect(toHex(encodeOk({ extended: sample.renew.answer.extended }))).toBe(sample.renew.answerHex)
  })
})
