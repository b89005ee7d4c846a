/**
 * Who holds what: ask every connected data-capable peer (full ones too),
 * this node's store, and the peers named by placement hints, which of a set
 * of shards they hold (`has`, in batches). Used by delete and distribution.
 */
import type { CID } from 'multiformats/cid'
import type { Manifest } from '../core/manifest.ts'
import type { MeshContext } from './context.ts'
import { errorName } from './peers.ts'
import { hasOn } from './transfer.ts'

export interface Survey {
  /** peer -> which of the ids it holds, in order */
  holdings: Map<string, boolean[]>
  /** peers that did not answer, with the error's name */
  unreachable: Map<string, string>
}

export async function survey (ctx: MeshContext, ids: readonly CID[], hinted: Iterable<string>, signal?: AbortSignal): Promise<Survey> {
  const peers = new Set((await ctx.peers.candidates({ includeFull: true, ...(signal !== undefined ? { signal } : {}) })).map(c => c.peerId))
  for (const h of hinted) if (h !== '' && (h !== ctx.self || ctx.store !== undefined)) peers.add(h)
  const holdings = new Map<string, boolean[]>()
  const unreachable = new Map<string, string>()
  await Promise.all([...peers].map(async peer => {
    try {
      holdings.set(peer, await hasOn(ctx, peer, ids, signal))
    } catch (err) {
      if (signal?.aborted === true) throw err
      unreachable.set(peer, errorName(err))
    }
  }))
  return { holdings, unreachable }
}

/** Every shard id of a manifest, stripe by stripe, and every hint. */
export function manifestShards (manifest: Manifest): { ids: CID[], hints: string[] } {
  const ids: CID[] = []
  const hints: string[] = []
  for (const s of manifest.stripes) {
    s.shards.forEach((id, i) => { ids.push(id); hints.push(s.hints?.[i] ?? '') })
  }
  return { ids, hints }
}
