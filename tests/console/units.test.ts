import { describe, expect, it } from 'vitest'
import { formatTimestamp } from '../../src/api/format.ts'
import { parseDate, parseSize } from '../../src/console/units.ts'

describe('sizes', () => {
  it('reads SI units as every screen writes them (a bare letter too), and the binary IEC names, any case', () => {
    const cases: Array<[string, number]> = [
      ['0', 0], ['4096', 4096], ['12B', 12], ['1KB', 1000], ['10MB', 10_000_000], ['2GB', 2e9], ['1TB', 1e12],
      ['1K', 1000], ['512k', 512_000], ['10M', 10_000_000], ['1T', 1e12],
      ['1KiB', 1024], ['1.5GiB', 1.5 * 1024 ** 3], ['2 gib', 2 * 1024 ** 3], ['.5MB', 500_000]
    ]
    for (const [text, bytes] of cases) expect(parseSize(text), text).toBe(bytes)
  })

  it('rounds fractional bytes', () => {
    expect(parseSize('1.0005KB')).toBe(1001)
  })

  it('refuses what is not a size, saying what a size looks like', () => {
    for (const text of ['', 'MB', '10XB', '-1MB', '1,5MB', 'ten', '1e3', '10 M B', '99999999999TB']) {
      expect(() => parseSize(text), text).toThrow(expect.objectContaining({ name: 'InvalidValueError' }))
    }
    expect(() => parseSize('10XB')).toThrow(/'10XB' is not a size: .*e\.g\. 500 kB, 10MB/)
    expect(() => parseSize('99999999999TB')).toThrow(/'99999999999TB' is too large a size/)
  })
})

describe('dates', () => {
  const now = new Date(2025, 2, 15, 12, 30).getTime()
  const day = (y: number, m: number, d: number): number => new Date(y, m - 1, d).getTime()

  it('reads a day as the whole day, in local time', () => {
    expect(parseDate('2025-01-31', now)).toEqual({ from: day(2025, 1, 31), to: day(2025, 2, 1) })
    expect(parseDate('2024-02-29', now)).toEqual({ from: day(2024, 2, 29), to: day(2024, 3, 1) })
  })

  it('reads today and yesterday as days, now as an instant', () => {
    expect(parseDate('today', now)).toEqual({ from: day(2025, 3, 15), to: day(2025, 3, 16) })
    expect(parseDate('Yesterday', now)).toEqual({ from: day(2025, 3, 14), to: day(2025, 3, 15) })
    expect(parseDate('now', now)).toEqual({ from: now, to: now })
  })

  it('reads ages as instants that long ago', () => {
    expect(parseDate('3d', now).from).toBe(now - 3 * 24 * 3600 * 1000)
    expect(parseDate('12h', now).from).toBe(now - 12 * 3600 * 1000)
    expect(parseDate('2w', now).from).toBe(now - 14 * 24 * 3600 * 1000)
    expect(parseDate('90m', now)).toEqual({ from: now - 90 * 60 * 1000, to: now - 90 * 60 * 1000 })
  })

  it('reads local and zoned instants', () => {
    expect(parseDate('2025-01-31T14:30', now).from).toBe(new Date(2025, 0, 31, 14, 30).getTime())
    expect(parseDate('2025-01-31T14:30:15', now).from).toBe(new Date(2025, 0, 31, 14, 30, 15).getTime())
    expect(parseDate('2025-01-31T14:30:00Z', now).from).toBe(Date.UTC(2025, 0, 31, 14, 30))
    expect(parseDate('2025-01-31T14:30+02:00', now).from).toBe(Date.UTC(2025, 0, 31, 12, 30))
  })

  it('refuses what is not a date, saying what a date looks like', () => {
    for (const text of ['', 'soon', '2025-02-30', '2025-13-01', '2025-1-5', '31/01/2025', '2025-01-31T25:00', '3 days', '1969-12-31', 'Jan 5']) {
      expect(() => parseDate(text, now), text).toThrow(expect.objectContaining({ name: 'InvalidValueError' }))
    }
    expect(() => parseDate('soon', now)).toThrow(/'soon' is not a date: use 2025-01-31/)
  })

  it('reads back the dates it writes', () => {
    const at = new Date(2025, 0, 5, 9, 7).getTime()
    expect(parseDate(formatTimestamp(at), now)).toEqual({ from: at, to: at })
  })
})
