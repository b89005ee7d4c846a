/** A file's shards as a stripe x shard grid with its holders, gaps and per-holder counts. */
import { describe, expect, it } from 'vitest'
import { holderHues, summarizeDistribution } from '../../../src/app/network/distribution.ts'
import type { ShardPlacement } from '../../../src/mesh/types.ts'

const place = (stripe: number, shard: number, holders: string[], hint = holders[0] ?? ''): ShardPlacement =>
  ({ stripe, shard, id: `s${stripe}-${shard}`, hint, holders })

describe('summarizeDistribution', () => {
  it('lays shards out by stripe and shard, whatever order they come in', () => {
    const s = summarizeDistribution([place(1, 1, ['b']), place(0, 0, ['a']), place(1, 0, ['a']), place(0, 1, ['b'])])
    expect(s).toMatchObject({ stripes: 2, shards: 2, total: 4, missing: 0, degradedStripes: 0 })
    expect(s.rows.map(row => row.map(c => c?.id))).toEqual([['s0-0', 's0-1'], ['s1-0', 's1-1']])
  })

  it('marks shards nobody holds and the stripes missing them', () => {
    const s = summarizeDistribution([place(0, 0, ['a']), place(0, 1, [], 'b'), place(1, 0, ['a']), place(1, 1, ['c']), place(2, 0, []), place(2, 1, [])])
    expect(s.missing).toBe(3)
    expect(s.degradedStripes).toBe(2)
    expect(s.rows[0]?.[1]).toMatchObject({ missing: true, moved: false, holders: [] })
    expect(s.rows[1]?.every(c => c?.missing === false)).toBe(true)
  })

  it('counts shards per holder, most first, and notes shards held away from their placement', () => {
    const s = summarizeDistribution([place(0, 0, ['a', 'b']), place(0, 1, ['b'], 'c'), place(0, 2, ['b', 'b']), place(0, 3, ['c'])])
    expect(s.holders).toEqual([{ peerId: 'b', count: 3 }, { peerId: 'a', count: 1 }, { peerId: 'c', count: 1 }])
    expect(s.rows[0]?.[1]).toMatchObject({ moved: true })
    expect(s.rows[0]?.[0]).toMatchObject({ moved: false })
    expect(s.rows[0]?.[2]?.holders).toEqual(['b'])
  })

  it('leaves a gap where the placement lists no shard, and handles an empty file', () => {
    const s = summarizeDistribution([place(0, 0, ['a']), place(0, 2, ['a'])])
    expect(s.rows[0]?.[1]).toBeUndefined()
    expect(summarizeDistribution([])).toEqual({ stripes: 0, shards: 0, rows: [], total: 0, missing: 0, degradedStripes: 0, holders: [] })
  })
})

describe('holderHues', () => {
  it('gives distinct hues in range, the same for the same holders in any order', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `peer-${i}`)
    const hues = holderHues(ids)
    expect(hues.size).toBe(30)
    expect(new Set(hues.values()).size).toBe(30)
    for (const h of hues.values()) {
      expect(h).toBeGreaterThanOrEqual(0)
      expect(h).toBeLessThan(360)
    }
    expect(holderHues([...ids].reverse())).toEqual(hues)
  })
})
