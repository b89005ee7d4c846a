/** The audit ledger's statuses over virtual time (src/mesh/audit-ledger.ts). */
import { describe, it, expect } from 'vitest'
import { AUDIT_DEFAULTS, AuditLedger, fileState, reputationOutcome, stripeHealth } from '../../src/mesh/audit-ledger.ts'

const hour = 3_600_000
const T = 1_767_225_600_000

describe('AuditLedger', () => {
  it('an unaudited holder is unknown; a pass makes it ok', () => {
    const ledger = new AuditLedger()
    expect(ledger.status('s', 'p', T)).toBe('unknown')
    ledger.record('s', 'p', 'pass', T)
    expect(ledger.status('s', 'p', T + 100 * hour)).toBe('ok')
  })

  it('an unreachable or late holder is unknown for lostAfterMs, then lost; a pass resets it', () => {
    const ledger = new AuditLedger({ lostAfterMs: 6 * hour })
    ledger.record('s', 'p', 'pass', T)
    ledger.record('s', 'p', 'unreachable', T + hour)
    ledger.record('s', 'p', 'timeout', T + 3 * hour)
    expect(ledger.status('s', 'p', T + 7 * hour)).toBe('unknown') // 6 h since the first miss, not more
    expect(ledger.status('s', 'p', T + 7 * hour + 1)).toBe('lost')
    ledger.record('s', 'p', 'pass', T + 8 * hour)
    expect(ledger.status('s', 'p', T + 8 * hour)).toBe('ok')
    ledger.record('s', 'p', 'unreachable', T + 9 * hour)
    expect(ledger.status('s', 'p', T + 15 * hour)).toBe('unknown')
    expect(ledger.entry('s', 'p')).toMatchObject({ lastPassAt: T + 8 * hour, badSince: T + 9 * hour })
  })

  it('a failed or lost answer is lost at once, and stays lost while the holder is unreachable, until it passes', () => {
    for (const outcome of ['fail', 'lost'] as const) {
      const ledger = new AuditLedger()
      ledger.record('s', 'p', 'pass', T)
      ledger.record('s', 'p', outcome, T + 1)
      expect(ledger.status('s', 'p', T + 1)).toBe('lost')
      ledger.record('s', 'p', 'unreachable', T + 2)
      expect(ledger.status('s', 'p', T + 2)).toBe('lost')
      ledger.record('s', 'p', 'pass', T + 3)
      expect(ledger.status('s', 'p', T + 3)).toBe('ok')
    }
  })

  it('keeps holders of a shard apart, forgets on request, and keeps at most maxEntries (the least recently audited go)', () => {
    const ledger = new AuditLedger({ maxEntries: 3 })
    ledger.record('s', 'a', 'pass', T)
    ledger.record('s', 'b', 'lost', T)
    expect([ledger.status('s', 'a', T), ledger.status('s', 'b', T), ledger.status('t', 'a', T)]).toEqual(['ok', 'lost', 'unknown'])
    ledger.record('t', 'a', 'pass', T)
    ledger.record('s', 'a', 'pass', T + 1) // a again: now the most recent
    ledger.record('u', 'a', 'pass', T + 2)
    expect(ledger.size).toBe(3)
    expect(ledger.entry('s', 'b')).toBeUndefined()
    expect(ledger.entry('s', 'a')).toBeDefined()
    ledger.forget('s')
    expect(ledger.entry('s', 'a')).toBeUndefined()
    expect(ledger.size).toBe(2)
  })

  it('defaults: 24 h interval, ±10 %, lost after 24 h (chosen from the simulation), 2 groups', () => {
    expect(AUDIT_DEFAULTS).toMatchObject({ auditIntervalMs: 24 * hour, auditJitter: 0.1, lostAfterMs: 24 * hour, auditGroups: 2 })
    expect(new AuditLedger().lostAfterMs).toBe(24 * hour)
  })
})

describe('stripe health and file state', () => {
  it('counts each shard index by its best holder', () => {
    expect(stripeHealth([['ok'], ['lost', 'ok'], ['unknown', 'lost'], ['lost'], [], ['unknown']])).toEqual({ verified: 2, unknown: 2, lost: 2 })
  })

  it('healthy at n, degraded above k, at risk at k, lost below', () => {
    expect([6, 5, 4, 3].map(h => fileState(h, 4, 6))).toEqual(['healthy', 'degraded', 'at-risk', 'lost'])
  })

  it('maps outcomes to the reputation book', () => {
    expect(['pass', 'fail', 'lost', 'timeout', 'unreachable'].map(o => reputationOutcome(o as 'pass'))).toEqual(['passed', 'failed', 'lost', 'late', undefined])
  })
})
