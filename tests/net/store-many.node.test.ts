/**
 * store-many between real libp2p nodes on 127.0.0.1: several shards in one
 * request under a store grant, per-shard answers, all-or-none writes, and
 * the grant's bindings (owner, holder, the requesting peer, expiry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseShardCid } from '../../src/core/hash.ts'
import type { Signer } from '../../src/core/signature.ts'
import { GRANT_LIFETIME, MAX_GRANT_LIFETIME, SHARD_PROTOCOLS } from '../../src/net/protocol/constants.ts'
import { decodeStoreManyResponse, encodeShardRequest, grantPreimage } from '../../src/net/protocol/shard-messages.ts'
import { ownerId } from '../../src/net/shard/index.ts'
import { connect, frame, makeShard, newSigner, rawExchange, rejection, startPeer, stopAll, type Peer } from './helpers.ts'

const minute = 60_000

/** A signer that counts its signatures. */
function counting (signer: Signer): Signer & { count: number } {
  const s = { publicKey: signer.publicKey, count: 0, sign: (m: Uint8Array) => { s.count++; return signer.sign(m) } }
  return s
}

describe('store-many', () => {
  let holder: Peer
  let client: Peer
  let intruder: Peer
  const stored: string[] = []

  beforeAll(async () => {
    holder = await startPeer({ shard: { perOwnerQuota: 100_000, onStored: id => stored.push(id) }, quota: 400_000 })
    client = await startPeer({ clientOnly: true })
    intruder = await startPeer({ clientOnly: true })
    await connect(client, holder)
    await connect(intruder, holder)
  })

  afterAll(async () => { await stopAll(client, intruder, holder) })

  /** A store-many request signed by `signer` for `delegate`, sent by `from`; the per-shard errors, or the request's own. */
  async function raw (from: Peer, signer: Signer, shards: Array<{ id: string, bytes: Uint8Array }>, exp: number, delegate = from): Promise<Array<Error | undefined>> {
    const sig = await signer.sign(grantPreimage(signer.publicKey, holder.node.peerId.toMultihash().bytes, delegate.node.peerId.toMultihash().bytes, exp))
    const request = encodeShardRequest({ op: 'store-many', shards: shards.map(s => ({ id: parseShardCid(s.id), data: s.bytes })), owner: signer.publicKey, exp, sig })
    const outcome = await rawExchange(from, holder, SHARD_PROTOCOLS['store-many'], [frame(request)])
    if (outcome.kind !== 'answer') throw new Error(`no answer: ${outcome.kind}`)
    return decodeStoreManyResponse(outcome.frame, shards.length)
  }

  it('keeps several shards in one request, signing one grant per holder for many requests', async () => {
    const alice = counting(newSigner())
    const shards = [makeShard(1000, 1), makeShard(2000, 2), makeShard(10, 3)]
    const { shards: service } = client.node.services
    expect(await service.storeMany(holder.node.peerId, shards, alice)).toEqual([undefined, undefined, undefined])
    for (const s of shards) {
      expect(await holder.store.has(s.id)).toBe(true)
      expect((await holder.store.stat(s.id))?.owner).toBe(ownerId(alice.publicKey))
    }
    expect(stored).toEqual(expect.arrayContaining(shards.map(s => s.id)))
    const more = [makeShard(500, 4), makeShard(500, 5)]
    await Promise.all(more.map(async s => await service.storeMany(holder.node.peerId, [s], alice)))
    expect(alice.count).toBe(1) // the grant is reused
    // repeated: a success, stored once, no new hook call
    const hooks = stored.length
    expect(await service.storeMany(holder.node.peerId, [shards[0]!], alice)).toEqual([undefined])
    expect(stored.length).toBe(hooks)
    expect((await holder.store.usage()).byOwner.get(ownerId(alice.publicKey))).toEqual({ bytes: 5 * 4096, count: 5 }) // each charged one 4 KiB block
  })

  it('answers per shard: a shard held for another owner is refused in its place, the others are kept', async () => {
    const bob = newSigner()
    const carol = newSigner()
    const mine = makeShard(700, 10)
    const theirs = makeShard(800, 11)
    await client.node.services.shards.store(holder.node.peerId, theirs.id, theirs.bytes, carol)
    const answers = await client.node.services.shards.storeMany(holder.node.peerId, [theirs, mine], bob)
    expect(answers[0]?.name).toBe('AlreadyExistsError')
    expect(answers[1]).toBeUndefined()
    expect((await holder.store.stat(theirs.id))?.owner).toBe(ownerId(carol.publicKey))
    expect(await holder.store.has(mine.id)).toBe(true)
  })

  it('keeps the new shards of a request all or none: per-owner quota, corrupt bytes', async () => {
    const dave = newSigner()
    const a = makeShard(60_000, 20)
    const b = makeShard(50_000, 21)
    const answers = await client.node.services.shards.storeMany(holder.node.peerId, [a, b], dave)
    expect(answers.map(e => e?.name)).toEqual(['QuotaExceededError', 'QuotaExceededError'])
    expect(await holder.store.has(a.id)).toBe(false)
    expect(await holder.store.has(b.id)).toBe(false)

    const good = makeShard(300, 22)
    const bad = makeShard(300, 23)
    const damaged = { id: bad.id, bytes: bad.bytes.slice() }
    damaged.bytes[0]! ^= 1
    const err = await rejection(client.node.services.shards.storeMany(holder.node.peerId, [good, damaged], dave))
    expect(err.name).toBe('CorruptShardError')
    expect(err.details?.reason).toBe('sent-corrupt')
    expect(await holder.store.has(good.id)).toBe(false)
  })

  it('refuses a grant made for another peer, an expired one and one reaching too far', async () => {
    const erin = newSigner()
    const s = makeShard(400, 30)
    // a grant erin made for `client`, replayed by `intruder`
    const replayed = await rejection(raw(intruder, erin, [s], Date.now() + GRANT_LIFETIME, client).then(r => { throw r[0] ?? new Error('accepted') }))
    expect(replayed.name).toBe('NotAllowedError')
    expect(replayed.details?.reason).toBe('bad-signature')
    const expired = await rejection(raw(client, erin, [s], Date.now() - 11 * minute))
    expect(expired.details?.reason).toBe('stale-timestamp')
    const tooLong = await rejection(raw(client, erin, [s], Date.now() + MAX_GRANT_LIFETIME + 11 * minute))
    expect(tooLong.details?.reason).toBe('grant-too-long')
    expect(await holder.store.has(s.id)).toBe(false)
    // the same shard under a proper grant
    expect(await raw(client, erin, [s], Date.now() + GRANT_LIFETIME)).toEqual([undefined])
    expect(await holder.store.has(s.id)).toBe(true)
  })

  it('checks the request on the client: count and size within one frame', async () => {
    const frank = newSigner()
    const { shards: service } = client.node.services
    expect((await rejection(service.storeMany(holder.node.peerId, [], frank))).name).toBe('InvalidParametersError')
    expect(service.fitsOneRequest(1, 16 * 1024 * 1024)).toBe(true)
    expect(service.fitsOneRequest(1, 16 * 1024 * 1024 + 4096)).toBe(false)
    expect(service.fitsOneRequest(257, 257)).toBe(false)
  })
})
