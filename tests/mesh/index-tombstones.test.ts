/**
 * The tombstones an index keeps, without an index: listed oldest first,
 * hidden once past their lifetime and collected then, the oldest dropped
 * beyond the cap whatever the order they arrived in, and `set` giving back
 * what it replaced (so a change can be taken back).
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { Tombstones } from '../../src/mesh/index-tombstones.ts'
import { INDEX_MAX_TOMBSTONES, INDEX_TOMBSTONE_LIFETIME_MS } from '../../src/mesh/index-entries.ts'

const T0 = 1_700_000_000_000

function clocked (maxKept?: number): { tombs: Tombstones, clock: { now: number } } {
  const clock = { now: T0 }
  return { tombs: new Tombstones({ now: () => clock.now, ...(maxKept !== undefined ? { maxKept } : {}) }), clock }
}

describe('Tombstones', () => {
  it('lists the kept ones oldest first, equal times by key, and says when a key was deleted', () => {
    const { tombs } = clocked()
    tombs.set('c', T0 - 10)
    tombs.set('b', T0 - 20)
    tombs.set('a', T0 - 10)
    expect(tombs.list()).toEqual([{ key: 'b', deletedAt: T0 - 20 }, { key: 'a', deletedAt: T0 - 10 }, { key: 'c', deletedAt: T0 - 10 }])
    expect(tombs.deletedAt('a')).toBe(T0 - 10)
    expect(tombs.deletedAt('z')).toBeUndefined()
    expect(tombs.collectable()).toEqual([])
  })

  it('gives back what set replaced, so a step can be set back', () => {
    const { tombs, clock } = clocked()
    expect(tombs.set('a', T0)).toBeUndefined()
    expect(tombs.set('a', T0 + 1)).toBe(T0)
    expect(tombs.set('a', undefined)).toBe(T0 + 1)
    expect(tombs.list()).toEqual([])
    // also one past its lifetime, which is no longer listed
    tombs.set('old', T0)
    clock.now = T0 + INDEX_TOMBSTONE_LIFETIME_MS
    expect(tombs.set('old', undefined)).toBe(T0)
  })

  it('hides a tombstone past its lifetime at once, and a collection drops it', () => {
    const { tombs, clock } = clocked()
    tombs.set('old', T0)
    tombs.set('new', T0 + 1000)
    clock.now = T0 + INDEX_TOMBSTONE_LIFETIME_MS - 1
    expect(tombs.deletedAt('old')).toBe(T0)
    expect(tombs.collectable()).toEqual([])
    clock.now = T0 + INDEX_TOMBSTONE_LIFETIME_MS
    expect(tombs.deletedAt('old')).toBeUndefined()
    expect(tombs.list()).toEqual([{ key: 'new', deletedAt: T0 + 1000 }])
    expect(tombs.collectable()).toEqual(['old'])
  })

  it('drops the oldest beyond the cap after those past their lifetime', () => {
    const { tombs, clock } = clocked(2)
    tombs.set('expired', T0 - INDEX_TOMBSTONE_LIFETIME_MS)
    tombs.set('d', T0 + 4)
    tombs.set('a', T0 + 1)
    tombs.set('c', T0 + 3)
    tombs.set('b', T0 + 1)
    clock.now = T0 + 10
    expect(tombs.collectable()).toEqual(['expired', 'a', 'b'])
  })

  it('keeps the same ones whatever the order they arrived in', () => {
    // few times, so many tie (one of them past its lifetime)
    const tombstone = fc.record({ key: fc.string({ minLength: 1, maxLength: 4 }), deletedAt: fc.integer({ min: 0, max: 4 }).map(i => i === 0 ? T0 - INDEX_TOMBSTONE_LIFETIME_MS : T0 - i) })
    const arrivals = fc.uniqueArray(tombstone, { selector: t => t.key, maxLength: 30 })
      .chain(a => fc.tuple(fc.constant(a), fc.shuffledSubarray(a, { minLength: a.length, maxLength: a.length })))
    fc.assert(fc.property(arrivals, fc.integer({ min: 0, max: 10 }), ([arrived, shuffled], maxKept) => {
      const kept = (order: typeof arrived): string[] => {
        const { tombs } = clocked(maxKept)
        for (const t of order) tombs.set(t.key, t.deletedAt)
        for (const key of tombs.collectable()) tombs.set(key, undefined)
        expect(tombs.list().length).toBeLessThanOrEqual(maxKept)
        return tombs.list().map(t => t.key)
      }
      expect(kept(shuffled)).toEqual(kept(arrived))
    }), { numRuns: 200 })
  })

  it(`keeps at most INDEX_MAX_TOMBSTONES (${INDEX_MAX_TOMBSTONES}) by default`, () => {
    const { tombs } = clocked()
    for (let i = 0; i <= INDEX_MAX_TOMBSTONES; i++) tombs.set(`k${i}`, T0 - INDEX_MAX_TOMBSTONES + i)
    expect(tombs.collectable()).toEqual(['k0'])
  })
})
