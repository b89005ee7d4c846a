/**
 * Leases on the wire between real libp2p nodes on 127.0.0.1: store and
 * store-many version 2 carry a lease and a renewer, which the holder keeps
 * (the lease capped at 90 days ahead); version 1 still gets the legacy
 * lease; /datamesh/shard/renew/1.0.0 extends what the owner's (or the
 * renewer's) key may extend and nothing else, on the holder it was signed
 * for only; malformed requests get typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import * as lp from 'it-length-prefixed'
import type { Stream } from '@libp2p/interface'
import { UnsupportedVersionError } from '../../src/core/errors.ts'
import { encodeFailure, encodeOk } from '../../src/net/protocol/envelope.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { encodeCbor } from '../../src/core/cbor.ts'
import { MAX_RENEW_IDS, SHARD_PROTOCOLS } from '../../src/net/protocol/constants.ts'
import {
  decodeEmptyResponse, decodeRenewResponse, encodeShardRequest, renewPreimage, storePreimage
} from '../../src/net/protocol/shard-messages.ts'
import { ownerId } from '../../src/net/shard/index.ts'
import { LEGACY_LEASE_MS, MAX_LEASE_MS } from '../../src/store/lease.ts'
import { connect, frame, makeShard, newSigner, rawExchange, rejection, startPeer, stopAll, type Peer } from './helpers.ts'

const day = 24 * 60 * 60 * 1000

describe('leases on the wire', () => {
  let holder: Peer
  let other: Peer
  let client: Peer

  beforeAll(async () => {
    // many owner keys from one client, and many malformed frames: neither limit is under test here
    const options = { shard: { admission: { perPeer: 1000 } }, limits: { banThreshold: 100_000 } }
    holder = await startPeer(options)
    other = await startPeer(options)
    client = await startPeer({ clientOnly: true })
    await connect(client, holder)
    await connect(client, other)
  })

  afterAll(async () => { await stopAll(client, holder, other) })

  /** The answer `to` gives a raw request frame of `op`, decoded as an empty success (throws the typed error). */
  async function send (to: Peer, op: keyof typeof SHARD_PROTOCOLS, body: Uint8Array): Promise<Uint8Array> {
    const outcome = await rawExchange(client, to, SHARD_PROTOCOLS[op], [frame(body)])
    if (outcome.kind !== 'answer') throw new Error(`no answer: ${outcome.kind}`)
    return outcome.frame
  }

  it('store v2 keeps the lease asked and the renewer key as a label; v1 gets the legacy lease', async () => {
    const alice = newSigner()
    const repair = newSigner()
    const shards = client.node.services.shards
    const leased = makeShard(900, 1)
    const lease = Date.now() + 30 * day
    await shards.store(holder.node.peerId, leased.id, leased.bytes, alice, { lease, renewer: repair.publicKey })
    const record = await holder.store.stat(leased.id)
    expect(record?.leaseUntil).toBe(lease)
    expect(record?.renewer).toBe(ownerId(repair.publicKey))
    expect(record?.owner).toBe(ownerId(alice.publicKey))

    const legacy = makeShard(900, 2)
    const before = Date.now()
    await shards.store(holder.node.peerId, legacy.id, legacy.bytes, alice)
    const old = await holder.store.stat(legacy.id)
    expect(old?.leaseUntil).toBeGreaterThanOrEqual(before + LEGACY_LEASE_MS)
    expect(old?.leaseUntil).toBeLessThanOrEqual(Date.now() + LEGACY_LEASE_MS)
    expect(old?.renewer).toBeUndefined()
  })

  it('caps a lease at 90 days ahead of the holder\'s clock, and a second store of a held shard extends it', async () => {
    const bob = newSigner()
    const s = makeShard(700, 3)
    const before = Date.now()
    await client.node.services.shards.store(holder.node.peerId, s.id, s.bytes, bob, { lease: before + 400 * day })
    const capped = (await holder.store.stat(s.id))?.leaseUntil ?? 0
    expect(capped).toBeGreaterThanOrEqual(before + MAX_LEASE_MS)
    expect(capped).toBeLessThanOrEqual(Date.now() + MAX_LEASE_MS)

    const t = makeShard(700, 4)
    await client.node.services.shards.store(holder.node.peerId, t.id, t.bytes, bob, { lease: before + 10 * day })
    await client.node.services.shards.store(holder.node.peerId, t.id, t.bytes, bob, { lease: before + 20 * day })
    expect((await holder.store.stat(t.id))?.leaseUntil).toBe(before + 20 * day)
    await client.node.services.shards.store(holder.node.peerId, t.id, t.bytes, bob, { lease: before + 5 * day })
    expect((await holder.store.stat(t.id))?.leaseUntil).toBe(before + 20 * day) // never shortened
  })

  it('store-many v2 keeps each shard\'s lease and renewer', async () => {
    const carol = newSigner()
    const repair = newSigner()
    const now = Date.now()
    const a = { ...makeShard(500, 5), lease: now + 3 * day, renewer: repair.publicKey }
    const b = { ...makeShard(600, 6), lease: now + 4 * day }
    expect(await client.node.services.shards.storeMany(holder.node.peerId, [a, b], carol)).toEqual([undefined, undefined])
    expect(await holder.store.stat(a.id)).toMatchObject({ leaseUntil: a.lease, renewer: ownerId(repair.publicKey), owner: ownerId(carol.publicKey) })
    const rb = await holder.store.stat(b.id)
    expect(rb?.leaseUntil).toBe(b.lease)
    expect(rb?.renewer).toBeUndefined()
  })

  it('a version 1 signature presented with a lease is refused (the v2 preimage covers lease and renewer)', async () => {
    const dave = newSigner()
    const s = makeShard(400, 7)
    const ts = Date.now()
    const id = parseShardCid(s.id)
    const sig = await dave.sign(storePreimage(id, dave.publicKey, holder.node.peerId.toMultihash().bytes, ts))
    const body = encodeShardRequest({ op: 'store', id, data: s.bytes, owner: dave.publicKey, ts, sig, lease: ts + day, renewer: newSigner().publicKey })
    const err = await rejection(send(holder, 'store', body).then(f => { decodeEmptyResponse('store', f) }))
    expect(err.name).toBe('NotAllowedError')
    expect(err.details?.reason).toBe('bad-signature')
    expect(await holder.store.has(s.id)).toBe(false)
  })

  it('renew by the owner\'s key or the renewer key extends; by anyone else it changes nothing', async () => {
    const erin = newSigner()
    const repair = newSigner()
    const stranger = newSigner()
    const now = Date.now()
    const s = makeShard(800, 8)
    const missing = makeShard(10, 9)
    const shards = client.node.services.shards
    await shards.store(holder.node.peerId, s.id, s.bytes, erin, { lease: now + day, renewer: repair.publicKey })

    expect(await shards.renew(holder.node.peerId, [s.id, missing.id], now + 2 * day, stranger)).toEqual([false, false])
    expect((await holder.store.stat(s.id))?.leaseUntil).toBe(now + day)

    expect(await shards.renew(holder.node.peerId, [s.id, missing.id], now + 2 * day, erin)).toEqual([true, false])
    expect((await holder.store.stat(s.id))?.leaseUntil).toBe(now + 2 * day)

    expect(await shards.renew(holder.node.peerId, [s.id], now + 3 * day, repair)).toEqual([true])
    expect((await holder.store.stat(s.id))?.leaseUntil).toBe(now + 3 * day)

    // asking for less than it has: still lasts that long, not shortened
    expect(await shards.renew(holder.node.peerId, [s.id], now + day, erin)).toEqual([true])
    expect((await holder.store.stat(s.id))?.leaseUntil).toBe(now + 3 * day)
  })

  it('refuses a renewal signed for another holder, and one with a stale timestamp', async () => {
    const frank = newSigner()
    const s = makeShard(800, 10)
    const now = Date.now()
    await client.node.services.shards.store(holder.node.peerId, s.id, s.bytes, frank, { lease: now + day })
    await client.node.services.shards.store(other.node.peerId, s.id, s.bytes, frank, { lease: now + day })
    const ids = [parseShardCid(s.id)]
    const until = now + 5 * day
    // signed for `holder`, sent to `other`
    const sig = await frank.sign(renewPreimage(ids, frank.publicKey, holder.node.peerId.toMultihash().bytes, until, now))
    const body = encodeShardRequest({ op: 'renew', ids, until, owner: frank.publicKey, ts: now, sig })
    const replayed = await rejection(send(other, 'renew', body).then(f => decodeRenewResponse(f, 1)))
    expect(replayed.name).toBe('NotAllowedError')
    expect(replayed.details?.reason).toBe('bad-signature')
    expect((await other.store.stat(s.id))?.leaseUntil).toBe(now + day)
    // the same frame on its own holder works
    expect(decodeRenewResponse(await send(holder, 'renew', body), 1)).toEqual([true])
    expect((await holder.store.stat(s.id))?.leaseUntil).toBe(until)

    const stale = now - 11 * 60_000
    const staleSig = await frank.sign(renewPreimage(ids, frank.publicKey, other.node.peerId.toMultihash().bytes, until, stale))
    const old = await rejection(send(other, 'renew', encodeShardRequest({ op: 'renew', ids, until, owner: frank.publicKey, ts: stale, sig: staleSig })).then(f => decodeRenewResponse(f, 1)))
    expect(old.details?.reason).toBe('stale-timestamp')
  })

  it('answers malformed lease and renew requests with typed errors', async () => {
    const owner = newSigner().publicKey
    const sig = new Uint8Array(64)
    const id = parseShardCid(makeShard(100, 11).id).bytes
    const data = makeShard(100, 11).bytes
    const cases: Array<[keyof typeof SHARD_PROTOCOLS, Record<string, unknown>, string]> = [
      ['renew', { v: 1, ids: [], until: 1, owner, ts: 1, sig }, 'MalformedDataError'],
      ['renew', { v: 1, ids: Array.from({ length: MAX_RENEW_IDS + 1 }, () => id), until: 1, owner, ts: 1, sig }, 'MalformedDataError'],
      ['renew', { v: 1, ids: [id], until: -1, owner, ts: 1, sig }, 'MalformedDataError'],
      ['renew', { v: 1, ids: [id], until: 1.5, owner, ts: 1, sig }, 'MalformedDataError'],
      ['renew', { v: 1, ids: [id], until: 1, owner: owner.subarray(1), ts: 1, sig }, 'MalformedDataError'],
      ['renew', { v: 1, ids: [id], until: 1, owner, ts: 1, sig, extra: 1 }, 'MalformedDataError'],
      ['renew', { v: 2, ids: [id], until: 1, owner, ts: 1, sig }, 'UnsupportedVersionError'],
      ['store', { v: 2, id, data, owner, ts: 1, sig }, 'MalformedDataError'],
      ['store', { v: 2, id, data, owner, ts: 1, lease: 'soon', sig }, 'MalformedDataError'],
      ['store', { v: 2, id, data, owner, ts: 1, lease: 1, renewer: new Uint8Array(31), sig }, 'MalformedDataError'],
      ['store', { v: 1, id, data, owner, ts: 1, lease: 1, sig }, 'MalformedDataError'],
      ['store', { v: 3, id, data, owner, ts: 1, lease: 1, sig }, 'UnsupportedVersionError'],
      ['store-many', { v: 2, shards: [[id, data]], owner, exp: 1, sig }, 'MalformedDataError'],
      ['store-many', { v: 2, shards: [[id, data, 1, new Uint8Array(33)]], owner, exp: 1, sig }, 'MalformedDataError'],
      ['store-many', { v: 2, shards: [[id, data, -5]], owner, exp: 1, sig }, 'MalformedDataError'],
      ['store-many', { v: 1, shards: [[id, data, 1]], owner, exp: 1, sig }, 'MalformedDataError']
    ]
    for (const [op, body, name] of cases) {
      const err = await rejection(send(holder, op, encodeCbor(body)).then(f => decodeEmptyResponse('store', f)))
      expect(err.name, `${op} ${JSON.stringify(Object.keys(body))}`).toBe(name)
    }
    expect(await holder.store.has(makeShard(100, 11).id)).toBe(false)
  })
})

describe('a holder of an earlier build (version 1 only)', () => {
  let old: Peer
  let client: Peer
  const seen: number[] = []

  beforeAll(async () => {
    old = await startPeer({ clientOnly: true })
    // answers like a build that reads version 1 only: UnsupportedVersionError for anything else
    await old.node.handle([SHARD_PROTOCOLS.store, SHARD_PROTOCOLS['store-many']], async (stream: Stream) => {
      const chunks: Uint8Array[] = []
      for await (const chunk of stream) chunks.push(chunk.subarray())
      const request = dagCbor.decode<{ v: number, shards?: unknown[] }>([...lp.decode(chunks)][0]!.subarray())
      seen.push(request.v)
      const answer = request.v !== 1
        ? encodeFailure(new UnsupportedVersionError(`version ${request.v} is not supported (this build reads version 1)`, { version: request.v, supported: 1 }))
        : encodeOk(request.shards !== undefined ? { errors: request.shards.map(() => null) } : {})
      stream.send(frame(answer))
      await stream.close()
    }, { runOnLimitedConnection: false })
    client = await startPeer() // listens: the old holder has no address and dials it
    await connect(old, client)
  })

  afterAll(async () => { await stopAll(client, old) })

  it('gets the same store again as version 1 (it keeps the legacy lease), single and batched', async () => {
    const owner = newSigner()
    const s = makeShard(300, 20)
    await client.node.services.shards.store(old.node.peerId, s.id, s.bytes, owner, { lease: Date.now() + day })
    expect(seen).toEqual([2, 1])
    expect(await client.node.services.shards.storeMany(old.node.peerId, [{ ...s, lease: Date.now() + day }], owner)).toEqual([undefined])
    expect(seen).toEqual([2, 1, 2, 1])
    // without a lease: version 1 at once
    await client.node.services.shards.store(old.node.peerId, s.id, s.bytes, owner)
    expect(seen).toEqual([2, 1, 2, 1, 1])
  })
})
