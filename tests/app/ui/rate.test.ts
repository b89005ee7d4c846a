/** Speed over a sliding window and time left, for uploads, downloads and the receive view. */
import { describe, expect, it } from 'vitest'
import { RateMeter, timeLeft } from '../../../src/app/ui/rate.ts'

describe('RateMeter', () => {
  it('is 0 until the samples span a second', () => {
    const m = new RateMeter()
    expect(m.rate()).toBe(0)
    m.sample(0, 0)
    expect(m.rate()).toBe(0)
    m.sample(0, 100)
    expect(m.rate()).toBe(0)
    m.sample(500, 1000)
    expect(m.rate()).toBe(0)
    m.sample(1000, 2000)
    expect(m.rate()).toBe(2000)
  })

  it('looks back over its window only', () => {
    const m = new RateMeter(5000)
    m.sample(0, 0)
    m.sample(10_000, 10_000_000) // a fast first 10 s
    for (let t = 11_000; t <= 20_000; t += 1000) m.sample(t, 10_000_000 + (t - 10_000) * 100) // then 100 kB/s
    expect(m.rate()).toBeCloseTo(100_000)
  })

  it('starts over when the total goes down', () => {
    const m = new RateMeter()
    m.sample(0, 0)
    m.sample(1000, 5000)
    m.sample(2000, 1000)
    expect(m.rate()).toBe(0)
    m.sample(4000, 3000)
    expect(m.rate()).toBe(1000)
  })

  it('with no least span, has a speed as soon as two samples span some time', () => {
    const m = new RateMeter(3000, 0)
    expect(m.rate()).toBe(0)
    m.sample(0, 0)
    m.sample(0, 500)
    expect(m.rate()).toBe(0)
    m.sample(1000, 1_000_000)
    expect(m.rate()).toBe(1_000_000)
    m.sample(2000, 2_000_000)
    m.sample(5000, 8_000_000)
    // the window starts at the sample just before t - 3 s (t = 2000)
    expect(m.rate()).toBe(2_000_000)
    m.sample(9000, 8_000_000)
    // nothing came in the last 4 s
    expect(m.rate()).toBe(0)
  })
})

describe('timeLeft', () => {
  it('is remaining over rate, 0 when done, unknown without a rate', () => {
    expect(timeLeft(1000, 100)).toBe(10)
    expect(timeLeft(0, 0)).toBe(0)
    expect(timeLeft(-5, 10)).toBe(0)
    expect(timeLeft(1000, 0)).toBeUndefined()
    expect(timeLeft(1000, Number.NaN)).toBeUndefined()
  })
})
