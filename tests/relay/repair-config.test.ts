/** The relay's repair flags and variables (relay/config.ts): seconds in, ms out, a flag over its variable, typed refusals. */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../relay/config.ts'
import { AUDIT_DEFAULTS } from '../../src/mesh/audit-ledger.ts'
import { REPAIR_DEFAULTS } from '../../src/mesh/repair-worker.ts'

describe('relay repair settings', () => {
  it("defaults: the audit ledger's and the repair worker's, k + 1 per file", () => {
    expect(loadConfig([], {}).repair).toEqual({
      auditIntervalMs: AUDIT_DEFAULTS.auditIntervalMs,
      repairIntervalMs: REPAIR_DEFAULTS.repairIntervalMs,
      lostAfterMs: AUDIT_DEFAULTS.lostAfterMs,
      repairBackoffMs: REPAIR_DEFAULTS.repairBackoffMs
    })
  })

  it('takes flags over variables, in seconds', () => {
    const c = loadConfig(['--audit-interval', '60', '--repair-threshold', '5', '--lost-after', '120'], { AUDIT_INTERVAL: '30', REPAIR_INTERVAL: '10', REPAIR_THRESHOLD: '4', REPAIR_BACKOFF: '7' })
    expect(c.repair).toEqual({ auditIntervalMs: 60_000, repairIntervalMs: 10_000, repairThreshold: 5, lostAfterMs: 120_000, repairBackoffMs: 7000 })
  })

  it('refuses what is not a whole number of seconds above 0', () => {
    for (const [flag, value] of [['--audit-interval', '0'], ['--repair-interval', '1.5'], ['--lost-after', 'x'], ['--repair-threshold', '0']]) {
      expect(() => loadConfig([flag as string, value as string], {})).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    }
  })
})
