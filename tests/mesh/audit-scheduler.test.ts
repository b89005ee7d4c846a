/**
 * The audit scheduler on a virtual clock (src/mesh/audit-scheduler.ts):
 * first audits spread over one interval, then one per interval ± jitter,
 * bounded concurrency, outcomes into the ledger and the reputation book,
 * stripe status for the repair planner, abort.
 */
import { describe, it, expect } from 'vitest'
import { AuditLedger } from '../../src/mesh/audit-ledger.ts'
import { AuditScheduler, type WatchedShard } from '../../src/mesh/audit-scheduler.ts'
import type { AuditTransport } from '../../src/mesh/audit-ports.ts'
import type { AuditOutcome } from '../../src/net/audit/index.ts'
import { ReputationBook } from '../../src/net/reputation.ts'
import { FakeClock, fakeRng, settle } from './audit-fakes.ts'

const hour = 3_600_000
const day = 24 * hour

interface Call { peer: string, id: string, nonce: Uint8Array, groups: number, size: number, signal: AbortSignal, at: number }

function recordingTransport (clock: FakeClock, answer: (peer: string, id: string) => AuditOutcome | Promise<AuditOutcome> = () => 'pass'): AuditTransport & { calls: Call[] } {
  const calls: Call[] = []
  return {
    calls,
    audit: async (peer, id, nonce, groups, size, signal) => {
      calls.push({ peer, id, nonce, groups, size, signal, at: clock.now() })
      return await answer(peer, id)
    }
  }
}

const shard = (n: number, holders: string[] = ['p'], stripe = 'f/0'): WatchedShard => ({ id: `s${n}`, size: 1000 + n, stripe, index: n, holders })

describe('AuditScheduler', () => {
  it('spreads first audits over one interval, then audits each holder once per interval ± 10 %', async () => {
    const clock = new FakeClock()
    const start = clock.now()
    const transport = recordingTransport(clock)
    const scheduler = new AuditScheduler({ clock, rng: fakeRng(1), transport, ledger: new AuditLedger(), concurrency: 1000 })
    for (let n = 0; n < 200; n++) scheduler.watch(shard(n))
    // step through 3 days an hour at a time
    for (let h = 0; h < 72; h++) { clock.advance(hour); await scheduler.runDue() }
    const first = new Map<string, number>()
    for (const c of transport.calls) if (!first.has(c.id)) first.set(c.id, c.at - start)
    expect(first.size).toBe(200)
    // the first round falls over the whole first day, a few each hour, never in one burst
    const perHour = new Array<number>(24).fill(0)
    for (const t of first.values()) perHour[Math.min(23, Math.floor((t - 1) / hour))]!++
    expect(Math.max(...perHour)).toBeLessThanOrEqual(20)
    expect(perHour.filter(n => n === 0).length).toBeLessThanOrEqual(2)
    // the gap between audits of one holder: within the interval ± 10 % (plus the hour's step)
    for (let n = 0; n < 200; n++) {
      const times = transport.calls.filter(c => c.id === `s${n}`).map(c => c.at)
      expect(times.length).toBeGreaterThanOrEqual(2)
      for (let i = 1; i < times.length; i++) {
        const gap = (times[i] as number) - (times[i - 1] as number)
        expect(gap).toBeGreaterThanOrEqual(0.9 * day)
        expect(gap).toBeLessThanOrEqual(1.1 * day + hour)
      }
    }
    // a fresh nonce each time, the watched size, the default two groups
    expect(new Set(transport.calls.map(c => Buffer.from(c.nonce).toString('hex'))).size).toBe(transport.calls.length)
    expect(transport.calls.every(c => c.groups === 2 && c.size === 1000 + Number(c.id.slice(1)))).toBe(true)
  })

  it('runs at most `concurrency` audits at once', async () => {
    const clock = new FakeClock()
    let running = 0
    let most = 0
    const release: Array<() => void> = []
    const transport = recordingTransport(clock, async (): Promise<AuditOutcome> => {
      running++
      most = Math.max(most, running)
      await new Promise<void>(resolve => release.push(resolve))
      running--
      return 'pass'
    })
    const scheduler = new AuditScheduler({ clock, rng: fakeRng(2), transport, ledger: new AuditLedger(), concurrency: 3 })
    for (let n = 0; n < 10; n++) scheduler.watch(shard(n))
    clock.advance(day)
    const controller = new AbortController()
    const run = scheduler.run(controller.signal)
    await settle()
    expect(scheduler.inFlight).toBe(3)
    while (transport.calls.length < 10) {
      release.shift()?.()
      await settle()
    }
    expect(most).toBe(3)
    for (const r of release.splice(0)) r()
    controller.abort()
    await run
  })

  it('records outcomes in the ledger and the reputation book, and tells the repair planner how each stripe stands', async () => {
    const clock = new FakeClock()
    const answers: Record<string, AuditOutcome> = { a: 'pass', b: 'pass', c: 'pass', d: 'pass', e: 'lost', f: 'unreachable' }
    const transport = recordingTransport(clock, peer => answers[peer] as AuditOutcome)
    const ledger = new AuditLedger({ lostAfterMs: 6 * hour })
    const reputation = new ReputationBook({ self: 'me' })
    const before = reputation.score('e')
    const scheduler = new AuditScheduler({ clock, rng: fakeRng(3), transport, ledger, reputation, concurrency: 10 })
    const peers = Object.keys(answers)
    peers.forEach((peer, n) => { scheduler.watch(shard(n, [peer])) })
    expect(scheduler.stripeStatus().get('f/0')).toEqual({ verified: 0, unknown: 6, lost: 0 })
    clock.advance(day)
    await scheduler.runDue()
    expect(transport.calls.length).toBe(6)
    expect(ledger.status('s0', 'a', clock.now())).toBe('ok')
    expect(ledger.status('s4', 'e', clock.now())).toBe('lost')
    expect(scheduler.stripeStatus().get('f/0')).toEqual({ verified: 4, unknown: 1, lost: 1 })
    clock.advance(6 * hour + 1)
    expect(scheduler.stripeStatus().get('f/0')).toEqual({ verified: 4, unknown: 0, lost: 2 })
    expect(reputation.score('e')).toBeLessThan(before)
    expect(reputation.score('a')).toBeGreaterThan(reputation.score('e'))
  })

  it('stops auditing a shard once unwatched, and a holder once it is no longer listed', async () => {
    const clock = new FakeClock()
    const transport = recordingTransport(clock)
    const scheduler = new AuditScheduler({ clock, rng: fakeRng(4), transport, ledger: new AuditLedger() })
    scheduler.watch(shard(1, ['a', 'b']))
    scheduler.watch(shard(2, ['a']))
    scheduler.watch(shard(1, ['b']))
    scheduler.unwatch('s2')
    for (let d = 0; d < 3; d++) { clock.advance(day); await scheduler.runDue() }
    expect(new Set(transport.calls.map(c => `${c.id} ${c.peer}`))).toEqual(new Set(['s1 b']))
    expect(scheduler.watched).toBe(1)
  })

  it('abort ends the run: the running audit sees the signal, nothing else starts', async () => {
    const clock = new FakeClock()
    const transport = recordingTransport(clock, async () => await new Promise<AuditOutcome>(() => {}))
    const hanging: AuditTransport = {
      audit: async (peer, id, nonce, groups, size, signal) => {
        void transport.audit(peer, id, nonce, groups, size, signal)
        return await new Promise<AuditOutcome>((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true }) })
      }
    }
    const ledger = new AuditLedger()
    const scheduler = new AuditScheduler({ clock, rng: fakeRng(5), transport: hanging, ledger, concurrency: 1 })
    scheduler.watch(shard(1))
    scheduler.watch(shard(2))
    const controller = new AbortController()
    const run = scheduler.run(controller.signal)
    clock.advance(day)
    await settle()
    expect(transport.calls.length).toBe(1)
    controller.abort()
    await run
    expect(transport.calls[0]?.signal.aborted).toBe(true)
    expect(transport.calls.length).toBe(1)
    expect(ledger.size).toBe(0) // a cancelled audit says nothing about the holder
    expect(clock.sleepers).toBe(0)
  })

  it('refuses settings out of range', () => {
    const clock = new FakeClock()
    const base = { clock, rng: fakeRng(6), transport: recordingTransport(clock), ledger: new AuditLedger() }
    for (const bad of [{ intervalMs: 0 }, { jitter: 0.6 }, { concurrency: 0 }, { groups: 9 }]) {
      expect(() => new AuditScheduler({ ...base, ...bad })).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    }
  })
})
