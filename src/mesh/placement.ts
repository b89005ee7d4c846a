/**
 * Placement: which peer keeps which shard.
 *
 * - The k + m shards of a stripe go to k + m distinct peers, chosen from the
 *   data-capable candidates (./peers.ts) with room for the shard (the free
 *   space they reported, less what this put already sent them), ranked by
 *   this node's reputation book: good peers at random weighted by score, then
 *   fair ones; denied peers never. This node (with a store) holds at most one
 *   shard of a stripe.
 * - Shards are stored in parallel; a failed placement is retried on the next
 *   peer not yet holding a shard of the stripe, and the failed peer is not
 *   used again in this put. Only with the 'warn' policy, and when no distinct
 *   peer is left, does a peer take a second shard of a stripe.
 * - Peers below the reputation floor take a shard only when no one else can:
 *   with the 'warn' policy, after every other peer (a second shard on a peer
 *   in good standing comes first: a peer that loses data or lies to audits
 *   is worth less than a second copy's independence), with a
 *   'durability:warning' of reason 'low-reputation' (once per peer and put).
 *   With 'refuse', never.
 * - A stripe commits when `writeQuorum` shards are acknowledged; otherwise
 *   the put fails: QuotaExceededError when holders refused for lack of room,
 *   InsufficientPeersError otherwise.
 * - Every copy asked for is recorded, so a failed or aborted put can delete
 *   them all (a store whose answer was lost may still have landed).
 * - A stripe can be planned before it is stored (`planStripe`: the peers
 *   placement would pick), so that a one-stripe file's manifest, which names
 *   the holders, is sealed first and its copies leave with the shards.
 */
import type { CID } from 'multiformats/cid'
import { AbortedError, InsufficientPeersError, QuotaExceededError } from '../core/errors.ts'
import type { EncodedStripe } from '../core/stripe.ts'
import type { ReputationView } from '../net/reputation.ts'
import type { MeshContext } from './context.ts'
import { errorName, rankCandidates, tierOf, type Candidate, type Rng } from './peers.ts'
import { storeOn } from './transfer.ts'
import { storeLease } from './lease-keeper.ts'
import type { StoreLease } from '../net/shard/index.ts'
import type { MeshEvents } from './types.ts'

/** What one put knows about its peers, shared by all its stripes. */
export interface PlacementState {
  candidates: Candidate[]
  /** bytes sent to each peer during this put */
  assigned: Map<string, number>
  /** peers that failed during this put: not asked again */
  bad: Set<string>
  /** names of the errors seen (for the final error) */
  failures: string[]
  /** every copy acknowledged so far */
  stored: Array<{ peer: string, id: CID }>
  /** every copy asked for, acknowledged or not (a failed put deletes them all) */
  attempted: Array<{ peer: string, id: CID }>
  onStored?: () => void
  /** a durability warning (put.ts collects them for its result; default: the event alone) */
  warn?: (message: string, detail: Omit<MeshEvents['durability:warning'], 'message'>) => void
  /** peers below the floor already warned about in this put */
  warnedPoor: Set<string>
  /** the lease the stores ask for (default: the mesh's lease from now, no renewer: ./lease-keeper.ts) */
  lease?: StoreLease
}

export function newPlacementState (candidates: Candidate[]): PlacementState {
  return { candidates, assigned: new Map(), bad: new Set(), failures: [], stored: [], attempted: [], warnedPoor: new Set() }
}

/** Candidates that take new shards without a warning: neither denied nor below the floor. */
export function placeable<T extends { peerId: string }> (candidates: readonly T[], reputation: ReputationView): T[] {
  return candidates.filter(c => !reputation.isDenied(c.peerId) && tierOf(reputation.score(c.peerId)) !== 'poor')
}

/** Peers with room for a shard of `size` bytes, in the order to use them (`poor`: those below the floor alone). */
function ranked (ctx: MeshContext, state: PlacementState, size: number, poor = false): Candidate[] {
  const room = (c: Candidate): number => c.free - (state.assigned.get(c.peerId) ?? 0)
  const fits = state.candidates.filter(c => !state.bad.has(c.peerId) && room(c) >= size)
  const order = rankCandidates(fits, { reputation: ctx.reputation, rng: ctx.rng, includePoor: poor })
  return poor ? order.filter(c => tierOf(ctx.reputation.score(c.peerId)) === 'poor') : order
}

/**
 * The next peer for a shard of a stripe whose shards are already on `used`
 * (peer -> shards); `first` when it is usable. `share`: a peer may take a
 * second shard when no distinct one is left; `poor`: peers below the floor
 * when no one else can.
 */
function pick (ctx: MeshContext, state: PlacementState, used: Map<string, number>, size: number, share: boolean, poor: boolean, first?: string): string | undefined {
  const usable = ranked(ctx, state, size)
  if (first !== undefined && first !== '' && usable.some(c => c.peerId === first) && (share || !used.has(first))) return first
  const distinct = usable.find(c => !used.has(c.peerId))
  if (distinct !== undefined) return distinct.peerId
  const leastLoaded = (list: Candidate[]): string | undefined => list
    .filter(c => !c.self)
    .sort((a, b) => (used.get(a.peerId) ?? 0) - (used.get(b.peerId) ?? 0))[0]?.peerId
  // fewer peers than shards: the least loaded remote peer takes another one
  const second = share ? leastLoaded(usable) : undefined
  if (second !== undefined || !poor) return second
  // no one in good standing can take it: a peer below the floor, with a warning
  const low = ranked(ctx, state, size, true)
  const peer = low.find(c => !used.has(c.peerId))?.peerId ?? (share ? leastLoaded(low) : undefined)
  if (peer !== undefined && !state.warnedPoor.has(peer)) {
    state.warnedPoor.add(peer)
    const message = `A peer with a low reputation (${Math.round(ctx.reputation.score(peer))} of 100) keeps a shard: no other peer could take it`
    const detail = { reason: 'low-reputation' as const, have: placeable(state.candidates, ctx.reputation).length, want: ctx.config.k + ctx.config.m, peer }
    if (state.warn !== undefined) state.warn(message, detail)
    else ctx.events.dispatch('durability:warning', { message, ...detail })
  }
  return peer
}

/** Store one copy, on `first` when it is usable, else (and after failures) on the next peer. */
async function placeShard (ctx: MeshContext, state: PlacementState, used: Map<string, number>, share: boolean, id: CID, bytes: Uint8Array, signal?: AbortSignal, first?: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted === true) throw new AbortedError()
    const peer = pick(ctx, state, used, bytes.byteLength, share, ctx.config.minPeers === 'warn', attempt === 0 ? first : undefined)
    if (peer === undefined) return ''
    used.set(peer, (used.get(peer) ?? 0) + 1)
    state.assigned.set(peer, (state.assigned.get(peer) ?? 0) + bytes.byteLength)
    state.attempted.push({ peer, id })
    try {
      // not cancelled by `signal`: a store cut off mid-way may still land on the holder,
      // so an aborted put lets the stores in flight finish (within the request timeout) and deletes them
      await storeOn(ctx, peer, id, bytes, undefined, state.lease ?? storeLease(ctx))
      state.stored.push({ peer, id })
      state.onStored?.()
      return peer
    } catch (err) {
      ctx.log('storing %s on %s failed - %e', id, peer, err)
      state.failures.push(errorName(err))
      state.bad.add(peer)
      ctx.peers.forget(peer)
      const n = (used.get(peer) ?? 1) - 1
      if (n === 0) used.delete(peer)
      else used.set(peer, n)
    }
  }
}

/** Like Promise.all, but waits for every store to settle first, so a failed put cleans up everything it stored. */
async function settleAll<T> (work: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(work)
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failure !== undefined) throw failure.reason
  return settled.map(r => (r as PromiseFulfilledResult<T>).value)
}

function quorumError (state: PlacementState, details: Record<string, unknown>): Error {
  if (state.failures.includes('QuotaExceededError')) {
    return new QuotaExceededError('The holders have no room left for this file (per-owner or storage quota reached)', { ...details, failures: state.failures.length })
  }
  return new InsufficientPeersError('Too few peers acknowledged the shards of a stripe', { reason: 'write-quorum', ...details, failures: [...new Set(state.failures)] })
}

/** The peer placement would pick for each shard of `stripe` right now ('' for none), without storing anything. */
export function planStripe (ctx: MeshContext, state: PlacementState, stripe: EncodedStripe): string[] {
  const used = new Map<string, number>()
  const share = ctx.config.minPeers === 'warn'
  return stripe.shards.map(() => {
    const peer = pick(ctx, state, used, stripe.shardSize, share, share) ?? ''
    if (peer !== '') used.set(peer, (used.get(peer) ?? 0) + 1)
    return peer
  })
}

/** Store one stripe's shards (the first attempt of each on `plan[i]`, when given); returns the holder of each shard ('' for none). */
export async function placeStripe (ctx: MeshContext, state: PlacementState, stripe: EncodedStripe, signal?: AbortSignal, plan?: readonly string[]): Promise<string[]> {
  const used = new Map<string, number>()
  const share = ctx.config.minPeers === 'warn'
  const holders = await settleAll(stripe.shards.map(async (id, i) => await placeShard(ctx, state, used, share, id, stripe.data[i] as Uint8Array, signal, plan?.[i])))
  const acknowledged = holders.filter(h => h !== '').length
  if (acknowledged < ctx.config.writeQuorum) throw quorumError(state, { stripe: stripe.index, acknowledged, writeQuorum: ctx.config.writeQuorum })
  return holders
}

/**
 * Keep `copies` copies of a small blob (manifest, index backup) on distinct
 * peers, the first attempts on `preferred` peers when given; returns the
 * holders (at least one).
 */
export async function replicate (ctx: MeshContext, state: PlacementState, id: CID, bytes: Uint8Array, copies: number, signal?: AbortSignal, preferred: readonly string[] = []): Promise<string[]> {
  const used = new Map<string, number>()
  const want = Math.min(copies, state.candidates.length)
  // distinct peers only: a second copy on the same peer adds nothing
  const slots = Array.from({ length: want }, async (_, i) => await placeShard(ctx, state, used, false, id, bytes, signal, preferred[i]))
  const holders = (await settleAll(slots)).filter(h => h !== '')
  if (holders.length === 0) throw quorumError(state, { id: id.toString(), acknowledged: 0, writeQuorum: 1 })
  return [...new Set(holders)]
}

export interface RepairRankOptions {
  reputation: ReputationView
  /** 'source': holders to fetch a stripe's shards from; 'target': peers to place re-created shards on */
  purpose: 'source' | 'target'
  rng?: Rng
  /** bytes of a shard: a target whose known free space is smaller is left out */
  size?: number
  /** peers to leave out (for targets: the stripe's current holders, so that every shard stays on its own peer) */
  exclude?: Iterable<string>
}

/**
 * Repair's choice of peers, by the same reputation as placement. Denied
 * peers are never used. Targets rank as placement does (good peers at
 * random weighted by score, then fair ones; none below the floor: a repair
 * that can only place on them waits for better peers). Sources rank the
 * same way, followed by the peers below the floor (every shard fetched is
 * checked against its id, so a poor holder costs at worst a wasted request).
 */
export function rankForRepair<T extends { peerId: string, free?: number }> (candidates: readonly T[], options: RepairRankOptions): T[] {
  const exclude = new Set(options.exclude ?? [])
  const size = options.size ?? 0
  const usable = candidates.filter(c => !exclude.has(c.peerId) && (options.purpose === 'source' || c.free === undefined || c.free >= size))
  return rankCandidates(usable, { reputation: options.reputation, ...(options.rng !== undefined ? { rng: options.rng } : {}), includePoor: options.purpose === 'source' })
}
