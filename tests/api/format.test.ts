/** The product's one way of writing sizes, spans, rates, dates and ids, and of reading typed sizes. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  describeIndexBackup, formatBytes, formatBytesPerSecond, formatDateTime, formatDurationMs, formatLatencyMs, formatTimeLeftSeconds,
  formatTimestamp, GB, KB, MB, parseBytes, plural, shortId, TB
} from '../../src/api/format.ts'

describe('formatBytes', () => {
  it('writes SI units, three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1000)).toBe('1 kB')
    expect(formatBytes(1500)).toBe('1.5 kB')
    expect(formatBytes(1234)).toBe('1.23 kB')
    expect(formatBytes(12_345_678)).toBe('12.3 MB')
    expect(formatBytes(250_000_000)).toBe('250 MB')
    expect(formatBytes(3e15)).toBe('3 PB')
    expect(formatBytes(5e18)).toBe('5000 PB')
  })

  it('writes the same file the same way on every screen: 7830 bytes are 7.83 kB', () => {
    expect(formatBytes(7830)).toBe('7.83 kB')
    expect(formatBytes(GB)).toBe('1 GB')
    expect(formatBytes(1024 ** 3)).toBe('1.07 GB')
  })

  it('moves an amount that rounds up to a whole next unit into it', () => {
    expect(formatBytes(999_700)).toBe('1 MB')
    expect(formatBytes(999_999_999)).toBe('1 GB')
  })

  it('answers a dash for what is not a size', () => {
    expect(formatBytes(-1)).toBe('—')
    expect(formatBytes(Number.NaN)).toBe('—')
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('—')
  })

  it('never writes an amount of 1000 or more below the last unit, and reads back within the rounding', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9e15 }), (bytes) => {
      const text = formatBytes(bytes)
      const [amount, unit] = text.split(' ')
      if (unit !== 'PB') expect(Number(amount)).toBeLessThan(1000)
      const back = parseBytes(text) as number
      // three significant digits: within 0.5 % (and half a byte)
      expect(Math.abs(back - bytes)).toBeLessThanOrEqual(bytes * 0.005 + 0.5)
    }))
  })
})

describe('parseBytes', () => {
  it('reads SI units (bare letters too) and the binary IEC names, any case, with or without a space', () => {
    const cases: Array<[string, number]> = [
      ['0', 0], ['4096', 4096], ['12B', 12], ['1kB', KB], ['1KB', KB], ['1k', KB], ['500 kB', 500_000], ['10MB', 10 * MB], ['10M', 10 * MB],
      ['2GB', 2 * GB], ['2 g', 2 * GB], ['1TB', TB], ['1T', TB], ['.5MB', 500_000], ['1.5 GB', 1.5 * GB],
      ['1KiB', 1024], ['1.5GiB', 1.5 * 1024 ** 3], ['2 gib', 2 * 1024 ** 3], ['1 TiB', 1024 ** 4]
    ]
    for (const [text, bytes] of cases) expect(parseBytes(text), text).toBe(bytes)
  })

  it('rounds fractional bytes', () => {
    expect(parseBytes('1.0005kB')).toBe(1001)
  })

  it('refuses what is not a size, or too large to count', () => {
    for (const text of ['', 'MB', '10XB', '-1MB', '1,5MB', 'ten', '1e3', '10 M B', '1.2.3', '99999999999TB']) {
      expect(parseBytes(text), text).toBeUndefined()
    }
  })
})

describe('formatBytesPerSecond', () => {
  it('is a size per second', () => {
    expect(formatBytesPerSecond(2_500_000)).toBe('2.5 MB/s')
    expect(formatBytesPerSecond(35.24e6)).toBe('35.2 MB/s')
    expect(formatBytesPerSecond(850_000)).toBe('850 kB/s')
    expect(formatBytesPerSecond(-1)).toBe('—')
  })
})

describe('formatDurationMs', () => {
  it('reads naturally at every scale', () => {
    expect(formatDurationMs(0)).toBe('0 ms')
    expect(formatDurationMs(850)).toBe('850 ms')
    expect(formatDurationMs(12_340)).toBe('12.3 s')
    expect(formatDurationMs(59_960)).toBe('1 min')
    expect(formatDurationMs(60_000)).toBe('1 min')
    expect(formatDurationMs(245_000)).toBe('4 min 5 s')
    expect(formatDurationMs(3 * 3600_000 + 120_000)).toBe('3 h 2 min')
    expect(formatDurationMs(2 * 3600_000 + 7000)).toBe('2 h')
    expect(formatDurationMs(2 * 86400_000 + 4 * 3600_000)).toBe('2 d 4 h')
  })

  it('answers a dash for a negative or unknown span', () => {
    expect(formatDurationMs(-5)).toBe('—')
    expect(formatDurationMs(Number.NaN)).toBe('—')
  })
})

describe('formatTimeLeftSeconds', () => {
  it('rounds up to whole seconds, then two units', () => {
    expect(formatTimeLeftSeconds(undefined)).toBe('—')
    expect(formatTimeLeftSeconds(0)).toBe('0 s')
    expect(formatTimeLeftSeconds(0.2)).toBe('1 s')
    expect(formatTimeLeftSeconds(59)).toBe('59 s')
    expect(formatTimeLeftSeconds(59.5)).toBe('1 min')
    expect(formatTimeLeftSeconds(185)).toBe('3 min 5 s')
    expect(formatTimeLeftSeconds(7800)).toBe('2 h 10 min')
    expect(formatTimeLeftSeconds(30 * 3600 + 300)).toBe('1 d 6 h')
    expect(formatTimeLeftSeconds(Infinity)).toBe('—')
  })
})

describe('formatLatencyMs', () => {
  it('rounds to whole ms and shows a dash when unknown', () => {
    expect(formatLatencyMs(12.6)).toBe('13 ms')
    expect(formatLatencyMs(undefined)).toBe('—')
  })
})

describe('dates', () => {
  it('writes a timestamp as local year-month-day hour:minute', () => {
    expect(formatTimestamp(new Date(2025, 0, 5, 9, 7).getTime())).toBe('2025-01-05 09:07')
  })

  it('writes a date and time in the reader\'s language', () => {
    const at = new Date(2025, 0, 5, 9, 7).getTime()
    expect(formatDateTime(at)).toBe(new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }))
    expect(formatDateTime(at)).toMatch(/2025/)
  })
})

describe('shortId', () => {
  const id = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

  it('keeps the head and tail of a long id', () => {
    expect(shortId(id)).toBe('12D3Koo…CVe2Xo')
    expect(shortId(id, 4, 4)).toBe(`12D3…${id.slice(-4)}`)
    expect(shortId('12D3KooWabcdefghijk', 0, 6)).toBe('…fghijk')
  })

  it('leaves a short id whole', () => {
    expect(shortId('abc')).toBe('abc')
    expect(shortId('a'.repeat(14))).toBe('a'.repeat(14))
  })
})

describe('plural', () => {
  it('agrees with the count', () => {
    expect(plural(1, 'new direct connection')).toBe('1 new direct connection')
    expect(plural(0, 'file')).toBe('0 files')
    expect(plural(2, 'shard copy', 'shard copies')).toBe('2 shard copies')
  })
})

describe('describeIndexBackup', () => {
  const now = 1_000_000
  it('says where the automatic backup stands', () => {
    expect(describeIndexBackup({ state: 'idle', failures: 0 }, now)).toBe('no changes waiting')
    expect(describeIndexBackup({ state: 'idle', failures: 0, lastSuccessAt: now - 125_000 }, now)).toBe('last backed up 2 min 5 s ago')
    expect(describeIndexBackup({ state: 'scheduled', failures: 0, nextAttemptAt: now + 1500 }, now)).toBe('changes wait: backed up in 2 s')
    expect(describeIndexBackup({ state: 'running', failures: 0 }, now)).toBe('backing up now')
  })

  it('says a failure, why, and when it is tried again', () => {
    const failed = { state: 'failed' as const, failures: 3, lastError: { name: 'InsufficientPeersError', message: 'No DHT server accepted the index pointer' }, nextAttemptAt: now + 40_000 }
    expect(describeIndexBackup(failed, now)).toBe('failed 3 times (No DHT server accepted the index pointer); next try in 40 s')
    expect(describeIndexBackup({ state: 'failed', failures: 1, lastError: { name: 'TimeoutError', message: '' } }, now)).toBe('failed 1 time (TimeoutError); tried again after the next change')
  })
})
