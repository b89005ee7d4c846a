/**
 * Hostile peers against a live holder: random bytes, truncated frames,
 * oversize and malformed length prefixes, garbage dag-cbor, well-formed
 * dag-cbor with wrong schemas, stalled requests, floods. The holder must
 * answer with a typed error or close the stream, never crash or hang, keep
 * serving good clients, release every limiter slot, and drop a peer that
 * keeps misbehaving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as varint from 'uint8-varint'
import { ed25519 } from '@noble/curves/ed25519.js'
import { decodeCborMap, encodeCbor } from '../../src/core/cbor.ts'
import { concatBytes } from '../../src/core/bytes.ts'
import { reviveError } from '../../src/core/errors.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { signerFromSecretKey } from '../../src/core/signature.ts'
import { INFO_PROTOCOL, SHARD_PROTOCOLS } from '../../src/net/protocol/constants.ts'
import { encodeShardRequest, storePreimage } from '../../src/net/protocol/shard-messages.ts'
import { connect, frame, makeShard, rawExchange, startPeer, stopAll, type Peer, type RawOutcome } from './helpers.ts'

const MAX_SHARD = 64 * 1024
const CAP = MAX_SHARD + 4096
const STORE = SHARD_PROTOCOLS.store
/** every protocol a holder serves */
const anyProtocol = fc.constantFrom(INFO_PROTOCOL, ...Object.values(SHARD_PROTOCOLS))
const TYPED = new Set([
  'MalformedDataError', 'UnsupportedVersionError', 'NotFoundError', 'NotAllowedError', 'CorruptShardError',
  'QuotaExceededError', 'AlreadyExistsError', 'TimeoutError', 'RateLimitedError', 'InvalidParametersError'
])
const alice = signerFromSecretKey(ed25519.utils.randomSecretKey())

/** The answer is a typed error (returned), a success (undefined), or the stream was closed without a word. */
function judge (outcome: RawOutcome): string | undefined {
  if (outcome.kind === 'closed') {
    expect(outcome.bytes).toBe(0) // anything sent back must be exactly one frame
    return 'closed'
  }
  if (outcome.kind === 'error') return 'reset'
  const map = decodeCborMap(outcome.frame, { maxBytes: CAP, maxDepth: 4 }, 'answer')
  expect(map.v).toBe(1)
  if (map.ok === true) return undefined
  const err = reviveError(map.error as { name: string, message: string })
  expect(TYPED).toContain(err.name)
  return err.name
}

function validStoreFrame (holder: Peer, seed: number): Uint8Array {
  const shard = makeShard(200, seed)
  const id = parseShardCid(shard.id)
  const ts = Date.now()
  const sig = alice.sign(storePreimage(id, alice.publicKey, holder.node.peerId.toMultihash().bytes, ts)) as Uint8Array
  return frame(encodeShardRequest({ op: 'store', id, data: shard.bytes, owner: alice.publicKey, ts, sig }))
}

const anyValue: fc.Arbitrary<unknown> = fc.letrec(tie => ({
  leaf: fc.oneof(
    fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 80 }), fc.boolean(), fc.constant(null), fc.constantFrom('store', 'fetch', 'has', 'delete', 'info')
  ),
  value: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }))
})).value

const schemaish = fc.record({
  v: fc.oneof(fc.constant(1), fc.constant(1), anyValue),
  op: fc.oneof(fc.constantFrom('store', 'fetch', 'has', 'delete', 'info'), anyValue),
  id: anyValue, ids: anyValue, data: anyValue, owner: anyValue, ts: anyValue, sig: anyValue, extra: anyValue
}, { requiredKeys: [] })

describe('a holder under fuzzing', () => {
  let target: Peer
  let attacker: Peer
  let good: Peer

  beforeAll(async () => {
    target = await startPeer({ shard: { maxShardSize: MAX_SHARD, timeout: 1000 }, info: { timeout: 1000 }, limits: { banThreshold: Number.POSITIVE_INFINITY, requestBurst: 10_000, requestsPerSecond: 10_000 } })
    attacker = await startPeer({ clientOnly: true })
    good = await startPeer({ clientOnly: true })
    await connect(attacker, target)
    await connect(good, target)
  })

  afterAll(async () => { await stopAll(attacker, good, target) })

  it('survives random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 4 }), anyProtocol, async (chunks, protocol) => {
      judge(await rawExchange(attacker, target, protocol, chunks))
    }), { numRuns: 40 })
  })

  it('answers truncated frames with MalformedDataError', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), fc.nat(), async (seed, cut) => {
      const whole = validStoreFrame(target, seed)
      const outcome = await rawExchange(attacker, target, STORE, [whole.subarray(0, cut % whole.byteLength)])
      expect(judge(outcome)).toBe('MalformedDataError')
    }), { numRuns: 20 })
  })

  it('answers oversize and malformed length prefixes at once, without reading the body', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: CAP + 1, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ maxLength: 64 }), async (length, tail) => {
      const outcome = await rawExchange(attacker, target, STORE, [concatBytes([varint.encode(length), tail])], 5000, true)
      expect(judge(outcome)).toBe('MalformedDataError')
    }), { numRuns: 15 })
    const overlong = new Uint8Array(12).fill(0xff)
    expect(judge(await rawExchange(attacker, target, STORE, [overlong]))).toBe('MalformedDataError')
  })

  it('answers well-framed garbage with MalformedDataError', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), anyProtocol, async (body, protocol) => {
      const name = judge(await rawExchange(attacker, target, protocol, [frame(body)]))
      expect(name === undefined || TYPED.has(name)).toBe(true)
    }), { numRuns: 40 })
  })

  it('answers dag-cbor of the wrong shape with typed errors', async () => {
    await fc.assert(fc.asyncProperty(schemaish, anyProtocol, async (request, protocol) => {
      let body: Uint8Array
      try { body = encodeCbor(request) } catch { return } // not representable in dag-cbor
      judge(await rawExchange(attacker, target, protocol, [frame(body)]))
    }), { numRuns: 60 })
  })

  it('answers a stalled request with TimeoutError', async () => {
    const whole = validStoreFrame(target, 1)
    const started = Date.now()
    const outcome = await rawExchange(attacker, target, STORE, [whole.subarray(0, 40)], 5000, true)
    expect(judge(outcome)).toBe('TimeoutError')
    expect(Date.now() - started).toBeLessThan(4000)
  })

  it('takes a burst of parallel garbage and keeps serving a good client; every slot is released', async () => {
    const garbage = Array.from({ length: 24 }, (_, i) => rawExchange(attacker, target, STORE, [frame(Uint8Array.of(i, 0xff, 0x17))]))
    const shard = makeShard(5000, 42)
    await good.node.services.shards.store(target.node.peerId, shard.id, shard.bytes, alice)
    for (const outcome of await Promise.all(garbage)) judge(outcome)
    expect(await good.node.services.shards.fetch(target.node.peerId, shard.id)).toEqual(shard.bytes)
    expect((await good.node.services.info.info(target.node.peerId)).shards).toBeGreaterThan(0)
    expect(target.limiter.stats()).toMatchObject({ streams: 0, inflightBytes: 0 })
    expect(target.node.status).toBe('started')
  })
})

describe('limits between live nodes', () => {
  let strict: Peer
  let busy: Peer
  let attacker: Peer
  let good: Peer

  beforeAll(async () => {
    strict = await startPeer({ limits: { banThreshold: 30, banDuration: 60_000 } })
    busy = await startPeer({ shard: { timeout: 1000 }, limits: { maxStreamsPerPeer: 1, requestBurst: 4, requestsPerSecond: 0.1 } })
    attacker = await startPeer({ clientOnly: true })
    good = await startPeer({ clientOnly: true })
    await connect(attacker, strict)
    await connect(good, strict)
    await connect(attacker, busy)
  })

  afterAll(async () => { await stopAll(attacker, good, strict, busy) })

  it('drops a peer that keeps misbehaving, refuses it for the ban, and keeps serving others', async () => {
    for (let i = 0; i < 4; i++) { // 10 points each, threshold 30 (points decay meanwhile)
      judge(await rawExchange(attacker, strict, SHARD_PROTOCOLS.has, [frame(Uint8Array.of(0xff, i))]))
    }
    expect(strict.limiter.isBanned(attacker.node.peerId.toString())).toBe(true)
    const until = Date.now() + 3000
    while (attacker.node.getConnections(strict.node.peerId).length > 0 && Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    expect(attacker.node.getConnections(strict.node.peerId)).toHaveLength(0)
    // coming back during the ban: the connection may open, but every stream is refused
    await attacker.node.dial(strict.node.getMultiaddrs())
    const err = await attacker.node.services.shards.has(strict.node.peerId, []).then(() => undefined, (e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    const shard = makeShard(1000, 7)
    await good.node.services.shards.store(strict.node.peerId, shard.id, shard.bytes, alice)
    expect(await good.node.services.shards.has(strict.node.peerId, [shard.id])).toEqual([true])
  })

  it('answers RateLimitedError past the per-peer concurrency and request rate', async () => {
    const held = rawExchange(attacker, busy, SHARD_PROTOCOLS.has, [Uint8Array.of(0x20)], 5000, true) // stalls one slot
    await new Promise(resolve => setTimeout(resolve, 50))
    const concurrent = await attacker.node.services.shards.has(busy.node.peerId, []).then(() => undefined, (e: Error & { details?: Record<string, unknown> }) => e)
    expect(concurrent?.name).toBe('RateLimitedError')
    expect(concurrent?.details?.reason).toBe('streams-per-peer')
    expect(judge(await held)).toBe('TimeoutError')
    const reasons: unknown[] = []
    for (let i = 0; i < 6; i++) {
      await attacker.node.services.shards.has(busy.node.peerId, []).catch((e: Error & { details?: Record<string, unknown> }) => { reasons.push(e.details?.reason) })
    }
    expect(reasons).toContain('requests')
  })
})
