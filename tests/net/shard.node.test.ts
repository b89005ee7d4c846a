/**
 * /datamesh/shard/{op}/1.0.0 and /datamesh/info/1.0.0 between real libp2p nodes
 * on 127.0.0.1 (WebSockets, noise, yamux), holders backed by memory stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import type { Stream } from '@libp2p/interface'
import { equalBytes } from '../../src/core/bytes.ts'
import { encodeCbor } from '../../src/core/cbor.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { DATAMESH_VERSION, INFO_PROTOCOL, SHARD_PROTOCOLS } from '../../src/net/protocol/constants.ts'
import { decodeEmptyResponse, deletePreimage, encodeShardRequest } from '../../src/net/protocol/shard-messages.ts'
import { decodeInfoResponse } from '../../src/net/protocol/info-messages.ts'
import { ownerId } from '../../src/net/shard/index.ts'
import { connect, frame, makeShard, newSigner, rawExchange, rejection, startPeer, stopAll, type Peer } from './helpers.ts'

const minute = 60_000

describe('shard protocol between two nodes', () => {
  let holder: Peer
  let other: Peer
  let client: Peer
  let skewed: Peer
  const stored: string[] = []
  const deleted: string[] = []
  const alice = newSigner()
  const bob = newSigner()

  beforeAll(async () => {
    holder = await startPeer({
      // more owner keys from one client than a holder takes new by default (tests/security covers that limit)
      shard: { perOwnerQuota: 100_000, admission: { perPeer: 100 }, onStored: id => stored.push(id), onDeleted: id => deleted.push(id) },
      quota: 250_000
    })
    other = await startPeer()
    client = await startPeer({ clientOnly: true })
    skewed = await startPeer({ clientOnly: true, shard: { now: () => Date.now() - 11 * minute } })
    await connect(client, holder)
    await connect(client, other)
    await connect(skewed, holder)
  })

  afterAll(async () => { await stopAll(client, skewed, holder, other) })

  it('stores, answers has, fetches and deletes; hooks fire; usage is per owner', async () => {
    const { shards } = client.node.services
    const peer = holder.node.peerId
    const a = makeShard(10_000, 1)
    const b = makeShard(5_000, 2)
    await shards.store(peer, a.id, a.bytes, alice)
    await shards.store(peer, a.id, a.bytes, alice) // idempotent for the same owner
    expect(await shards.has(peer, [a.id, b.id])).toEqual([true, false])
    expect(await shards.fetch(peer, a.id)).toEqual(a.bytes)
    expect(stored).toEqual([a.id])
    const usage = await holder.store.usage()
    expect(usage.byOwner.get(ownerId(alice.publicKey))).toEqual({ bytes: 10_000, count: 1 })
    expect((await holder.store.stat(a.id))?.owner).toBe(ownerId(alice.publicKey))
    await shards.delete(peer, a.id, alice)
    await shards.delete(peer, a.id, alice) // absent: still fine
    expect(await shards.has(peer, [a.id])).toEqual([false])
    expect(deleted).toEqual([a.id])
  })

  it('moves a shard of the maximum size (16 MiB) both ways, and refuses a larger one', async () => {
    const { shards } = client.node.services
    const big = makeShard(16 * 1024 * 1024, 20)
    await shards.store(other.node.peerId, big.id, big.bytes, alice)
    const back = await shards.fetch(other.node.peerId, big.id)
    expect(equalBytes(back, big.bytes)).toBe(true) // (toEqual walks 16 M keys)
    await shards.delete(other.node.peerId, big.id, alice)
    const bigger = new Uint8Array(16 * 1024 * 1024 + 1)
    const err = await rejection(shards.store(other.node.peerId, makeShard(10, 21).id, bigger, alice))
    expect(err.name).toBe('InvalidParametersError')
  })

  it('answers NotFoundError for a missing shard', async () => {
    const err = await rejection(client.node.services.shards.fetch(holder.node.peerId, makeShard(100, 3).id))
    expect(err.name).toBe('NotFoundError')
  })

  it('refuses bytes that do not hash to the id, and stores nothing', async () => {
    const a = makeShard(1000, 4)
    const b = makeShard(1000, 5)
    const err = await rejection(client.node.services.shards.store(holder.node.peerId, a.id, b.bytes, alice))
    expect(err.name).toBe('CorruptShardError')
    expect(await holder.store.has(a.id)).toBe(false)
  })

  it('refuses a shard already held for another owner', async () => {
    const a = makeShard(1000, 6)
    await client.node.services.shards.store(holder.node.peerId, a.id, a.bytes, alice)
    const err = await rejection(client.node.services.shards.store(holder.node.peerId, a.id, a.bytes, bob))
    expect(err.name).toBe('AlreadyExistsError')
    expect((await holder.store.stat(a.id))?.owner).toBe(ownerId(alice.publicKey))
  })

  it('lets only the owner delete', async () => {
    const a = makeShard(2000, 7)
    await client.node.services.shards.store(holder.node.peerId, a.id, a.bytes, alice)
    const err = await rejection(client.node.services.shards.delete(holder.node.peerId, a.id, bob))
    expect(err.name).toBe('NotAllowedError')
    expect(err.details?.reason).toBe('not-owner')
    expect(await holder.store.has(a.id)).toBe(true)
  })

  it('refuses a delete signed for another holder (replay)', async () => {
    const a = makeShard(2000, 8)
    await client.node.services.shards.store(other.node.peerId, a.id, a.bytes, alice)
    const cid = parseShardCid(a.id)
    const ts = Date.now()
    // alice signed this delete for `holder`; `other` must not honour it
    const sig = alice.sign(deletePreimage(cid, holder.node.peerId.toMultihash().bytes, ts)) as Uint8Array
    const request = encodeShardRequest({ op: 'delete', id: cid, owner: alice.publicKey, ts, sig })
    const outcome = await rawExchange(client, other, SHARD_PROTOCOLS.delete, [frame(request)])
    expect(outcome.kind).toBe('answer')
    if (outcome.kind !== 'answer') return
    const err = await rejection(Promise.resolve().then(() => { decodeEmptyResponse('delete', outcome.frame) }))
    expect(err.name).toBe('NotAllowedError')
    expect(err.details?.reason).toBe('bad-signature')
    expect(await other.store.has(a.id)).toBe(true)
  })

  it('refuses a stale timestamp', async () => {
    const a = makeShard(500, 9)
    const err = await rejection(skewed.node.services.shards.store(holder.node.peerId, a.id, a.bytes, alice))
    expect(err.name).toBe('NotAllowedError')
    expect(err.details?.reason).toBe('stale-timestamp')
    expect(await holder.store.has(a.id)).toBe(false)
  })

  it('enforces the per-owner quota, storing nothing over it', async () => {
    const carol = newSigner()
    const first = makeShard(60_000, 10)
    const second = makeShard(60_000, 11)
    await client.node.services.shards.store(holder.node.peerId, first.id, first.bytes, carol)
    const err = await rejection(client.node.services.shards.store(holder.node.peerId, second.id, second.bytes, carol))
    expect(err.name).toBe('QuotaExceededError')
    expect(err.details).toMatchObject({ owner: ownerId(carol.publicKey), perOwnerQuota: 100_000, used: 60_000, needed: 60_000 })
    expect(await holder.store.has(second.id)).toBe(false)
    // another owner still has room
    const dave = newSigner()
    await client.node.services.shards.store(holder.node.peerId, second.id, second.bytes, dave)
  })

  it("enforces the store's own quota", async () => {
    const usage = await holder.store.usage()
    const erin = newSigner()
    const big = makeShard(90_000, 12)
    const fits = usage.bytes + big.bytes.byteLength <= usage.quota
    const extra = makeShard(90_000, 13)
    if (fits) await client.node.services.shards.store(holder.node.peerId, big.id, big.bytes, erin)
    const err = await rejection(client.node.services.shards.store(holder.node.peerId, extra.id, extra.bytes, newSigner()))
    expect(err.name).toBe('QuotaExceededError')
    expect(err.details?.quota).toBe(250_000)
  })

  it('answers CorruptShardError for a copy damaged on the holder, then NotFoundError', async () => {
    const a = makeShard(3000, 14)
    await client.node.services.shards.store(other.node.peerId, a.id, a.bytes, alice)
    other.medium.tamper(a.id, makeShard(3000, 15).bytes)
    expect((await rejection(client.node.services.shards.fetch(other.node.peerId, a.id))).name).toBe('CorruptShardError')
    expect((await rejection(client.node.services.shards.fetch(other.node.peerId, a.id))).name).toBe('NotFoundError')
  })

  it('answers info', async () => {
    const info = await client.node.services.shards.info(holder.node.peerId)
    const usage = await holder.store.usage()
    expect(info).toEqual({
      nodeType: 'storage',
      version: DATAMESH_VERSION,
      free: 250_000 - usage.bytes,
      used: usage.bytes,
      quota: 250_000,
      perOwnerQuota: 100_000,
      shards: usage.count
    })
    const unlimited = await client.node.services.info.info(other.node.peerId)
    expect(unlimited.quota).toBe(Number.POSITIVE_INFINITY)
    expect(unlimited.free).toBe(Number.MAX_SAFE_INTEGER)
    expect(unlimited.perOwnerQuota).toBe(1024 * 1024 * 1024)
  })

  it('reports a version the holder does not speak', async () => {
    const outcome = await rawExchange(client, holder, INFO_PROTOCOL, [frame(encodeCbor({ v: 2, op: 'info' }))])
    expect(outcome.kind).toBe('answer')
    if (outcome.kind !== 'answer') return
    const err = await rejection(Promise.resolve().then(() => { decodeInfoResponse(outcome.frame) }))
    expect(err.name).toBe('UnsupportedVersionError')
  })

  it('checks arguments on the client', async () => {
    const { shards } = client.node.services
    const ids = Array.from({ length: 257 }, (_, i) => makeShard(8, 100 + i).id)
    expect((await rejection(shards.has(holder.node.peerId, ids))).name).toBe('InvalidParametersError')
    expect((await rejection(shards.fetch(holder.node.peerId, 'not-a-cid'))).name).toBe('MalformedDataError')
  })

  it('cancels through the signal', async () => {
    const controller = new AbortController()
    controller.abort()
    const err = await rejection(client.node.services.shards.fetch(holder.node.peerId, makeShard(10, 16).id, { signal: controller.signal }))
    expect(err.name).toBe('AbortedError')
  })

  it('package.json and DATAMESH_VERSION agree', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(DATAMESH_VERSION).toBe(pkg.version)
  })
})

describe('shard client against a lying or silent holder', () => {
  let liar: Peer
  let client: Peer
  const liarMode: string[] = []

  beforeAll(async () => {
    liar = await startPeer({ clientOnly: true })
    await liar.node.handle(Object.values(SHARD_PROTOCOLS), async (stream: Stream) => {
      for await (const _ of stream) { /* read the request to its end; answer by arrival order */ }
      const mode = liarMode.shift()
      if (mode === 'wrong-bytes') stream.send(frame(encodeCbor({ v: 1, ok: true, data: makeShard(100, 99).bytes })))
      else if (mode === 'garbage') stream.send(frame(Uint8Array.of(0xff, 0x00, 0x13)))
      else if (mode === 'silent') { await new Promise(resolve => setTimeout(resolve, 3000)); stream.abort(new Error('bye')); return }
      await stream.close()
    }, { runOnLimitedConnection: false })
    client = await startPeer({ shard: { timeout: 1000 } })
    await connect(liar, client) // the liar has no listen address: it dials
  })

  afterAll(async () => { await stopAll(client, liar) })

  it('rejects fetched bytes that do not match the id', async () => {
    liarMode.push('wrong-bytes')
    const err = await rejection(client.node.services.shards.fetch(liar.node.peerId, makeShard(100, 1).id))
    expect(err.name).toBe('CorruptShardError')
  })

  it('rejects a garbage answer as MalformedDataError', async () => {
    liarMode.push('garbage')
    const err = await rejection(client.node.services.shards.fetch(liar.node.peerId, makeShard(100, 2).id))
    expect(err.name).toBe('MalformedDataError')
  })

  it('times out on a silent holder', async () => {
    liarMode.push('silent')
    const started = Date.now()
    const err = await rejection(client.node.services.shards.fetch(liar.node.peerId, makeShard(100, 3).id))
    expect(err.name).toBe('TimeoutError')
    expect(Date.now() - started).toBeLessThan(2500)
  })
})
