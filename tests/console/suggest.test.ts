import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { damerauLevenshtein, suggest, typoBudget } from '../../src/console/suggest.ts'
import { COMMANDS, createRegistry } from '../../src/console/index.ts'

describe('Damerau–Levenshtein distance', () => {
  it('matches known values', () => {
    const cases: Array<[string, string, number]> = [
      ['', '', 0], ['abc', '', 3], ['', 'ab', 2], ['list', 'list', 0],
      ['lsit', 'list', 1], // transposition
      ['lst', 'list', 1], // deletion
      ['liist', 'list', 1], // insertion
      ['lust', 'list', 1], // substitution
      ['ca', 'abc', 2], // unrestricted: the optimal string alignment distance would be 3
      ['kitten', 'sitting', 3],
      ['abcdef', 'badcfe', 3]
    ]
    for (const [a, b, d] of cases) expect(damerauLevenshtein(a, b), `${a} → ${b}`).toBe(d)
  })

  it('is a metric: symmetric, zero only for equal strings, and within the Levenshtein bounds (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (a, b) => {
      const d = damerauLevenshtein(a, b)
      expect(damerauLevenshtein(b, a)).toBe(d)
      expect(d === 0).toBe(a === b)
      expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length))
      expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length))
    }))
  })

  it('obeys the triangle inequality (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 7 }), fc.string({ maxLength: 7 }), fc.string({ maxLength: 7 }), (a, b, c) => {
      expect(damerauLevenshtein(a, c)).toBeLessThanOrEqual(damerauLevenshtein(a, b) + damerauLevenshtein(b, c))
    }))
  })
})

describe('suggestions', () => {
  const names = createRegistry(COMMANDS).names()

  it('finds the command behind typos of every kind', () => {
    const cases: Array<[string, string]> = [
      ['lsit', 'list'], // swapped letters
      ['lis', 'list'], // a letter missing
      ['hellp', 'help'], // a letter doubled
      ['dlete', 'delete'],
      ['shre', 'share'],
      ['seach', 'search'],
      ['serach', 'search'],
      ['ditsribution', 'distribution'],
      ['bandwith', 'bandwidth'],
      ['helth', 'health'],
      ['netwrok', 'network'],
      ['duplciate', 'duplicate'],
      ['recnet', 'recent'],
      ['poplar', 'popular'],
      ['sl', 'ls'],
      ['LSIT', 'list'] // case is ignored
    ]
    for (const [typed, expected] of cases) {
      expect(suggest(typed, names)[0], typed).toBe(expected)
    }
  })

  it('offers a command the typed text begins', () => {
    expect(suggest('dupl', names)).toContain('duplicate')
    expect(suggest('bench', names)).toEqual(['benchmark'])
  })

  it('offers nothing when nothing is close', () => {
    for (const typed of ['xyz', 'z', 'frobnicate', 'governance', '12345', 'qqqqqq']) {
      expect(suggest(typed, names), typed).toEqual([])
    }
  })

  it('ranks closer names first and keeps at most the limit', () => {
    // peers and spears are one edit away, pea and pearson two
    expect(suggest('pears', ['pearson', 'pea', 'spears', 'peers'])).toEqual(['peers', 'spears', 'pea'])
    expect(suggest('pears', ['pearson', 'pea', 'spears', 'peers'], { limit: 10 })).toEqual(['peers', 'spears', 'pea', 'pearson'])
    expect(suggest('ab', ['ab', 'abc', 'abd', 'abe', 'abf'], { limit: 2 })).toEqual(['abc', 'abd'])
  })

  it('allows more edits for longer words', () => {
    expect(typoBudget(1)).toBe(0)
    expect(typoBudget(2)).toBe(1)
    expect(typoBudget(4)).toBe(1)
    expect(typoBudget(5)).toBe(2)
    expect(typoBudget(8)).toBe(3)
    expect(typoBudget(30)).toBe(3)
  })
})
