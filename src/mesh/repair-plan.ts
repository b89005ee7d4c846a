/**
 * Repair planning, pure: who of a file's repairers repairs a stripe, and
 * when, and which of its shards to re-create. No clock, no network: the
 * caller (a repairer's loop, the simulation) brings statuses and time.
 *
 * Who: rendezvous (highest random weight) hashing of (the stripe's first
 * shard id, repairer peer id) over the capability's repairers: each
 * repairer's weight is the first 8 bytes, big-endian, of
 * BLAKE3(stripe id bytes || peer id bytes) (the id is 36 bytes, so the
 * concatenation is unambiguous); the highest weight goes first. Every
 * repairer computes the same order without talking to the others, stripes
 * spread evenly over them, and removing one repairer moves only its
 * stripes. The repairer at rank r starts after r × repairBackoffMs if the
 * stripe is still degraded, so the first alive one repairs at once and
 * the next takes over only when it did not.
 *
 * What: a stripe of n = k + m shards, each 'ok' (a holder passed a recent
 * audit), 'unknown' (unreachable, within the grace before it counts as
 * lost) or 'lost'. Available = ok + unknown. At most `repairThreshold`
 * available (default k + 1: as soon as one of 4 + 2 is lost) and at least
 * k: re-create the lost shards. Fewer than k available: nothing can be
 * re-created now. Unknown shards are not re-created (their holders may come
 * back); they count as available until the caller calls them lost.
 */
import { blake3 } from '../core/hash.ts'
import { InvalidParametersError } from '../core/errors.ts'

export type ShardStatus = 'ok' | 'unknown' | 'lost'

export type StripeDecision =
  /** enough shards available: nothing to do */
  | { action: 'none', available: number }
  /** re-create these shard indices (increasing) */
  | { action: 'repair', available: number, recreate: number[] }
  /** fewer than k available: cannot be re-created until holders come back */
  | { action: 'unrecoverable', available: number }

export interface StripePlanInput {
  /** one status per shard index, k + m of them */
  statuses: readonly ShardStatus[]
  k: number
  /** repair once available shards are at most this (k <= repairThreshold < k + m; default k + 1, capped at n - 1) */
  repairThreshold?: number
}

/** The decision for one stripe (see the module header). InvalidParametersError for inconsistent input. */
export function planStripe ({ statuses, k, repairThreshold }: StripePlanInput): StripeDecision {
  const n = statuses.length
  if (!Number.isSafeInteger(k) || k < 1 || n <= k) throw new InvalidParametersError('A stripe has k >= 1 data shards and at least one more', { k, n })
  const threshold = repairThreshold ?? Math.min(k + 1, n - 1)
  if (!Number.isSafeInteger(threshold) || threshold < k || threshold >= n) {
    throw new InvalidParametersError('repairThreshold is at least k and below k + m', { k, n, repairThreshold: threshold })
  }
  let available = 0
  const lost: number[] = []
  for (const [i, s] of statuses.entries()) {
    if (s === 'lost') lost.push(i)
    else if (s === 'ok' || s === 'unknown') available++
    else throw new InvalidParametersError('A shard status is ok, unknown or lost', { index: i, status: String(s) })
  }
  if (available < k) return { action: 'unrecoverable', available }
  if (available > threshold || lost.length === 0) return { action: 'none', available }
  return { action: 'repair', available, recreate: lost }
}

/** The repairers (peer ids as multihash bytes) in the order they take `stripeId` (its first shard id's bytes). */
export function rankRepairers (stripeId: Uint8Array, repairers: readonly Uint8Array[]): Uint8Array[] {
  const weighted = repairers.map(peer => ({ peer, weight: weightOf(blake3(stripeId, peer)) }))
  weighted.sort((a, b) => a.weight === b.weight ? compareBytes(a.peer, b.peer) : (a.weight > b.weight ? -1 : 1))
  return weighted.map(w => w.peer)
}

/**
 * When `self` should start repairing a degraded stripe: `rank ×
 * repairBackoffMs` after it was found degraded; undefined when `self` is
 * not one of the repairers.
 */
export function repairDelayMs (stripeId: Uint8Array, repairers: readonly Uint8Array[], self: Uint8Array, repairBackoffMs: number): number | undefined {
  const rank = rankRepairers(stripeId, repairers).findIndex(p => compareBytes(p, self) === 0)
  return rank < 0 ? undefined : rank * repairBackoffMs
}

function weightOf (digest: Uint8Array): bigint {
  let w = 0n
  for (let i = 0; i < 8; i++) w = (w << 8n) | BigInt(digest[i] as number)
  return w
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.byteLength - b.byteLength
}
