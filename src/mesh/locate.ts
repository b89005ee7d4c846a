/**
 * Finding a shard and reading it: candidates in order of likelihood (this
 * node's store, the placement hints, then DHT providers and, for small blobs
 * like manifests, any connected data-capable peer that says it has it — those
 * two asked at the same time, whichever answers first first), read with
 * hedging (./hedge.ts). Damaged copies are reported as 'shard:corrupt'.
 *
 * The connected peers are not left for after the DHT: a share link carries no
 * holder hints, and a provider lookup can take its whole timeout (announcements
 * are queued on holders, a new tab's routing table is small) while the holders
 * are right there.
 */
import type { CID } from 'multiformats/cid'
import merge from 'it-merge'
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

/** Rounds of asking connected peers, CONNECTED_ROUND_MS apart, while none said yes. */
const CONNECTED_ROUNDS = 5
const CONNECTED_ROUND_MS = 1000

async function delay (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { signal?.removeEventListener('abort', abort); resolve() }, ms)
    const abort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    signal?.addEventListener('abort', abort, { once: true })
  })
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
  const providers = async function * (): AsyncGenerator<string> {
    try {
      for await (const provider of ctx.libp2p.contentRouting.findProviders(providerKey(id), { signal: withTimeout(options.signal, ctx.config.requestTimeout) })) {
        yield provider.id.toString()
      }
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      ctx.log('provider lookup for %s ended - %e', id, err)
    }
  }
  const connected = async function * (): AsyncGenerator<string> {
    if (options.askConnected !== true) return
    const asked = new Set<string>()
    // a few rounds: peers connecting meanwhile (a tab that has just started) are asked too
    for (let round = 0; round < CONNECTED_ROUNDS; round++) {
      if (round > 0) await delay(CONNECTED_ROUND_MS, options.signal)
      // every connected peer, without surveying them first: one small request each, and a peer that keeps no shards just says no (or does not speak the protocol)
      const candidates = ctx.libp2p.getPeers().map(p => ({ peerId: p.toString() }))
        .filter(c => !seen.has(c.peerId) && !asked.has(c.peerId))
      for (const c of candidates) asked.add(c.peerId)
      let found = false
      // each peer as soon as it says yes
      for await (const peer of merge(...candidates.map(async function * (c) {
        try {
          if ((await hasOn(ctx, c.peerId, [id], options.signal))[0] === true) yield c.peerId
        } catch {}
      }))) {
        found = true
        yield peer
      }
      if (found) return
    }
  }
  for await (const peer of merge(providers(), connected())) if (fresh(peer)) yield peer
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
