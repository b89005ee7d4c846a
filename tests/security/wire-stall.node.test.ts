/**
 * Several hostile peer ids open as many streams as they may, announce
 * frames of the largest size and then send nothing. An honest peer that
 * asks at the same time must still be served, must never be scored for a
 * refusal the others caused, and the stalled reservations must be freed
 * well before the exchange deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as varint from 'uint8-varint'
import { DEFAULT_LIMITS } from '../../src/net/limits.ts'
import { DEFAULT_MAX_SHARD_SIZE, DEFAULT_TIMEOUT, SHARD_PROTOCOLS } from '../../src/net/protocol/constants.ts'
import { connect, makeShard, newSigner, rawExchange, rejection, startPeer, stopAll, type Peer, type RawOutcome } from '../net/helpers.ts'

const ATTACKERS = 6
const STORE = SHARD_PROTOCOLS.store

describe('stalled announced frames from several peer ids', () => {
  let holder: Peer
  let honest: Peer
  const attackers: Peer[] = []

  beforeAll(async () => {
    holder = await startPeer() // the real defaults: limits, frame caps, timeouts
    honest = await startPeer({ clientOnly: true })
    for (let i = 0; i < ATTACKERS; i++) {
      const attacker = await startPeer({ clientOnly: true })
      await new Promise(resolve => setTimeout(resolve, 250)) // libp2p takes at most 5 inbound connections a second from one host
      await connect(attacker, holder)
      attackers.push(attacker)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
    await connect(honest, holder)
  })

  afterAll(async () => { await stopAll(honest, holder, ...attackers) })

  it('keeps serving an honest peer, never scores it, and frees the stalls early', async () => {
    const announce = varint.encode(DEFAULT_MAX_SHARD_SIZE)
    const started = Date.now()
    const stalls: Array<Promise<RawOutcome | Error>> = []
    for (const attacker of attackers) {
      for (let i = 0; i < DEFAULT_LIMITS.maxStreamsPerPeer; i++) {
        stalls.push(rawExchange(attacker, holder, STORE, [announce], DEFAULT_TIMEOUT + 5000, true).catch((err: Error) => err))
      }
    }
    // wait until the stalls hold what they can: half the node's request budget at least
    const until = Date.now() + 4000
    while (holder.limiter.stats().inflightBytes < DEFAULT_LIMITS.maxInflightBytes / 2 && Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    const stats = holder.limiter.stats()
    console.log('while stalled:', stats)
    expect(stats.inflightBytes).toBeGreaterThanOrEqual(DEFAULT_LIMITS.maxInflightBytes / 2)

    const { shards } = honest.node.services
    const peer = holder.node.peerId
    const owner = newSigner()
    for (let i = 0; i < 4; i++) {
      const shard = makeShard(50_000, 100 + i)
      await shards.store(peer, shard.id, shard.bytes, owner)
      expect(await shards.fetch(peer, shard.id)).toEqual(shard.bytes)
      expect(await shards.has(peer, [shard.id])).toEqual([true])
    }
    expect(holder.limiter.score(honest.node.peerId.toString())).toBe(0)

    const outcomes = await Promise.all(stalls)
    const elapsed = Date.now() - started
    console.log('stalls ended after', elapsed, 'ms')
    expect(elapsed).toBeLessThan(DEFAULT_TIMEOUT / 2)
    for (const outcome of outcomes) expect(outcome).not.toBeInstanceOf(Error)
    expect(holder.limiter.stats()).toMatchObject({ streams: 0, inflightBytes: 0 })
  }, 60_000)
})

describe('a refusal the node caused', () => {
  let holder: Peer
  let honest: Peer
  let attacker: Peer

  beforeAll(async () => {
    // a small node: one attacker's stalled frames fill its whole request budget
    holder = await startPeer({ limits: { maxInflightBytes: 1024 * 1024, maxInflightBytesPerPeer: 1024 * 1024, fairInflightBytes: 1024 * 1024 } })
    honest = await startPeer({ clientOnly: true })
    attacker = await startPeer({ clientOnly: true })
    await connect(attacker, holder)
    await new Promise(resolve => setTimeout(resolve, 250))
    await connect(honest, holder)
  })

  afterAll(async () => { await stopAll(honest, attacker, holder) })

  it('is answered as the node being busy and never scored against the peer refused', async () => {
    const stall = rawExchange(attacker, holder, STORE, [varint.encode(1024 * 1024 - 16)], DEFAULT_TIMEOUT + 5000, true).catch((err: Error) => err)
    await new Promise(resolve => setTimeout(resolve, 300))
    const owner = newSigner()
    for (let i = 0; i < 5; i++) {
      const shard = makeShard(20_000, 200 + i)
      const err = await rejection(honest.node.services.shards.store(holder.node.peerId, shard.id, shard.bytes, owner))
      expect(err.name).toBe('RateLimitedError')
      expect(err.details).toMatchObject({ reason: 'inflight-bytes', scope: 'node' })
    }
    expect(holder.limiter.score(honest.node.peerId.toString())).toBe(0)
    await stall
    // the stalled frame is gone: the honest peer is served again
    const shard = makeShard(20_000, 300)
    await honest.node.services.shards.store(holder.node.peerId, shard.id, shard.bytes, owner)
  }, 60_000)
})
