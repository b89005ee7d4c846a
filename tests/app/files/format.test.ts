import { describe, expect, it } from 'vitest'
import { errorMessage, formatBytes, formatDuration, formatRate } from '../../../src/app/files/format.ts'
import { AbortedError, AlreadyExistsError, QuotaExceededError } from '../../../src/core/errors.ts'

describe('format', () => {
  it('sizes and speeds in SI units', () => {
    expect(formatBytes(1500)).toBe('1.5 kB')
    expect(formatRate(2_500_000)).toBe('2.5 MB/s')
  })

  it('durations', () => {
    expect(formatDuration(undefined)).toBe('–')
    expect(formatDuration(0.2)).toBe('1 s')
    expect(formatDuration(59)).toBe('59 s')
    expect(formatDuration(60)).toBe('1 min')
    expect(formatDuration(185)).toBe('3 min 5 s')
    expect(formatDuration(7800)).toBe('2 h 10 min')
    expect(formatDuration(0)).toBe('0 s')
    expect(formatDuration(30 * 3600 + 300)).toBe('1 d 6 h')
    expect(formatDuration(Infinity)).toBe('–')
  })

  it('errors read as sentences, never stacks', () => {
    expect(errorMessage(new AbortedError())).toBe('Cancelled')
    expect(errorMessage(new AlreadyExistsError())).toBe('A file with this name already exists')
    expect(errorMessage(new QuotaExceededError('Storage quota exceeded'))).toMatch(/^Not enough room/)
    expect(errorMessage(new Error('plain'))).toBe('plain')
    expect(errorMessage('text')).toBe('text')
  })
})
