/**
 * check: how a file stands now, from audits rather than from hints.
 *
 * For every shard of the file, its candidate holders are: the placement
 * hint of the manifest, every connected data-capable peer (and this node's
 * store) that answers `has` with yes, and the DHT providers of the shard.
 * Each candidate is audited at once with a fresh nonce (../audit-transport.ts);
 * the ledger turns the outcome into a status: 'ok' (passed), 'lost'
 * (failed, or answered that it does not have the shard, or unreachable for
 * longer than lostAfterMs) or 'unknown' (unreachable or late, within
 * lostAfterMs). A hint alone never counts as verified.
 *
 *   health = the fewest distinct shard indices of any stripe with a holder 'ok'
 *   state  = healthy (health = n), degraded (> k), at-risk (= k), lost (< k)
 */
import type { CID } from 'multiformats/cid'
import { wipe } from '../../core/bytes.ts'
import { shardSizeFor, stripePlainLength } from '../../core/stripe.ts'
import { providerKey } from '../../net/dht-keys.ts'
import { fileState, stripeHealth } from '../audit-ledger.ts'
import type { HolderAudit, MeshAudits } from '../audit-transport.ts'
import type { MeshContext } from '../context.ts'
import { withTimeout } from '../peers.ts'
import { loadManifest, resolveFile } from '../resolve.ts'
import { manifestShards, survey } from '../survey.ts'
import type { CheckOptions, FileCheck, FileRef, HolderCheck, MeshProgressEvent } from '../types.ts'

/** Audits running at once during a check. */
const CHECK_AUDITS_AT_ONCE = 8
/** DHT provider lookups running at once during a check. */
const PROVIDER_LOOKUPS_AT_ONCE = 8
/** Providers taken per shard: more holders than a stripe has shards are not worth auditing. */
const MAX_PROVIDERS_PER_SHARD = 16

/** One audit a check ran. */
export interface CheckAudit extends HolderAudit {
  stripe: number
  shard: number
  id: string
  peerId: string
}

export async function check (ctx: MeshContext, audits: MeshAudits, ref: FileRef, options: CheckOptions = {}): Promise<FileCheck> {
  return (await runCheck(ctx, audits, ref, options)).check
}

/** The check and every audit it ran. */
export async function runCheck (ctx: MeshContext, audits: MeshAudits, ref: FileRef, options: CheckOptions = {}): Promise<{ check: FileCheck, audits: CheckAudit[] }> {
  const { signal } = options
  const file = await resolveFile(ctx, ref)
  let manifest
  try {
    manifest = (await loadManifest(ctx, file, signal)).manifest
  } finally {
    if (typeof ref === 'string') wipe(file.fileKey)
  }
  const { k, m } = manifest.coding
  const n = k + m
  const { ids, hints } = manifestShards(manifest)
  const sizes = ids.map((_, i) => shardSizeFor(stripePlainLength(manifest.size, Math.floor(i / n), manifest.coding), manifest.coding))

  // candidates: hints, peers that say they have it, DHT providers
  const [{ holdings }, providers] = await Promise.all([
    survey(ctx, ids, hints, signal),
    options.providers === false ? Promise.resolve(ids.map(() => [] as string[])) : findProviders(ctx, ids, signal)
  ])
  const candidates = ids.map((_, i) => {
    const peers = new Set<string>()
    if (hints[i] !== undefined && hints[i] !== '') peers.add(hints[i] as string)
    for (const [peer, has] of holdings) if (has[i] === true) peers.add(peer)
    for (const peer of providers[i] ?? []) if (peer !== ctx.self || ctx.store !== undefined) peers.add(peer)
    return [...peers].sort()
  })

  const jobs = candidates.flatMap((peers, i) => peers.map(peer => ({ i, peer })))
  const results = new Array<CheckAudit | undefined>(jobs.length)
  let done = 0
  await pool(jobs.length, CHECK_AUDITS_AT_ONCE, async (j) => {
    const { i, peer } = jobs[j] as { i: number, peer: string }
    const audit = await audits.auditHolder(peer, ids[i] as CID, sizes[i] as number, signal)
    results[j] = { ...audit, stripe: Math.floor(i / n), shard: i % n, id: (ids[i] as CID).toString(), peerId: peer }
    progress(options, { type: 'check:audited', audited: ++done, total: jobs.length })
  })
  const ran = results.filter((r): r is CheckAudit => r !== undefined)

  const checkedAt = audits.clock.now()
  const stripes = manifest.stripes.map((stripe, s) => {
    const shards = stripe.shards.map((id, index) => ({
      index,
      id: id.toString(),
      holders: ran.filter(a => a.stripe === s && a.shard === index).map((a): HolderCheck => ({
        peerId: a.peerId,
        status: audits.ledger.status(a.id, a.peerId, checkedAt),
        checkedAt: a.checkedAt,
        outcome: a.outcome,
        ...(a.reason !== undefined ? { reason: a.reason } : {})
      }))
    }))
    return { index: s, ...stripeHealth(shards.map(sh => sh.holders.map(h => h.status))), shards }
  })
  const health = stripes.length === 0 ? n : Math.min(...stripes.map(s => s.verified))
  return {
    check: { key: file.key, k, n, health, state: fileState(health, k, n), stripes, checkedAt },
    audits: ran
  }
}

function progress (options: CheckOptions, event: MeshProgressEvent): void {
  try { options.onProgress?.(event) } catch { /* a progress callback must not break the check */ }
}

/** Up to MAX_PROVIDERS_PER_SHARD DHT providers of each shard (none where the lookup fails or times out). */
async function findProviders (ctx: MeshContext, ids: readonly CID[], signal?: AbortSignal): Promise<string[][]> {
  const out = ids.map(() => [] as string[])
  await pool(ids.length, PROVIDER_LOOKUPS_AT_ONCE, async (i) => {
    try {
      for await (const provider of ctx.libp2p.contentRouting.findProviders(providerKey(ids[i] as CID), { signal: withTimeout(signal, ctx.config.requestTimeout) })) {
        const list = out[i] as string[]
        if (!list.includes(provider.id.toString())) list.push(provider.id.toString())
        if (list.length >= MAX_PROVIDERS_PER_SHARD) break
      }
    } catch (err) {
      if (signal?.aborted === true) throw err
      ctx.log('provider lookup for %s ended - %e', ids[i], err)
    }
  })
  return out
}

/** Run work(0..count-1), at most `limit` at once. */
async function pool (count: number, limit: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await work(next++)
  }))
}
