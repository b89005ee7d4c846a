/**
 * A hostile peer sends frames built to cost far more to decode than their
 * size (a few MiB of empty CBOR maps). The holder must refuse them before
 * decoding: its heap and event loop stay within a small multiple of the
 * frame, and it keeps serving an honest client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeCborMap, encodeCbor } from '../../src/core/cbor.ts'
import { MiB } from '../../src/core/bytes.ts'
import { reviveError } from '../../src/core/errors.ts'
import { SHARD_PROTOCOLS } from '../../src/net/protocol/constants.ts'
import type { Stream } from '@libp2p/interface'
import { streamSource } from '../../src/net/protocol/frame.ts'
import { connect, frame, makeShard, newSigner, rawExchange, rejection, startPeer, stopAll, type Peer } from '../net/helpers.ts'
import { emptyMapsFrame, measure } from './wire-probe.ts'

const FRAME_BYTES = 4 * MiB

function errorName (outcome: Awaited<ReturnType<typeof rawExchange>>): string {
  if (outcome.kind !== 'answer') return outcome.kind
  const map = decodeCborMap(outcome.frame, 64 * 1024, 'answer')
  if (map.ok !== false) return 'ok'
  return reviveError(map.error as { name: string, message: string }).name
}

describe('amplification frames', () => {
  let holder: Peer
  let attacker: Peer
  let honest: Peer

  beforeAll(async () => {
    holder = await startPeer()
    attacker = await startPeer({ clientOnly: true })
    honest = await startPeer({ clientOnly: true })
    await connect(attacker, holder)
    await connect(honest, holder)
  })

  afterAll(async () => { await stopAll(attacker, honest, holder) })

  it('a has request of 4 MiB of empty maps is refused without decoding it', async () => {
    const body = emptyMapsFrame(encodeCbor({ v: 1 }), 1, 'ids', FRAME_BYTES)
    const cost = await measure(async () => await rawExchange(attacker, holder, SHARD_PROTOCOLS.has, [frame(body)], 20_000))
    console.log('has amplification:', (cost.heapGrowthBytes / MiB).toFixed(1), 'MiB heap,', cost.maxDelayMs.toFixed(0), 'ms delay')
    expect(errorName(cost.result)).toBe('MalformedDataError')
    expect(cost.heapGrowthBytes).toBeLessThan(8 * FRAME_BYTES)
    expect(cost.maxDelayMs).toBeLessThan(400)
    const shard = makeShard(1000, 1)
    await honest.node.services.shards.store(holder.node.peerId, shard.id, shard.bytes, newSigner())
    expect(await honest.node.services.shards.fetch(holder.node.peerId, shard.id)).toEqual(shard.bytes)
  })

  it('a store request of 4 MiB of empty maps (within the store cap) is refused before decoding', async () => {
    const body = emptyMapsFrame(encodeCbor({ v: 1 }), 1, 'data', FRAME_BYTES)
    const cost = await measure(async () => await rawExchange(attacker, holder, SHARD_PROTOCOLS.store, [frame(body)], 20_000))
    console.log('store amplification:', (cost.heapGrowthBytes / MiB).toFixed(1), 'MiB heap,', cost.maxDelayMs.toFixed(0), 'ms delay')
    expect(errorName(cost.result)).toBe('MalformedDataError')
    expect(cost.heapGrowthBytes).toBeLessThan(8 * FRAME_BYTES)
    expect(cost.maxDelayMs).toBeLessThan(400)
  })
})

describe('an amplification answer from a hostile holder', () => {
  let liar: Peer
  let client: Peer

  beforeAll(async () => {
    liar = await startPeer({ clientOnly: true })
    // answers every fetch with a success whose data is 4 MiB of empty maps
    const answer = frame(emptyMapsFrame(encodeCbor({ v: 1, ok: true }), 2, 'data', FRAME_BYTES))
    await liar.node.handle(SHARD_PROTOCOLS.fetch, async (stream: Stream) => {
      for await (const _ of streamSource(stream)) { /* read the request to its end */ }
      for (let at = 0; at < answer.byteLength; at += 64 * 1024) {
        if (!stream.send(answer.subarray(at, at + 64 * 1024))) await stream.onDrain()
      }
      await stream.close()
    }, { runOnLimitedConnection: false })
    client = await startPeer()
    await connect(liar, client) // the liar has no listen address: it dials
  })

  afterAll(async () => { await stopAll(client, liar) })

  it('is refused by the client without decoding it', async () => {
    const cost = await measure(async () => await rejection(client.node.services.shards.fetch(liar.node.peerId, makeShard(100, 5).id)))
    console.log('fetch answer amplification:', (cost.heapGrowthBytes / MiB).toFixed(1), 'MiB heap,', cost.maxDelayMs.toFixed(0), 'ms delay')
    expect(cost.result.name).toBe('MalformedDataError')
    expect(cost.heapGrowthBytes).toBeLessThan(8 * FRAME_BYTES)
    expect(cost.maxDelayMs).toBeLessThan(400)
  })
})
