/**
 * Placement: which peer keeps which shard.
 *
 * - The k + m shards of a stripe go to k + m distinct peers, chosen from the
 *   data-capable candidates (./peers.ts): storage peers before browsers, then
 *   the most free space left after what this put already sent them. This node
 *   (with a store) holds at most one shard of a stripe.
 * - Shards are stored in parallel; a failed placement is retried on the next
 *   peer not yet holding a shard of the stripe, and the failed peer is not
 *   used again in this put. Only with the 'warn' policy, and when no distinct
 *   peer is left, does a peer take a second shard of a stripe.
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
import type { MeshContext } from './context.ts'
import { errorName, rankCandidates, type Candidate } from './peers.ts'
import { storeOn } from './transfer.ts'

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
}

export function newPlacementState (candidates: Candidate[]): PlacementState {
  return { candidates, assigned: new Map(), bad: new Set(), failures: [], stored: [], attempted: [] }
}

/** Usable peers, best first for a shard of `size` bytes. */
function ranked (state: PlacementState, size: number): Candidate[] {
  const room = (c: Candidate): number => c.free - (state.assigned.get(c.peerId) ?? 0)
  return state.candidates
    .filter(c => !state.bad.has(c.peerId) && room(c) >= size)
    .map(c => ({ ...c, free: room(c) }))
    .sort(rankCandidates)
}

/** The next peer for a shard of a stripe whose shards are already on `used` (peer -> shards); `first` when it is usable. */
function pick (state: PlacementState, used: Map<string, number>, size: number, share: boolean, first?: string): string | undefined {
  const usable = ranked(state, size)
  if (first !== undefined && first !== '' && usable.some(c => c.peerId === first) && (share || !used.has(first))) return first
  const distinct = usable.find(c => !used.has(c.peerId))
  if (distinct !== undefined) return distinct.peerId
  if (!share) return undefined
  // fewer peers than shards: the least loaded remote peer takes another one
  const remote = usable.filter(c => !c.self)
  remote.sort((a, b) => (used.get(a.peerId) ?? 0) - (used.get(b.peerId) ?? 0))
  return remote[0]?.peerId
}

/** Store one copy, on `first` when it is usable, else (and after failures) on the next peer. */
async function placeShard (ctx: MeshContext, state: PlacementState, used: Map<string, number>, share: boolean, id: CID, bytes: Uint8Array, signal?: AbortSignal, first?: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted === true) throw new AbortedError()
    const peer = pick(state, used, bytes.byteLength, share, attempt === 0 ? first : undefined)
    if (peer === undefined) return ''
    used.set(peer, (used.get(peer) ?? 0) + 1)
    state.assigned.set(peer, (state.assigned.get(peer) ?? 0) + bytes.byteLength)
    state.attempted.push({ peer, id })
    try {
      // not cancelled by `signal`: a store cut off mid-way may still land on the holder,
      // so an aborted put lets the stores in flight finish (within the request timeout) and deletes them
      await storeOn(ctx, peer, id, bytes)
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
    const peer = pick(state, used, stripe.shardSize, share) ?? ''
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
