/** The per-peer limiter with a fake clock: buckets, concurrency, scoring, bans, memory bound. */
import { describe, expect, it } from 'vitest'
import { CorruptShardError, MalformedDataError, NotAllowedError, NotFoundError, RateLimitedError, TimeoutError } from '../../src/core/errors.ts'
import { DEFAULT_LIMITS, offenceOf, PeerLimiter } from '../../src/net/limits.ts'

function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, advance: (ms) => { t += ms } }
}

function refusal (fn: () => unknown): RateLimitedError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(RateLimitedError)
    return err as RateLimitedError
  }
  throw new Error('expected a refusal')
}

describe('PeerLimiter', () => {
  it('has the documented defaults', () => {
    expect(new PeerLimiter().limits).toEqual(DEFAULT_LIMITS)
    expect(DEFAULT_LIMITS).toMatchObject({ requestsPerSecond: 500, maxStreamsPerPeer: 8, maxStreams: 64, banThreshold: 100 })
    // six peers at their caps and fair shares leave room for everybody else
    const d = DEFAULT_LIMITS
    expect(d.maxInflightBytesPerPeer + 5 * d.fairInflightBytes).toBeLessThan(d.maxInflightBytes)
    expect(d.maxStreamsPerPeer + 5 * d.fairStreams).toBeLessThan(d.maxStreams)
  })

  it('refills the request bucket over time', () => {
    const c = clock()
    const limiter = new PeerLimiter({ requestBurst: 3, requestsPerSecond: 2 }, c.now)
    for (let i = 0; i < 3; i++) limiter.admit('a').release()
    const err = refusal(() => limiter.admit('a'))
    expect(err.details).toMatchObject({ reason: 'requests', retryAfter: 500 })
    limiter.admit('b').release() // other peers are not affected
    c.advance(500)
    limiter.admit('a').release()
    refusal(() => limiter.admit('a'))
  })

  it('lets the byte balance go negative and waits until it is repaid', () => {
    const c = clock()
    const limiter = new PeerLimiter({ bytesBurst: 1000, bytesPerSecond: 1000 }, c.now)
    limiter.admit('a').release()
    limiter.charge('a', 3000)
    expect(refusal(() => limiter.admit('a')).details.reason).toBe('bytes')
    c.advance(1500)
    refusal(() => limiter.admit('a'))
    c.advance(600)
    limiter.admit('a').release()
  })

  it('bounds concurrent requests per peer and per node, and releases once', () => {
    const limiter = new PeerLimiter({ maxStreamsPerPeer: 2, maxStreams: 3 })
    const t1 = limiter.admit('a')
    const t2 = limiter.admit('a')
    expect(refusal(() => limiter.admit('a')).details.reason).toBe('streams-per-peer')
    const t3 = limiter.admit('b')
    expect(refusal(() => limiter.admit('c')).details.reason).toBe('streams')
    t1.release()
    t1.release() // idempotent
    expect(limiter.stats().streams).toBe(2)
    limiter.admit('c').release()
    t2.release(); t3.release()
    expect(limiter.stats().streams).toBe(0)
  })

  it('bounds the request bytes being received at once', () => {
    const limiter = new PeerLimiter({ maxInflightBytes: 100 })
    const t1 = limiter.admit('a')
    t1.reserve(60)
    const t2 = limiter.admit('b')
    expect(refusal(() => { t2.reserve(50) }).details.reason).toBe('inflight-bytes')
    t1.release()
    t2.reserve(50)
    expect(limiter.stats().inflightBytes).toBe(50)
    t2.release()
    expect(limiter.stats().inflightBytes).toBe(0)
  })

  it('keeps a peer to its fair share of stream slots while others are active', () => {
    const limiter = new PeerLimiter({ maxStreamsPerPeer: 8, maxStreams: 20, fairStreams: 2 })
    // alone, a peer may go past its fair share, up to its own cap
    const first = Array.from({ length: 8 }, () => limiter.admit('first'))
    expect(refusal(() => limiter.admit('first')).details).toMatchObject({ reason: 'streams-per-peer', scope: 'peer' })
    // every other peer gets its fair share, not more, while the first holds its slots
    const others = ['b', 'c', 'd', 'e', 'f'].flatMap(p => [limiter.admit(p), limiter.admit(p)])
    for (const p of ['b', 'c']) expect(refusal(() => limiter.admit(p)).details).toMatchObject({ reason: 'streams-fair-share', scope: 'node' })
    // five peers holding all they may still leave room for one more
    const honest = limiter.admit('honest')
    expect(limiter.stats().streams).toBe(19)
    for (const t of [...first, ...others, honest]) t.release()
    expect(limiter.stats().streams).toBe(0)
  })

  it('keeps a peer to its own cap and its fair share of request bytes while others hold bytes', () => {
    const limiter = new PeerLimiter({ maxInflightBytes: 1100, maxInflightBytesPerPeer: 400, fairInflightBytes: 200 })
    const a = [limiter.admit('a'), limiter.admit('a'), limiter.admit('a')]
    a[0]?.reserve(200)
    a[1]?.reserve(200) // alone: past the fair share, up to the per-peer cap
    expect(refusal(() => a[2]?.reserve(1)).details).toMatchObject({ reason: 'inflight-bytes-per-peer', scope: 'peer' })
    const peers = ['b', 'c', 'd'].map(p => [limiter.admit(p), limiter.admit(p)])
    for (const [t1, t2] of peers) {
      t1?.reserve(200)
      expect(refusal(() => t2?.reserve(1)).details).toMatchObject({ reason: 'inflight-fair-share', scope: 'node' })
    }
    // 1000 of 1100 held: the node's own cap is a node-wide refusal
    const late = limiter.admit('late')
    expect(refusal(() => { late.reserve(150) }).details).toMatchObject({ reason: 'inflight-bytes', scope: 'node' })
    // bytes come back as soon as the request is handled, before the stream closes
    a[0]?.releaseBytes()
    late.reserve(150)
    expect(limiter.stats().inflightBytes).toBe(950)
    for (const t of [...a, ...peers.flat(), late]) t?.release()
    expect(limiter.stats().inflightBytes).toBe(0)
  })

  it('takes bytes up front only when the balance covers them', () => {
    const c = clock()
    const limiter = new PeerLimiter({ bytesBurst: 1000, bytesPerSecond: 100 }, c.now)
    limiter.take('a', 600)
    expect(refusal(() => { limiter.take('a', 600) }).details).toMatchObject({ reason: 'bytes', scope: 'peer', retryAfter: 2000 })
    c.advance(2000)
    limiter.take('a', 600)
  })

  it('bans past the threshold, for the ban duration, then forgives', () => {
    const c = clock()
    const limiter = new PeerLimiter({ banThreshold: 30, banDuration: 60_000, scoreDecayPerSecond: 1 }, c.now)
    expect(limiter.penalize('a', 'malformed')).toBe(false)
    expect(limiter.penalize('a', 'malformed')).toBe(false)
    expect(limiter.score('a')).toBe(20)
    c.advance(5000) // decays to 15
    expect(limiter.score('a')).toBe(15)
    expect(limiter.penalize('a', 'malformed')).toBe(false)
    expect(limiter.penalize('a', 'bad-signature')).toBe(true)
    expect(limiter.isBanned('a')).toBe(true)
    expect(refusal(() => limiter.admit('a')).details.reason).toBe('banned')
    expect(limiter.penalize('a', 'oversize')).toBe(false) // already banned
    c.advance(60_001)
    expect(limiter.isBanned('a')).toBe(false)
    expect(limiter.score('a')).toBe(0)
    limiter.admit('a').release()
  })

  it('forgets idle peers past maxTrackedPeers, never busy or banned ones first', () => {
    const limiter = new PeerLimiter({ maxTrackedPeers: 10 })
    const busy = limiter.admit('busy')
    limiter.penalize('bad', 1000)
    for (let i = 0; i < 50; i++) limiter.admit(`p${i}`).release()
    expect(limiter.stats().peers).toBeLessThanOrEqual(11)
    expect(limiter.isBanned('bad')).toBe(true)
    busy.release()
    expect(limiter.stats().streams).toBe(0)
  })
})

describe('offenceOf', () => {
  it('blames the peer only for what it caused', () => {
    expect(offenceOf(new MalformedDataError('x'))).toBe('malformed')
    expect(offenceOf(new MalformedDataError('x', { reason: 'oversize' }))).toBe('oversize')
    expect(offenceOf(new NotAllowedError('x', { reason: 'bad-signature' }))).toBe('bad-signature')
    expect(offenceOf(new NotAllowedError('x', { reason: 'not-owner' }))).toBeUndefined()
    expect(offenceOf(new NotAllowedError('x', { reason: 'stale-timestamp' }))).toBeUndefined()
    expect(offenceOf(new CorruptShardError('x', { reason: 'sent-corrupt' }))).toBe('corrupt')
    expect(offenceOf(new CorruptShardError('x'))).toBeUndefined() // our own disk
    expect(offenceOf(new TimeoutError())).toBe('timeout')
    expect(offenceOf(new RateLimitedError())).toBe('rate')
    expect(offenceOf(new RateLimitedError('x', { reason: 'streams-per-peer', scope: 'peer' }))).toBe('rate')
    // refused because others fill the node: never the peer's fault
    for (const reason of ['streams', 'streams-fair-share', 'inflight-bytes', 'inflight-fair-share']) {
      expect(offenceOf(new RateLimitedError('x', { reason, scope: 'node' }))).toBeUndefined()
    }
    expect(offenceOf(new NotFoundError())).toBeUndefined()
    expect(offenceOf(new Error('x'))).toBeUndefined()
  })
})
