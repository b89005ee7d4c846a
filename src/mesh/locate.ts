/**
 * Finding a shard and reading it: candidates in order of likelihood (this
 * node's store, the placement hints, DHT providers, and, for small blobs like
 * manifests, any connected data-capable peer that says it has it), read with
 * hedging (./hedge.ts). Damaged copies are reported as 'shard:corrupt'.
 */
import type { CID } from 'multiformats/cid'
import type { ShardFetcher } from '../core/pipeline.ts'
import { providerKey } from '../net/dht-keys.ts'
import type { MeshContext } from './context.ts'
import { firstSuccess } from './hedge.ts'
import { withTimeout } from './peers.ts'
import { fetchFrom, hasOn } from './transfer.ts'

export interface LocateOptions {
  signal?: AbortSignal
  /** placement hints (peer ids), asked first */
  hints?: readonly string[]
  /** last resort: ask every connected data-capable peer whether it has the shard */
  askConnected?: boolean
}

/** Peers that may hold `id`, each named once, best guesses first. */
export async function * holdersOf (ctx: MeshContext, id: CID, options: LocateOptions = {}): AsyncGenerator<string> {
  const seen = new Set<string>()
  const fresh = (peer: string): boolean => {
    if (peer === '' || seen.has(peer)) return false
    seen.add(peer)
    return true
  }
  if (ctx.store !== undefined && await ctx.store.has(id.toString()) && fresh(ctx.self)) yield ctx.self
  seen.add(ctx.self) // never ask ourselves over the network
  for (const hint of options.hints ?? []) if (fresh(hint)) yield hint
  try {
    for await (const provider of ctx.libp2p.contentRouting.findProviders(providerKey(id), { signal: withTimeout(options.signal, ctx.config.requestTimeout) })) {
      const peer = provider.id.toString()
      if (fresh(peer)) yield peer
    }
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    ctx.log('provider lookup for %s ended - %e', id, err)
  }
  if (options.askConnected === true) {
    const candidates = (await ctx.peers.candidates({ includeFull: true, ...(options.signal !== undefined ? { signal: options.signal } : {}) })).filter(c => !seen.has(c.peerId))
    const answers = await Promise.all(candidates.map(async c => {
      try { return (await hasOn(ctx, c.peerId, [id], options.signal))[0] === true } catch { return false }
    }))
    for (const [i, c] of candidates.entries()) if (answers[i] === true && fresh(c.peerId)) yield c.peerId
  }
}

export interface FetchShardOptions extends LocateOptions {
  stripe?: number
  shard?: number
}

/** The verified bytes of `id` from whichever holder answers first, or undefined. */
export async function fetchShard (ctx: MeshContext, id: CID, options: FetchShardOptions = {}): Promise<Uint8Array | undefined> {
  return await firstSuccess(holdersOf(ctx, id, options), async (peer, signal) => await fetchFrom(ctx, peer, id, signal), {
    hedgeDelay: ctx.config.hedgeDelay,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    onError: (peer, err) => {
      if ((err as Error)?.name === 'CorruptShardError') {
        ctx.events.dispatch('shard:corrupt', { id: id.toString(), peer, ...(options.stripe !== undefined ? { stripe: options.stripe, shard: options.shard ?? -1 } : {}) })
      }
    }
  })
}

/** A ShardFetcher for decodeFile over the mesh. */
export function meshShardFetcher (ctx: MeshContext): ShardFetcher {
  return async (request, { signal }) => await fetchShard(ctx, request.cid, {
    ...(signal !== undefined ? { signal } : {}),
    hints: request.hint === undefined ? [] : [request.hint],
    stripe: request.stripe,
    shard: request.shard
  })
}
