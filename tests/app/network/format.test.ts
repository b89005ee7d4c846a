/** Sizes, durations, rates and counts as the network and receive views write them. */
import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, formatLatency, formatRate, plural } from '../../../src/app/network/format.ts'

describe('formatBytes', () => {
  it('uses binary units up to TiB', () => {
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(16 * 1024 ** 2)).toBe('16 MiB')
    expect(formatBytes(5 * 1024 ** 5)).toBe('5120 TiB')
  })

  it('answers a dash for what is not a size', () => {
    expect(formatBytes(-1)).toBe('—')
    expect(formatBytes(Number.NaN)).toBe('—')
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('—')
  })
})

describe('formatDuration', () => {
  it('gives ms below a second, then the two largest units that are not zero', () => {
    expect(formatDuration(250)).toBe('250 ms')
    expect(formatDuration(195_000)).toBe('3 min 15 s')
    expect(formatDuration(3 * 86_400_000 + 59_000)).toBe('3 d')
  })

  it('answers a dash for a negative or unknown time', () => {
    expect(formatDuration(-5)).toBe('—')
    expect(formatDuration(Number.NaN)).toBe('—')
  })
})

describe('formatRate', () => {
  it('writes 10^6 bytes per second as MB/s', () => {
    expect(formatRate(0)).toBe('0.00 MB/s')
    expect(formatRate(1_500_000)).toBe('1.50 MB/s')
    expect(formatRate(12_345_678)).toBe('12.3 MB/s')
    expect(formatRate(250_000_000)).toBe('250 MB/s')
    expect(formatRate(-1)).toBe('—')
  })
})

describe('formatLatency', () => {
  it('rounds to whole ms and shows a dash when unknown', () => {
    expect(formatLatency(12.6)).toBe('13 ms')
    expect(formatLatency(undefined)).toBe('—')
  })
})

describe('plural', () => {
  it('agrees with the count', () => {
    expect(plural(1, 'new direct connection')).toBe('1 new direct connection')
    expect(plural(0, 'new direct connection')).toBe('0 new direct connections')
    expect(plural(3, 'relay is', 'relays are')).toBe('3 relays are')
  })
})
