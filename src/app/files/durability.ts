/**
 * How safe a file is right now, from where its shards are (distribution):
 * a stripe is readable while k of its shards can be fetched from reachable
 * holders. "Can lose N more" counts holders, not shards: one peer holding two
 * shards of a stripe takes both with it, so N is the largest number of
 * holders that can drop out — whichever they are — with the stripe still
 * readable.
 */
import type { ShardPlacement } from '../../mesh/types.ts'

export type Durability = 'safe' | 'at-risk' | 'unreadable'

export interface StripeHealth {
  stripe: number
  /** shards the stripe was coded into (k + m) */
  shards: number
  /** shards with at least one reachable holder */
  available: number
  /** shard numbers nobody reachable holds */
  missing: number[]
  /** distinct reachable peers holding a shard of this stripe */
  holders: number
  /** holders that can go away, any of them, with the stripe still readable (0 when unreadable) */
  canLose: number
  state: Durability
}

export interface FileHealth {
  state: Durability
  /** the least any stripe can lose */
  canLose: number
  stripes: StripeHealth[]
  /** stripes that cannot be read now */
  unreadable: number
}

/** up to this many holders the search is exact (2^12 subsets at most); beyond, a lower bound */
const EXACT_UP_TO = 12

function * combinations (n: number, size: number, start = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === size) { yield chosen; return }
  for (let i = start; i <= n - (size - chosen.length); i++) yield * combinations(n, size, i + 1, [...chosen, i])
}

/**
 * The fewest holders whose loss leaves fewer than k available shards.
 * `held[s]` = the holders of available shard s (each non-empty). With many
 * holders the answer is a lower bound (the losses needed if every lost peer
 * took as many shards as the busiest one holds), so the view never overstates.
 */
function fewestToBreak (held: string[][], k: number): number {
  const peers = [...new Set(held.flat())]
  const mustLose = held.length - k + 1
  if (peers.length > EXACT_UP_TO) {
    const most = Math.max(...peers.map(p => held.filter(hs => hs.includes(p)).length))
    return Math.ceil(mustLose / most)
  }
  for (let size = 1; size <= peers.length; size++) {
    for (const combo of combinations(peers.length, size)) {
      const gone = new Set(combo.map(i => peers[i]))
      const lost = held.filter(hs => hs.every(h => gone.has(h))).length
      if (lost >= mustLose) return size
    }
  }
  return peers.length + 1
}

/** Every stripe's health; `k` = data shards per stripe (4 by default). */
export function stripeHealth (placements: readonly ShardPlacement[], k: number): StripeHealth[] {
  const byStripe = new Map<number, ShardPlacement[]>()
  for (const p of placements) {
    const list = byStripe.get(p.stripe) ?? []
    list.push(p)
    byStripe.set(p.stripe, list)
  }
  return [...byStripe.keys()].sort((a, b) => a - b).map(stripe => {
    const shards = (byStripe.get(stripe) ?? []).sort((a, b) => a.shard - b.shard)
    const held = shards.filter(s => s.holders.length > 0).map(s => [...new Set(s.holders)])
    const missing = shards.filter(s => s.holders.length === 0).map(s => s.shard)
    const holders = new Set(held.flat()).size
    const readable = held.length >= k
    const canLose = readable ? fewestToBreak(held, k) - 1 : 0
    const state: Durability = !readable ? 'unreadable' : canLose >= 1 ? 'safe' : 'at-risk'
    return { stripe, shards: shards.length, available: held.length, missing, holders, canLose, state }
  })
}

/** The whole file: as safe as its weakest stripe. */
export function fileHealth (placements: readonly ShardPlacement[], k: number): FileHealth {
  const stripes = stripeHealth(placements, k)
  const unreadable = stripes.filter(s => s.state === 'unreadable').length
  const canLose = stripes.length === 0 ? 0 : Math.min(...stripes.map(s => s.canLose))
  const state: Durability = stripes.length === 0 || unreadable > 0 ? 'unreadable' : canLose >= 1 ? 'safe' : 'at-risk'
  return { state, canLose, stripes, unreadable }
}

/** "safe (can lose 2 more)", "at risk", "unreadable" */
export function describeDurability (h: { state: Durability, canLose: number }): string {
  if (h.state === 'safe') return `safe (can lose ${h.canLose} more)`
  return h.state === 'at-risk' ? 'at risk' : 'unreadable'
}
