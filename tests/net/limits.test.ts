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
    expect(offenceOf(new NotFoundError())).toBeUndefined()
    expect(offenceOf(new Error('x'))).toBeUndefined()
  })
})
