/**
 * A file's shard distribution as the network view draws it: a grid of
 * stripe x shard with the peers holding each shard, the shards nobody
 * reachable holds, and how many shards each holder keeps.
 */
import type { ShardPlacement } from '../../mesh/types.ts'

export interface DistributionCell {
  stripe: number
  shard: number
  id: string
  holders: string[]
  /** no reachable peer holds it */
  missing: boolean
  /** held, but not (or no longer) where the put placed it */
  moved: boolean
}

export interface DistributionSummary {
  stripes: number
  /** shards per stripe (k + m) */
  shards: number
  /** rows[stripe][shard]; undefined where the placement lists no such shard */
  rows: Array<Array<DistributionCell | undefined>>
  total: number
  missing: number
  /** stripes with at least one missing shard */
  degradedStripes: number
  /** holders by shard count, most first (then by id) */
  holders: Array<{ peerId: string, count: number }>
}

export function summarizeDistribution (placements: readonly ShardPlacement[]): DistributionSummary {
  const stripes = placements.reduce((n, p) => Math.max(n, p.stripe + 1), 0)
  const shards = placements.reduce((n, p) => Math.max(n, p.shard + 1), 0)
  const rows: Array<Array<DistributionCell | undefined>> = Array.from({ length: stripes }, () => new Array<DistributionCell | undefined>(shards).fill(undefined))
  const counts = new Map<string, number>()
  let missing = 0
  for (const p of placements) {
    const holders = [...new Set(p.holders)]
    const cell: DistributionCell = {
      stripe: p.stripe,
      shard: p.shard,
      id: p.id,
      holders,
      missing: holders.length === 0,
      moved: holders.length > 0 && p.hint !== '' && !holders.includes(p.hint)
    }
    const row = rows[p.stripe]
    if (row !== undefined) row[p.shard] = cell
    if (cell.missing) missing++
    for (const h of holders) counts.set(h, (counts.get(h) ?? 0) + 1)
  }
  const degradedStripes = rows.filter(row => row.some(c => c?.missing === true)).length
  const holders = [...counts.entries()]
    .map(([peerId, count]) => ({ peerId, count }))
    .sort((a, b) => b.count - a.count || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
  return { stripes, shards, rows, total: placements.length, missing, degradedStripes, holders }
}

/**
 * A hue (0-359) for each holder, as far apart as the golden angle allows, so
 * the holders of one file always get distinct colours. Holders are taken in
 * id order: the same set gets the same colours.
 */
export function holderHues (peerIds: readonly string[]): Map<string, number> {
  const ids = [...new Set(peerIds)].sort()
  return new Map(ids.map((id, i) => [id, Math.round((210 + i * 137.508) % 360)]))
}
