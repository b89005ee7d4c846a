/**
 * Placement by reputation (src/mesh/peers.ts rankCandidates, src/mesh/placement.ts
 * planStripe and rankForRepair), without a network: peers that fail audits
 * are not picked whatever free space they claim, the best peers do not take
 * everything, denied peers never, peers below the floor only as a last
 * resort with a warning.
 */
import { describe, expect, it } from 'vitest'
import { ReputationBook, REPUTATION } from '../../src/net/reputation.ts'
import { rankCandidates, tierOf, type Candidate } from '../../src/mesh/peers.ts'
import { newPlacementState, placeable, planStripe, rankForRepair } from '../../src/mesh/placement.ts'
import type { MeshContext } from '../../src/mesh/context.ts'
import type { EncodedStripe } from '../../src/core/stripe.ts'
import { TypedEvents } from '../../src/mesh/events.ts'
import type { MeshEvents } from '../../src/mesh/types.ts'
import { seededRng } from './rng.ts'

const GB = 1e9
const TB = 1e12

function candidate (peerId: string, free = 10 * GB, nodeType: Candidate['nodeType'] = 'storage'): Candidate {
  return { peerId, nodeType, free, self: false }
}

/** A book where `scores` are reached by passes and failures (and `denied` are listed). */
function bookWith (good: string[], failing: string[] = [], denied: string[] = []): ReputationBook {
  const book = new ReputationBook({ trusted: good, denied })
  for (const p of good) for (let i = 0; i < 5; i++) book.recordAudit(p, 'passed')
  for (const p of failing) for (let i = 0; i < 3; i++) book.recordAudit(p, 'failed')
  return book
}

function context (book: ReputationBook, minPeers: 'warn' | 'refuse' = 'warn', seed = 1): { ctx: MeshContext, warnings: Array<MeshEvents['durability:warning']> } {
  const events = new TypedEvents<MeshEvents>()
  const warnings: Array<MeshEvents['durability:warning']> = []
  events.on('durability:warning', w => { warnings.push(w) })
  const ctx = { config: { k: 4, m: 2, minPeers }, reputation: book, rng: seededRng(seed), events } as unknown as MeshContext
  return { ctx, warnings }
}

const stripe = { index: 0, shards: Array.from({ length: 6 }, (_, i) => `shard-${i}`), shardSize: 1 << 20 } as unknown as EncodedStripe

describe('rankCandidates', () => {
  it('puts good peers first, then fair ones, never denied ones, and poor ones only when asked, last', () => {
    const book = bookWith(['g1', 'g2'], ['p1'], ['d1'])
    book.recordAudit('d1', 'passed')
    const list = ['p1', 'n1', 'g1', 'd1', 'g2', 'n2'].map(id => candidate(id))
    for (let seed = 0; seed < 20; seed++) {
      const order = rankCandidates(list, { reputation: book, rng: seededRng(seed) }).map(c => c.peerId)
      expect(order.slice(0, 2).sort()).toEqual(['g1', 'g2'])
      expect(order.slice(2).sort()).toEqual(['n1', 'n2'])
      expect(rankCandidates(list, { reputation: book, rng: seededRng(seed), includePoor: true }).map(c => c.peerId).slice(-1)).toEqual(['p1'])
    }
    expect(tierOf(book.score('g1'))).toBe('good')
    expect(tierOf(book.score('n1'))).toBe('fair')
    expect(tierOf(book.score('p1'))).toBe('poor')
  })

  it('is deterministic for a seeded generator, and varies between seeds', () => {
    const book = bookWith(['a', 'b', 'c', 'd', 'e', 'f'])
    const list = ['a', 'b', 'c', 'd', 'e', 'f'].map(id => candidate(id))
    const order = (seed: number): string => rankCandidates(list, { reputation: book, rng: seededRng(seed) }).map(c => c.peerId).join()
    expect(order(7)).toBe(order(7))
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map(order)).size).toBeGreaterThan(1)
  })
})

describe('planStripe by reputation', () => {
  it('never picks fake "storage" peers that claim huge free space but fail audits, while others can take the shards', () => {
    const honest = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7']
    const liars = ['l1', 'l2', 'l3']
    const book = bookWith([], liars)
    for (const p of honest) book.recordAudit(p, 'passed')
    const candidates = [...liars.map(id => candidate(id, 100 * TB)), ...honest.map(id => candidate(id, 2 * GB, 'browser'))]
    for (let seed = 0; seed < 50; seed++) {
      const { ctx, warnings } = context(book, 'warn', seed)
      const plan = planStripe(ctx, newPlacementState(candidates), stripe)
      expect(new Set(plan).size).toBe(6)
      for (const peer of plan) expect(honest).toContain(peer)
      expect(warnings).toEqual([])
    }
    // with too few honest peers a stripe doubles up on them rather than trust a liar
    const few = [...liars.map(id => candidate(id, 100 * TB)), ...honest.slice(0, 3).map(id => candidate(id))]
    const { ctx, warnings } = context(book, 'warn')
    const plan = planStripe(ctx, newPlacementState(few), stripe)
    expect(plan.every(p => honest.includes(p))).toBe(true)
    expect(warnings).toEqual([])
  })

  it('spreads many stripes over the good peers: the best do not take everything', () => {
    // twelve good peers, from just above the good line to the best possible
    const peers = Array.from({ length: 12 }, (_, i) => `g${i}`)
    const book = new ReputationBook()
    peers.forEach((p, i) => { for (let n = 0; n < 3 + i * 8; n++) book.recordAudit(p, 'passed') })
    const scores = peers.map(p => book.score(p))
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(REPUTATION.goodScore)
    const counts = new Map(peers.map(p => [p, 0]))
    const { ctx } = context(book, 'warn', 42)
    const candidates = peers.map(id => candidate(id))
    const stripes = 2000
    for (let i = 0; i < stripes; i++) {
      for (const peer of planStripe(ctx, newPlacementState(candidates), stripe)) counts.set(peer, (counts.get(peer) ?? 0) + 1)
    }
    const best = counts.get('g11') as number
    const worst = counts.get('g0') as number
    // each peer holds at most one shard of a stripe: a strict order would put the six best in every stripe
    expect(best / stripes).toBeLessThan(0.75)
    expect(worst / stripes).toBeGreaterThan(0.25)
    // ...yet better peers are picked more often (measured: about 0.53 of stripes for the best, 0.33 for the least good)
    expect(best / worst).toBeGreaterThan(1.3)
  })

  it('never places on a denied peer, even when that leaves the stripe short', () => {
    const book = bookWith(['a', 'b', 'c'], [], ['d', 'e', 'f'])
    const { ctx, warnings } = context(book, 'warn')
    const candidates = ['a', 'b', 'c', 'd', 'e', 'f'].map(id => candidate(id))
    const plan = planStripe(ctx, newPlacementState(candidates), stripe)
    expect(plan.every(p => ['a', 'b', 'c'].includes(p))).toBe(true) // a second shard on a good peer instead
    expect(warnings).toEqual([])
    const refuse = context(book, 'refuse').ctx
    expect(planStripe(refuse, newPlacementState(candidates), stripe).filter(p => p !== '').sort()).toEqual(['a', 'b', 'c'])
    expect(placeable(candidates, book).map(c => c.peerId)).toEqual(['a', 'b', 'c'])
  })

  it('uses a peer below the floor only when no one else can, with the warn policy and a warning', () => {
    const book = bookWith([], ['p1', 'p2'])
    const self: Candidate = { peerId: 'me', nodeType: 'browser', free: 10 * GB, self: true }
    // this node keeps at most one shard; the rest can only go to the poor peers
    const { ctx, warnings } = context(book, 'warn')
    const plan = planStripe(ctx, newPlacementState([self, candidate('p1'), candidate('p2')]), stripe)
    expect(plan.filter(p => p === 'me')).toHaveLength(1)
    expect(plan.filter(p => p === 'p1' || p === 'p2')).toHaveLength(5)
    expect(warnings.map(w => [w.reason, w.peer]).sort()).toEqual([['low-reputation', 'p1'], ['low-reputation', 'p2']])
    expect(warnings[0]).toMatchObject({ have: 1, want: 6 })
    const refuse = context(book, 'refuse')
    expect(planStripe(refuse.ctx, newPlacementState([self, candidate('p1'), candidate('p2')]), stripe)).toEqual(['me', '', '', '', '', ''])
    expect(refuse.warnings).toEqual([])
  })

  it('still filters by free space: a peer without room for the shard is not planned', () => {
    const book = bookWith(['a', 'b', 'c', 'd', 'e', 'f', 'tiny'])
    const { ctx } = context(book, 'refuse')
    const plan = planStripe(ctx, newPlacementState([...['a', 'b', 'c', 'd', 'e', 'f'].map(id => candidate(id)), candidate('tiny', 1000)]), stripe)
    expect(plan).not.toContain('tiny')
  })
})

describe('rankForRepair', () => {
  const book = bookWith(['g1', 'g2'], ['p1'], ['d1'])
  const list = [
    { peerId: 'g1', free: 10 * GB }, { peerId: 'g2', free: 100 }, { peerId: 'n1' }, { peerId: 'p1', free: 10 * GB }, { peerId: 'd1', free: 10 * GB }
  ]

  it('ranks targets as placement does: no denied, none below the floor, room for the shard, current holders left out', () => {
    const targets = rankForRepair(list, { reputation: book, purpose: 'target', size: 1 << 20, exclude: ['g1'], rng: seededRng(3) })
    expect(targets.map(t => t.peerId)).toEqual(['n1'])
    expect(rankForRepair(list, { reputation: book, purpose: 'target', size: 50, rng: seededRng(3) }).map(t => t.peerId).slice(2)).toEqual(['n1'])
  })

  it('ranks sources best first, the peers below the floor last, never denied ones', () => {
    const sources = rankForRepair(list, { reputation: book, purpose: 'source', size: 1 << 20, rng: seededRng(3) }).map(s => s.peerId)
    expect(sources.slice(0, 2).sort()).toEqual(['g1', 'g2'])
    expect(sources.slice(2)).toEqual(['n1', 'p1'])
  })
})
