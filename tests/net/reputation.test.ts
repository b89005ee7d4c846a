/** The reputation book (src/net/reputation.ts, reputation-model.ts) with a fake clock: events, decay, trust, bounds, persistence. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CorruptShardError, MalformedDataError, NotFoundError, QuotaExceededError, RateLimitedError, TimeoutError } from '../../src/core/errors.ts'
import { eventOfFailure, memoryReputationStorage, REPUTATION, ReputationBook, type AuditOutcome, type ReputationEvent } from '../../src/net/reputation.ts'
import { priorScore } from '../../src/net/reputation-model.ts'
import { PeerLimiter } from '../../src/net/limits.ts'
import { FakeClock } from '../app/runtime/fake-clock.ts'

const day = 24 * 3600_000
const hour = 3600_000
const EVENTS = Object.keys(REPUTATION.events) as ReputationEvent[]

function book (init: ConstructorParameters<typeof ReputationBook>[0] = {}): { book: ReputationBook, clock: FakeClock } {
  const clock = new FakeClock(1_700_000_000_000)
  return { book: new ReputationBook({ clock, ...init }), clock }
}

/** One observation of any kind, for the properties. */
type Step =
  | { kind: 'event', event: ReputationEvent }
  | { kind: 'offence', points: number }
  | { kind: 'latency', ms: number }
  | { kind: 'sample', online: boolean }
  | { kind: 'wait', ms: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('event' as const), event: fc.constantFrom(...EVENTS) }),
  fc.record({ kind: fc.constant('offence' as const), points: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('latency' as const), ms: fc.double({ min: 0, max: 100_000, noNaN: true }) }),
  fc.record({ kind: fc.constant('sample' as const), online: fc.boolean() }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3 * day }) })
)

/** Histories pushing one way only: the scores at their extremes. */
const extreme: fc.Arbitrary<Step[]> = fc.oneof(
  fc.array(fc.constantFrom<Step>({ kind: 'event', event: 'audit-passed' }, { kind: 'event', event: 'served' }, { kind: 'sample', online: true }, { kind: 'latency', ms: 1 }), { maxLength: 400 }),
  fc.array(fc.constantFrom<Step>({ kind: 'event', event: 'audit-failed' }, { kind: 'event', event: 'corrupt' }, { kind: 'offence', points: 100 }, { kind: 'sample', online: false }, { kind: 'latency', ms: 1e6 }), { maxLength: 400 })
)

async function run (b: ReputationBook, clock: FakeClock, peer: string, steps: readonly Step[]): Promise<void> {
  for (const s of steps) {
    switch (s.kind) {
      case 'event': b.record(peer, s.event); break
      case 'offence': b.recordOffence(peer, s.points); break
      case 'latency': b.recordLatency(peer, s.ms); break
      case 'sample': b.sampleAvailability(peer, s.online); break
      case 'wait': await clock.advance(s.ms); break
    }
  }
}

describe('reputation: the model', () => {
  it('starts new peers at 40, trusted ones at 80, and decays toward 50', () => {
    expect(priorScore(REPUTATION.newPrior)).toBe(40)
    expect(priorScore(REPUTATION.trustedPrior)).toBe(80)
    expect(priorScore(REPUTATION.neutralPrior)).toBe(50)
    expect(REPUTATION.floorScore).toBeLessThan(priorScore(REPUTATION.newPrior))
    expect(REPUTATION.goodScore).toBeGreaterThan(priorScore(REPUTATION.newPrior))
    expect(REPUTATION.goodScore).toBeLessThan(priorScore(REPUTATION.trustedPrior))
    expect(Object.isFrozen(REPUTATION.events['audit-failed'])).toBe(true)
  })

  it('scores an unknown peer by its prior without tracking it', () => {
    const { book: b } = book({ trusted: ['T'], denied: ['D'] })
    expect(b.describe('x')).toEqual({ score: 40, tracked: false })
    expect(b.describe('T')).toEqual({ score: 80, trust: 'trusted', tracked: false })
    expect(b.describe('D')).toMatchObject({ trust: 'denied' })
    expect(b.isDenied('D')).toBe(true)
    expect(b.size).toBe(0)
  })

  it('moves with audits: passes raise a new peer above the good line, one failure sinks it below the floor', () => {
    const { book: b } = book()
    for (let i = 0; i < 10; i++) b.recordAudit('p', 'passed')
    expect(b.score('p')).toBeGreaterThan(REPUTATION.goodScore)
    b.recordAudit('q', 'failed')
    expect(b.score('q')).toBeLessThan(REPUTATION.floorScore)
    // an honest "lost" costs less than a failure, a late answer less still
    const outcomes: AuditOutcome[] = ['late', 'lost', 'failed']
    const scores = outcomes.map(o => { const x = book().book; x.recordAudit('r', o); return x.score('r') })
    expect(scores[0]).toBeGreaterThan(scores[1] as number)
    expect(scores[1]).toBeGreaterThan(scores[2] as number)
    expect(scores[0]).toBeLessThan(40)
  })

  it('decays toward 50 as evidence loses a tenth a day: one failure keeps a new peer below the floor for about three weeks', async () => {
    const { book: b, clock } = book()
    b.recordAudit('p', 'failed')
    b.recordAudit('q', 'passed')
    let last = b.score('p')
    for (let d = 1; d <= 90; d++) {
      await clock.advance(day)
      const s = b.score('p')
      expect(s).toBeGreaterThan(last) // closer every day
      expect(s).toBeLessThan(50)
      if (d === 14) expect(s).toBeLessThan(REPUTATION.floorScore)
      if (d === 28) expect(s).toBeGreaterThan(REPUTATION.floorScore)
      last = s
    }
    expect(last).toBeCloseTo(50, 1)
    expect(b.score('q')).toBeCloseTo(50, 1) // from above too
  })

  it('counts availability over a 7-day window, ±10 points', async () => {
    const { book: b, clock } = book()
    for (let i = 0; i < 12; i++) { b.sampleAvailability('up', true); b.sampleAvailability('down', true); await clock.advance(hour) }
    for (let i = 0; i < 12; i++) { b.sampleAvailability('up', true); b.sampleAvailability('down', false); await clock.advance(hour) }
    expect(b.describe('up').availability).toBe(1)
    expect(b.describe('down').availability).toBe(0.5)
    expect(b.score('up')).toBeCloseTo(b.score('down') + 10, 6)
    // the window slides: 8 days later nothing is left of it
    await clock.advance(8 * day)
    expect(b.describe('up').availability).toBeUndefined()
  })

  it('drops an offline sample of a peer it has no record of, and samples offline only peers seen online in the window', async () => {
    const { book: b, clock } = book()
    b.sampleAvailability('ghost', false)
    expect(b.size).toBe(0)
    b.recordAudit('known', 'passed') // tracked, never seen online
    b.sampleAvailability('left', true)
    for (let i = 0; i < 8; i++) b.sampleAll(new Set(['here']))
    expect(b.describe('known').availability).toBeUndefined()
    expect(b.describe('left').availability).toBeCloseTo(1 / 9, 6)
    expect(b.describe('here').availability).toBe(1)
    await clock.advance(8 * day)
    b.sampleAll(new Set())
    expect(b.describe('left').availability).toBeUndefined() // no longer expected back
  })

  it('gives latency a small effect, only while recent', async () => {
    const { book: b, clock } = book()
    b.recordLatency('fast', 20)
    b.recordLatency('slow', 5000)
    expect(b.score('fast') - 40).toBeCloseTo(REPUTATION.latencyBonusPoints, 6)
    expect(40 - b.score('slow')).toBeCloseTo(REPUTATION.latencyPenaltyPoints, 6)
    b.recordLatency('slow', 100)
    expect(b.describe('slow').latencyMs).toBeCloseTo(5000 + 0.2 * (100 - 5000), 6)
    await clock.advance(8 * day)
    expect(b.describe('fast').latencyMs).toBeUndefined()
  })

  it('counts the limiter\'s offences through its listener: a ban\'s worth takes a new peer below the floor', () => {
    const { book: b, clock } = book()
    const limiter = new PeerLimiter({}, clock.now, (peer, _offence, points) => { b.recordOffence(peer, points) })
    limiter.penalize('p', 'malformed')
    expect(b.score('p')).toBeLessThan(40)
    expect(b.score('p')).toBeGreaterThan(REPUTATION.floorScore)
    for (let i = 0; i < 9; i++) limiter.penalize('p', 'malformed')
    expect(limiter.isBanned('p')).toBe(true)
    expect(b.score('p')).toBeLessThan(REPUTATION.floorScore)
    // a listener that throws does not break the limiter
    const throwing = new PeerLimiter({}, clock.now, () => { throw new Error('boom') })
    expect(throwing.penalize('p', 'oversize')).toBe(false)
    expect(throwing.score('p')).toBe(25)
  })

  it('never tracks this node itself', () => {
    const { book: b } = book({ self: 'me' })
    b.recordAudit('me', 'failed')
    b.sampleAvailability('me', true)
    b.recordLatency('me', 5)
    expect(b.size).toBe(0)
  })
})

describe('reputation: trust and deny lists', () => {
  it('seeds trusted peers at 80 and endorses a known peer once, without washing out its failures', () => {
    const { book: b } = book({ trusted: ['T'] })
    b.recordAudit('T', 'passed')
    expect(b.score('T')).toBeGreaterThan(80)
    b.recordAudit('K', 'passed')
    const known = b.score('K')
    b.setTrusted(['T', 'K'])
    expect(b.score('K')).toBeGreaterThan(known)
    const endorsed = b.score('K')
    b.setTrusted(['T', 'K'])
    expect(b.score('K')).toBe(endorsed) // once
    b.recordAudit('F', 'failed')
    b.recordAudit('F', 'failed')
    b.setTrusted(['F'])
    expect(b.score('F')).toBeLessThan(REPUTATION.floorScore)
    expect(b.isTrusted('F')).toBe(true)
  })

  it('denies whatever the score, and deny wins over trust', () => {
    const { book: b } = book({ trusted: ['X'], denied: ['X'] })
    expect(b.isDenied('X')).toBe(true)
    expect(b.isTrusted('X')).toBe(false)
    expect(b.describe('X').trust).toBe('denied')
    b.setDenied([])
    expect(b.describe('X').trust).toBe('trusted')
  })
})

describe('reputation: bounds', () => {
  it('keeps at most maxPeers records, forgetting the least recently seen first', () => {
    const { book: b } = book({ maxPeers: 3 })
    for (const p of ['a', 'b', 'c']) b.recordAudit(p, 'failed')
    b.recordLatency('a', 10) // a is seen again
    b.recordAudit('d', 'passed')
    expect(b.tracked()).toEqual(['c', 'a', 'd'])
    expect(b.describe('b').tracked).toBe(false)
  })

  it('property: every score stays within 0-100, whatever is observed', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.array(step, { maxLength: 80 }), extreme), fc.boolean(), async (steps, trusted) => {
      const { book: b, clock } = book({ trusted: trusted ? ['p'] : [] })
      // an online sample first, so that offline ones count
      b.sampleAvailability('p', true)
      await run(b, clock, 'p', steps)
      const s = b.score('p')
      expect(Number.isFinite(s)).toBe(true)
      expect(s).toBeGreaterThanOrEqual(0)
      expect(s).toBeLessThanOrEqual(100)
    }), { numRuns: 300 })
  })

  it('property: without observations every score converges to 50', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...EVENTS), fc.array(step, { maxLength: 60 }), fc.boolean(), async (first, steps, trusted) => {
      const { book: b, clock } = book({ trusted: trusted ? ['p'] : [] })
      // a peer observed once or more (one never observed keeps its prior: new, or trusted)
      b.record('p', first)
      await run(b, clock, 'p', steps)
      await clock.advance(30 * day) // past the availability and latency windows
      const a = Math.abs(b.score('p') - 50)
      await clock.advance(30 * day)
      const later = Math.abs(b.score('p') - 50)
      expect(later).toBeLessThanOrEqual(a + 1e-9)
      await clock.advance(400 * day)
      expect(b.score('p')).toBeCloseTo(50, 2)
    }), { numRuns: 200 })
  })

  it('property: whatever came before, five failed audits in a row (up to a day apart) end below the placement floor', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(step, { maxLength: 300 }), fc.array(fc.integer({ min: 0, max: day }), { minLength: 5, maxLength: 5 }), fc.boolean(),
      async (history, gaps, trusted) => {
        const { book: b, clock } = book({ trusted: trusted ? ['p'] : [] })
        // the best a history can make of it: many passes, always online, fast
        await run(b, clock, 'p', history)
        for (const gap of gaps) {
          await clock.advance(gap)
          b.recordAudit('p', 'failed')
        }
        expect(b.score('p')).toBeLessThan(REPUTATION.floorScore)
      }), { numRuns: 300 })
    // ...including the best possible history
    const { book: b, clock } = book({ trusted: ['p'] })
    for (let i = 0; i < 1000; i++) { b.recordAudit('p', 'passed'); b.sampleAvailability('p', true); b.recordLatency('p', 1) }
    expect(b.score('p')).toBeGreaterThan(99)
    for (let i = 0; i < 5; i++) { await clock.advance(day); b.recordAudit('p', 'failed') }
    expect(b.score('p')).toBeLessThan(REPUTATION.floorScore)
  })

  it('property: trusted peers start at 80 and new ones at 40, whatever else the book holds', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), step), { maxLength: 40 }), fc.string({ minLength: 1, maxLength: 8 }), async (others, id) => {
      const { book: b, clock } = book({ trusted: [`T${id}`] })
      for (const [peer, s] of others) await run(b, clock, peer, [s])
      expect(b.score(`T${id}`)).toBe(80)
      expect(b.score(`N${id}`)).toBe(40)
      // the first observation starts from the prior
      b.recordAudit(`T${id}`, 'passed')
      b.recordAudit(`N${id}`, 'passed')
      expect(b.score(`T${id}`)).toBeCloseTo(100 * 9 / 11, 9)
      expect(b.score(`N${id}`)).toBeCloseTo(50, 9)
    }), { numRuns: 100 })
  })
})

describe('reputation: persistence', () => {
  it('saves a minute after a change (changes meanwhile share the write) and loads it back', async () => {
    const storage = memoryReputationStorage()
    let saves = 0
    const counting = { load: storage.load, save: async (bytes: Uint8Array) => { saves++; await storage.save(bytes) } }
    const { book: b, clock } = book({ storage: counting, trusted: ['T'] })
    b.recordAudit('p', 'failed')
    b.recordLatency('q', 50)
    b.sampleAvailability('T', true)
    await clock.advance(59_000)
    expect(saves).toBe(0)
    await clock.advance(1000)
    expect(saves).toBe(1)
    await clock.advance(10 * 60_000)
    expect(saves).toBe(1) // nothing changed since
    const again = await ReputationBook.open({ clock, storage, trusted: ['T'] })
    for (const peer of ['p', 'q', 'T']) expect(again.describe(peer)).toEqual(b.describe(peer))
    expect(again.tracked()).toEqual(b.tracked())
  })

  it('flushes at once, and a failed save is reported and tried again after the next change', async () => {
    const storage = memoryReputationStorage()
    let fail = true
    const errors: unknown[] = []
    const flaky = { load: storage.load, save: async (bytes: Uint8Array) => { if (fail) throw new Error('disk full'); await storage.save(bytes) } }
    const { book: b, clock } = book({ storage: flaky, onError: e => { errors.push(e) } })
    b.recordAudit('p', 'passed')
    await b.flush()
    expect(errors).toHaveLength(1)
    expect(storage.bytes).toBeUndefined()
    fail = false
    b.recordAudit('p', 'passed')
    await clock.advance(60_000)
    expect(storage.bytes).toBeDefined()
    const again = await ReputationBook.open({ clock, storage })
    expect(again.score('p')).toBe(b.score('p'))
  })

  it('starts empty from an unreadable store, and says so', async () => {
    const errors: unknown[] = []
    const { book: b } = book({ storage: { load: async () => new Uint8Array([0xa1, 0x61]), save: async () => {} }, onError: e => { errors.push(e) } })
    await b.load()
    expect(b.size).toBe(0)
    expect((errors[0] as Error).name).toBe('MalformedDataError')
  })
})

describe('eventOfFailure', () => {
  it('blames the peer only for what is its doing', () => {
    expect(eventOfFailure('fetch', new CorruptShardError(undefined, { id: 'x', peer: 'p' }))).toBe('corrupt')
    expect(eventOfFailure('fetch', new CorruptShardError('Stored shard was corrupt and has been removed', { id: 'x' }))).toBe('lost')
    expect(eventOfFailure('store', new CorruptShardError(undefined, { reason: 'sent-corrupt' }))).toBeUndefined()
    expect(eventOfFailure('store', new TimeoutError())).toBe('request-failed')
    expect(eventOfFailure('fetch', new MalformedDataError())).toBe('request-failed')
    for (const refusal of [new QuotaExceededError(), new RateLimitedError(), new NotFoundError(), new Error('dial failed')]) {
      expect(eventOfFailure('store', refusal)).toBeUndefined()
    }
  })
})
