/**
 * cleanup: collect this node's store — remove the shards whose lease ended
 * more than COLLECT_GRACE_MS (7 days) ago, and orphans (kept for no owner)
 * stored longer ago than that (src/store/lease.ts) — or, with `dryRun`,
 * list what would go and remove nothing. Removed shards are withdrawn from
 * the DHT as far as this node can (`withdraw`: its announcement cancelled,
 * its own provider record dropped so it is not provided again).
 */
import { NotFoundError } from '../../core/errors.ts'
import type { MeshContext } from '../context.ts'
import { COLLECT_GRACE_MS } from '../lease-keeper.ts'
import type { CleanupOptions, CleanupResult } from '../types.ts'

export async function cleanup (ctx: MeshContext, options: CleanupOptions = {}): Promise<CleanupResult> {
  const store = ctx.store
  if (store === undefined) throw new NotFoundError('This node keeps no shard store')
  const dryRun = options.dryRun === true
  const report = await store.collect({ graceMs: COLLECT_GRACE_MS, dryRun, now: ctx.now(), ...(options.signal !== undefined ? { signal: options.signal } : {}) })
  if (!dryRun) await Promise.all(report.shards.map(async s => { await ctx.withdraw(s.id) }))
  return { dryRun, graceMs: COLLECT_GRACE_MS, shards: report.shards, bytes: report.bytes }
}
