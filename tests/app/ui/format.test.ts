/** The shared writing of sizes, spans of time and ids. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { formatBytes, formatSpan, IEC, SI, shortId, type ByteUnits } from '../../../src/app/ui/format.ts'

describe('formatBytes', () => {
  it('writes SI units by default, three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1000)).toBe('1 kB')
    expect(formatBytes(1500)).toBe('1.5 kB')
    expect(formatBytes(1234)).toBe('1.23 kB')
    expect(formatBytes(12_345_678)).toBe('12.3 MB')
    expect(formatBytes(250_000_000)).toBe('250 MB')
    expect(formatBytes(SI.step ** 5 * 3)).toBe('3 PB')
  })

  it('writes binary units with their IEC names', () => {
    expect(formatBytes(1023, IEC)).toBe('1023 B')
    expect(formatBytes(1024, IEC)).toBe('1 KiB')
    expect(formatBytes(1536, IEC)).toBe('1.5 KiB')
    expect(formatBytes(123.4 * 1024 ** 2, IEC)).toBe('123 MiB')
    expect(formatBytes(2e9, IEC)).toBe('1.86 GiB')
  })

  it('moves an amount that rounds up to a whole next unit into it', () => {
    expect(formatBytes(999_700)).toBe('1 MB')
    expect(formatBytes(1024 ** 2 - 1, IEC)).toBe('1 MiB')
    expect(formatBytes(1024 * 1023.97, { step: 1024, names: ['B', 'KB', 'MB'], decimals: 1 })).toBe('1 MB')
  })

  it('stops at the last unit it has', () => {
    const upToKiB: ByteUnits = { step: 1024, names: ['B', 'KiB'] }
    expect(formatBytes(5 * 1024 ** 2, upToKiB)).toBe('5120 KiB')
  })

  it('keeps at most the given decimals', () => {
    const oneDecimal: ByteUnits = { step: 1024, names: ['B', 'KB', 'MB', 'GB'], decimals: 1 }
    expect(formatBytes(2.25 * 1024 ** 3, oneDecimal)).toBe('2.3 GB')
    expect(formatBytes(1.5 * 1024 ** 2, oneDecimal)).toBe('1.5 MB')
    expect(formatBytes(100 * 1024 ** 2, oneDecimal)).toBe('100 MB')
  })

  it('answers a dash for what is not a size', () => {
    expect(formatBytes(-1)).toBe('–')
    expect(formatBytes(Number.NaN, IEC)).toBe('–')
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('–')
  })

  it('never writes an amount of 1000 or more below the last unit', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(SI, IEC), (bytes, units) => {
      const [amount, unit] = formatBytes(bytes, units).split(' ')
      if (unit !== units.names.at(-1)) expect(Number(amount)).toBeLessThan(units.step)
    }))
  })
})

describe('formatSpan', () => {
  it('gives the two largest units that are not zero, down to whole seconds', () => {
    expect(formatSpan(0)).toBe('0 s')
    expect(formatSpan(999)).toBe('0 s')
    expect(formatSpan(45_000)).toBe('45 s')
    expect(formatSpan(60_000)).toBe('1 min')
    expect(formatSpan(195_000)).toBe('3 min 15 s')
    expect(formatSpan(2 * 3600_000 + 5 * 60_000 + 7000)).toBe('2 h 5 min')
    expect(formatSpan(2 * 3600_000 + 7000)).toBe('2 h')
    expect(formatSpan(3 * 86_400_000 + 4 * 3600_000)).toBe('3 d 4 h')
    expect(formatSpan(3 * 86_400_000 + 59_000)).toBe('3 d')
  })
})

describe('shortId', () => {
  const id = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

  it('keeps the head and tail of a long id', () => {
    expect(shortId(id)).toBe('12D3Koo…CVe2Xo')
    expect(shortId(id, 4, 4)).toBe(`12D3…${id.slice(-4)}`)
  })

  it('keeps the tail only when asked for no head', () => {
    expect(shortId('12D3KooWabcdefghijk', 0, 6)).toBe('…fghijk')
  })

  it('leaves a short id whole', () => {
    expect(shortId('abc')).toBe('abc')
    expect(shortId('me', 0, 6)).toBe('me')
    expect(shortId('a'.repeat(14))).toBe('a'.repeat(14))
  })
})
