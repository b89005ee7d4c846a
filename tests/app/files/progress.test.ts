import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { advance, NO_PROGRESS, putFraction, stripeCount } from '../../../src/app/files/progress.ts'

describe('put progress', () => {
  it('learns the stripe size from the first encoded stripe', () => {
    let p = advance(NO_PROGRESS, { type: 'put:encoded', bytesDone: 4, bytesTotal: 10 })
    p = advance(p, { type: 'put:encoded', bytesDone: 8, bytesTotal: 10 })
    expect(p).toMatchObject({ encoded: 8, firstStripe: 4 })
    expect(stripeCount(10, p.firstStripe)).toBe(3)
  })

  it('counts stripes', () => {
    expect(stripeCount(0, undefined)).toBe(1)
    expect(stripeCount(10, undefined)).toBeUndefined()
    expect(stripeCount(10, 10)).toBe(1)
    expect(stripeCount(8, 4)).toBe(2)
    expect(stripeCount(9, 4)).toBe(3)
  })

  it('ignores other events and never goes back', () => {
    const p = advance(NO_PROGRESS, { type: 'put:stored', shardsStored: 5, stripesCommitted: 1 })
    expect(advance(p, { type: 'get:decoded', bytesDone: 1, bytesTotal: 2 })).toBe(p)
    expect(advance(p, { type: 'put:stored', shardsStored: 3, stripesCommitted: 0 })).toMatchObject({ shardsStored: 5, stripesCommitted: 1 })
  })

  it('weighs encoding and storing equally', () => {
    expect(putFraction(NO_PROGRESS, 100, 6)).toBe(0)
    expect(putFraction({ encoded: 100, firstStripe: 100, shardsStored: 0, stripesCommitted: 0 }, 100, 6)).toBe(0.5)
    expect(putFraction({ encoded: 100, firstStripe: 100, shardsStored: 3, stripesCommitted: 0 }, 100, 6)).toBe(0.75)
    expect(putFraction({ encoded: 100, firstStripe: 100, shardsStored: 4, stripesCommitted: 1 }, 100, 6)).toBe(1)
    // shards beyond k + m (the manifest's copies) do not push it past the end
    expect(putFraction({ encoded: 100, firstStripe: 100, shardsStored: 20, stripesCommitted: 1 }, 100, 6)).toBe(1)
    // an empty file is one empty stripe
    expect(putFraction({ encoded: 0, firstStripe: 0, shardsStored: 6, stripesCommitted: 1 }, 0, 6)).toBe(1)
  })

  it('stays within 0 … 1 and grows with every event', () => {
    const event = fc.oneof(
      fc.record({ type: fc.constant('put:encoded' as const), bytesDone: fc.nat({ max: 1000 }) }),
      fc.record({ type: fc.constant('put:stored' as const), shardsStored: fc.nat({ max: 100 }), stripesCommitted: fc.nat({ max: 20 }) })
    )
    fc.assert(fc.property(fc.nat({ max: 1000 }), fc.array(event, { maxLength: 30 }), (size, events) => {
      let p = NO_PROGRESS
      let last = 0
      for (const e of events) {
        p = advance(p, e)
        const f = putFraction(p, size, 6)
        expect(f).toBeGreaterThanOrEqual(0)
        expect(f).toBeLessThanOrEqual(1)
        if (p.firstStripe !== undefined) expect(f).toBeGreaterThanOrEqual(last)
        last = f
      }
    }))
  })
})
