/**
 * Kademlia lookup hops (Maymounkov & Mazières, IPTPS 2002), measured on a
 * model with the real metric: random 256-bit ids, XOR distance, k-buckets
 * (bucket i of a node holds up to k nodes whose id shares exactly i leading
 * bits with its own), and iterative lookups with α parallel queries: each
 * round asks the α closest nodes not yet asked, each answers the k closest
 * it knows, until the k closest known have all been asked. Tables are full
 * (every bucket holds min(k, nodes in its range) nodes at random), as a
 * network settles to after churn is repaired by refreshes; libp2p's kad-dht
 * uses k = 20 and α = 3.
 *
 * Reported per network size n: rounds until the lookup ends, rounds until
 * the node closest to the target was first learned, and log2(n).
 */
import { streamRng, type Rng } from './rng.ts'

export interface DhtParams {
  k: number
  alpha: number
  lookups: number
}

export const DEFAULT_DHT: DhtParams = Object.freeze({ k: 20, alpha: 3, lookups: 200 })

export interface HopResult {
  n: number
  log2n: number
  /** mean rounds of α parallel queries until the lookup ended */
  meanRounds: number
  p95Rounds: number
  /** mean rounds until the closest node to the target was known (the lookup's hops) */
  meanRoundsToClosest: number
  /** mean rounds until the final k closest were all known */
  meanRoundsToKClosest: number
  /** share of lookups whose final k closest held the true closest node */
  foundClosest: number
  /** mean nodes queried per lookup */
  meanQueried: number
}

const ID_BITS = 256

function randomId (rng: Rng): bigint {
  let x = 0n
  for (let i = 0; i < 8; i++) x = (x << 32n) | BigInt(Math.floor(rng() * 4294967296))
  return x
}

/** A network of n nodes with full k-bucket tables. */
export class KademliaNetwork {
  readonly ids: bigint[]
  /** each node's routing table: node indices */
  readonly tables: Int32Array[]

  constructor (n: number, params: DhtParams, rng: Rng) {
    this.ids = Array.from({ length: n }, () => randomId(rng))
    const order = this.ids.map((_, i) => i).sort((a, b) => (this.ids[a] as bigint) < (this.ids[b] as bigint) ? -1 : 1)
    const sorted = order.map(i => this.ids[i] as bigint)
    // first position in `sorted` whose id is >= x
    const lower = (x: bigint): number => {
      let lo = 0; let hi = sorted.length
      while (lo < hi) { const mid = (lo + hi) >> 1; if ((sorted[mid] as bigint) < x) lo = mid + 1; else hi = mid }
      return lo
    }
    this.tables = this.ids.map(id => {
      const entries: number[] = []
      for (let b = 0; b < ID_BITS; b++) {
        // bucket b: ids sharing the first b bits of `id` and differing in bit b
        const shift = BigInt(ID_BITS - b - 1)
        const base = ((id >> (shift + 1n)) << 1n | (((id >> shift) & 1n) ^ 1n)) << shift
        const from = lower(base)
        const to = lower(base + (1n << shift))
        const size = to - from
        if (size > 0) {
          // k of them at random (all when fewer)
          const picks = size <= params.k ? Array.from({ length: size }, (_, i) => i) : sampleIndices(rng, size, params.k)
          for (const p of picks) entries.push(order[from + p] as number)
        }
        // nobody else shares b + 1 bits: the deeper buckets are empty
        const same = ((id >> shift) << shift)
        if (lower(same + (1n << shift)) - lower(same) <= 1) break
      }
      return Int32Array.from(entries)
    })
  }

  /** The `count` nodes of `candidates` closest to `target`. */
  #closest (candidates: Iterable<number>, target: bigint, count: number): number[] {
    const list: Array<{ i: number, d: bigint }> = []
    for (const i of candidates) list.push({ i, d: (this.ids[i] as bigint) ^ target })
    return list.sort((a, b) => a.d < b.d ? -1 : a.d > b.d ? 1 : 0).slice(0, count).map(x => x.i)
  }

  /** One iterative lookup of `target` from node `from`. */
  lookup (from: number, target: bigint, params: DhtParams): { rounds: number, roundsToClosest: number, roundsToKClosest: number, found: boolean, queried: number } {
    let closestOverall = 0
    let best = (this.ids[0] as bigint) ^ target
    for (let i = 1; i < this.ids.length; i++) {
      const d = (this.ids[i] as bigint) ^ target
      if (d < best) { best = d; closestOverall = i }
    }
    const known = new Set<number>(this.tables[from])
    const asked = new Set<number>([from])
    let shortlist = this.#closest(known, target, params.k)
    let rounds = 0
    let roundsToClosest = known.has(closestOverall) || from === closestOverall ? 0 : -1
    // the round after which the shortlist stopped changing: the k closest were all known
    let roundsToKClosest = 0
    for (;;) {
      const next = shortlist.filter(i => !asked.has(i)).slice(0, params.alpha)
      if (next.length === 0) break
      rounds++
      for (const node of next) {
        asked.add(node)
        for (const j of this.#closest(this.tables[node] as Int32Array, target, params.k)) known.add(j)
      }
      if (roundsToClosest < 0 && known.has(closestOverall)) roundsToClosest = rounds
      const updated = this.#closest(known, target, params.k)
      if (updated.some((x, i) => x !== shortlist[i])) roundsToKClosest = rounds
      shortlist = updated
    }
    return { rounds, roundsToClosest: roundsToClosest < 0 ? rounds : roundsToClosest, roundsToKClosest, found: shortlist.includes(closestOverall) || from === closestOverall, queried: asked.size - 1 }
  }
}

function sampleIndices (rng: Rng, size: number, count: number): number[] {
  const out = new Set<number>()
  while (out.size < count) out.add(Math.floor(rng() * size))
  return [...out]
}

/** Hops of `params.lookups` random lookups in a network of each size. */
export function measureHops (sizes: readonly number[], seed: string, params: DhtParams = DEFAULT_DHT): HopResult[] {
  return sizes.map(n => {
    const rng = streamRng(seed, `dht/${n}`)
    const net = new KademliaNetwork(n, params, rng)
    const rounds: number[] = []
    let toClosest = 0
    let toK = 0
    let found = 0
    let queried = 0
    for (let i = 0; i < params.lookups; i++) {
      const r = net.lookup(Math.floor(rng() * n), randomId(rng), params)
      rounds.push(r.rounds)
      toClosest += r.roundsToClosest
      toK += r.roundsToKClosest
      found += r.found ? 1 : 0
      queried += r.queried
    }
    rounds.sort((a, b) => a - b)
    const mean = (x: number): number => Math.round(x / params.lookups * 100) / 100
    return {
      n,
      log2n: Math.round(Math.log2(n) * 100) / 100,
      meanRounds: mean(rounds.reduce((s, x) => s + x, 0)),
      p95Rounds: rounds[Math.floor(0.95 * (rounds.length - 1))] as number,
      meanRoundsToClosest: mean(toClosest),
      meanRoundsToKClosest: mean(toK),
      foundClosest: Math.round(found / params.lookups * 1000) / 1000,
      meanQueried: mean(queried)
    }
  })
}
