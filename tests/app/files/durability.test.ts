import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { ShardPlacement } from '../../../src/mesh/types.ts'
import { describeDurability, fileHealth, stripeHealth } from '../../../src/app/files/durability.ts'

/** one stripe: holders[s] = the peers holding shard s */
function stripe (index: number, holders: string[][]): ShardPlacement[] {
  return holders.map((h, shard) => ({ stripe: index, shard, id: `s${index}-${shard}`, hint: h[0] ?? '', holders: h }))
}

const K = 4

describe('stripeHealth', () => {
  it('six shards on six peers: safe, can lose 2 more', () => {
    const [h] = stripeHealth(stripe(0, [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]), K)
    expect(h).toEqual({ stripe: 0, shards: 6, available: 6, missing: [], holders: 6, canLose: 2, state: 'safe' })
  })

  it('a peer holding two shards counts as one loss of two', () => {
    // a holds shards 0 and 1: losing a and any other peer leaves 3
    const [h] = stripeHealth(stripe(0, [['a'], ['a'], ['c'], ['d'], ['e'], ['f']]), K)
    expect(h).toMatchObject({ available: 6, holders: 5, canLose: 1, state: 'safe' })
  })

  it('copies of a shard on several peers make it harder to lose', () => {
    const [h] = stripeHealth(stripe(0, [['a', 'x'], ['b', 'y'], ['c'], ['d'], ['e'], ['f']]), K)
    expect(h).toMatchObject({ holders: 8, canLose: 2 })
    const [all] = stripeHealth(stripe(0, [['a', 'x'], ['b', 'y'], ['c', 'z'], ['d'], ['e'], ['f']]), K)
    expect(all).toMatchObject({ holders: 9, canLose: 2 })
    const [twice] = stripeHealth(stripe(0, [['a', 'x', 'p'], ['b', 'y', 'q'], ['c', 'z'], ['d', 'w'], ['e'], ['f']]), K)
    expect(twice).toMatchObject({ holders: 12, canLose: 3 }) // losing e, f and both holders of shard 2 (4 peers) breaks it
  })

  it('with very many holders says no more than is sure', () => {
    const many = Array.from({ length: 6 }, (_, s) => ['a', 'b', 'c'].map(p => `${p}${s}`))
    const [h] = stripeHealth(stripe(0, many), K)
    expect(h).toMatchObject({ holders: 18, state: 'safe' })
    // truly 8 (three whole shards of three holders each, less one); the bound is 2
    expect(h?.canLose).toBe(2)
  })

  it('exactly k shards left: at risk', () => {
    const [h] = stripeHealth(stripe(0, [['a'], [], ['c'], ['d'], [], ['f']]), K)
    expect(h).toMatchObject({ available: 4, missing: [1, 4], canLose: 0, state: 'at-risk' })
  })

  it('fewer than k: unreadable', () => {
    const [h] = stripeHealth(stripe(0, [['a'], [], [], ['d'], [], ['f']]), K)
    expect(h).toMatchObject({ available: 3, missing: [1, 2, 4], canLose: 0, state: 'unreadable' })
  })

  it('all on one peer: readable but at risk', () => {
    const [h] = stripeHealth(stripe(0, [['me'], ['me'], ['me'], ['me'], ['me'], ['me']]), K)
    expect(h).toMatchObject({ available: 6, holders: 1, canLose: 0, state: 'at-risk' })
  })

  it('groups and orders by stripe and shard, whatever the input order', () => {
    const placements = [...stripe(1, [['a'], ['b'], ['c'], ['d'], ['e'], []]), ...stripe(0, [['a'], ['b'], ['c'], ['d'], ['e'], ['f']])].reverse()
    const hs = stripeHealth(placements, K)
    expect(hs.map(h => [h.stripe, h.canLose, h.missing])).toEqual([[0, 2, []], [1, 1, [5]]])
  })
})

describe('fileHealth', () => {
  it('is as safe as the weakest stripe', () => {
    const placements = [...stripe(0, [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]), ...stripe(1, [['a'], ['b'], ['c'], ['d'], ['e'], []])]
    const h = fileHealth(placements, K)
    expect(h).toMatchObject({ state: 'safe', canLose: 1, unreadable: 0 })
    expect(describeDurability(h)).toBe('safe (can lose 1 more)')
  })

  it('one unreadable stripe makes the file unreadable', () => {
    const placements = [...stripe(0, [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]), ...stripe(1, [['a'], [], [], [], ['e'], []])]
    const h = fileHealth(placements, K)
    expect(h).toMatchObject({ state: 'unreadable', unreadable: 1 })
    expect(describeDurability(h)).toBe('unreadable')
  })

  it('no placements at all: unreadable', () => {
    expect(fileHealth([], K).state).toBe('unreadable')
  })

  it('words for each state', () => {
    expect(describeDurability({ state: 'at-risk', canLose: 0 })).toBe('at risk')
    expect(describeDurability({ state: 'safe', canLose: 2 })).toBe('safe (can lose 2 more)')
  })
})

/** every subset of `size` of `peers` */
function subsets (peers: string[], size: number): string[][] {
  if (size === 0) return [[]]
  if (peers.length < size) return []
  const [first, ...rest] = peers as [string, ...string[]]
  return [...subsets(rest, size - 1).map(s => [first, ...s]), ...subsets(rest, size)]
}

describe('canLose, checked against its definition', () => {
  it('any canLose holders can go and the stripe stays readable; some canLose + 1 cannot', () => {
    const arb = fc.array(fc.subarray(['a', 'b', 'c', 'd', 'e', 'f', 'g']), { minLength: 6, maxLength: 6 })
    fc.assert(fc.property(arb, holders => {
      const [h] = stripeHealth(stripe(0, holders), K)
      if (h === undefined || h.state === 'unreadable') return
      const peers = [...new Set(holders.flat())]
      const left = (gone: string[]): number => holders.filter(hs => hs.some(p => !gone.includes(p))).length
      for (const gone of subsets(peers, h.canLose)) expect(left(gone)).toBeGreaterThanOrEqual(K)
      expect(subsets(peers, h.canLose + 1).some(gone => left(gone) < K)).toBe(true)
    }))
  })
})
