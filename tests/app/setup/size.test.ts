import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { GB, MAX_CONTRIBUTION, MB, MIN_CONTRIBUTION, parseSize, sizeProblem, splitSize } from '../../../src/app/setup/size.ts'

describe('parseSize', () => {
  it('reads GB and MB amounts as SI bytes, as every screen writes them', () => {
    expect(parseSize('1', 'GB')).toBe(1e9)
    expect(parseSize('2.5', 'GB')).toBe(2.5e9)
    expect(parseSize('0,5', 'GB')).toBe(GB / 2)
    expect(parseSize('512', 'MB')).toBe(512e6)
    expect(parseSize(' 100 ', 'MB')).toBe(100 * MB)
    expect(parseSize('.5', 'GB')).toBe(GB / 2)
    expect(parseSize('3.', 'GB')).toBe(3 * GB)
  })

  it.each(['', ' ', '-1', '1e3', 'abc', '1 GB', '1.2.3', 'Infinity', 'NaN', '0x10'])('refuses %j', (text) => {
    expect(parseSize(text, 'GB')).toBeUndefined()
  })
})

describe('sizeProblem', () => {
  it('holds the size between the minimum and the browser estimate', () => {
    expect(sizeProblem(undefined)).toMatch(/number/)
    expect(sizeProblem(0)).toMatch(/at least 100 MB/)
    expect(sizeProblem(MIN_CONTRIBUTION - 1)).toMatch(/at least/)
    expect(sizeProblem(MIN_CONTRIBUTION)).toBeNull()
    expect(sizeProblem(5 * GB, { max: 10 * GB })).toBeNull()
    expect(sizeProblem(10 * GB, { max: 10 * GB })).toBeNull()
    expect(sizeProblem(10 * GB + 1, { max: 10 * GB })).toMatch(/at most about 10 GB/)
    expect(sizeProblem(MAX_CONTRIBUTION + 1)).toMatch(/at most/)
    expect(sizeProblem(MAX_CONTRIBUTION + 1, { max: Number.MAX_SAFE_INTEGER })).toMatch(/at most/)
    expect(sizeProblem(50 * MB, { min: 10 * MB })).toBeNull()
  })
})

describe('splitSize', () => {
  it('shows GB from 1 GB up, MB below', () => {
    expect(splitSize(GB)).toEqual({ amount: '1', unit: 'GB' })
    expect(splitSize(5 * GB)).toEqual({ amount: '5', unit: 'GB' })
    expect(splitSize(512 * MB)).toEqual({ amount: '512', unit: 'MB' })
    expect(splitSize(1.5 * GB)).toEqual({ amount: '1.5', unit: 'GB' })
  })

  it('parses back to the same size, to within a rounding of the shown amount', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1024 * 1024 * GB }), (bytes) => {
      const { amount, unit } = splitSize(bytes)
      const back = parseSize(amount, unit) as number
      expect(Math.abs(back - bytes)).toBeLessThanOrEqual((unit === 'GB' ? GB : MB) / 200 + 1)
    }))
  })
})
