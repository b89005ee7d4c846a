/**
 * renewLeases: extend the lease of everything the owner keeps in the mesh —
 * every file's stripe shards and sealed manifest, and the index backup —
 * on every holder this node can find, to `now + leaseMs`.
 *
 * Holders: placement hints and the manifest's holders from the index, DHT
 * provider records (unless `providers: false`), and, for the manifests and
 * the backup (a few small blobs), every connected data-capable peer. Each
 * holder gets the ids it may hold in renew requests of at most 256 ids,
 * signed with the owner's key for that holder; a holder answers per id, so
 * asking one that does not keep a shard costs nothing but the id. This
 * node's own store is renewed directly. A file whose manifest no reachable
 * peer has is reported in `missing` (its manifest copies are still
 * renewed where the index says they are); a holder that does not answer is
 * reported in `failed`: neither stops the run. Holders are asked a few at a
 * time, each holder's requests in sequence.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { wipe } from '../../core/bytes.ts'
import { parseShardCid } from '../../core/hash.ts'
import { providerKey } from '../../net/dht-keys.ts'
import { MAX_RENEW_IDS } from '../../net/protocol/constants.ts'
import type { MeshContext } from '../context.ts'
import { leaseMsOf } from '../lease-keeper.ts'
import { errorName, withTimeout } from '../peers.ts'
import { loadManifest, manifestShardId, resolveFile } from '../resolve.ts'
import { manifestShards } from '../survey.ts'
import type { RenewLeasesOptions, RenewLeasesResult } from '../types.ts'

/** holders renewed at once */
const HOLDERS_AT_ONCE = 4
/** provider lookups at once */
const LOOKUPS_AT_ONCE = 4
/** providers taken per shard (a shard has k + m holders, a few more after repairs) */
const MAX_PROVIDERS = 20

/** peer -> ids (canonical strings) to renew there */
class Targets {
  readonly byPeer = new Map<string, Set<string>>()
  readonly ids = new Map<string, CID>()

  add (peer: string, id: CID): void {
    if (peer === '') return
    const key = id.toString()
    this.ids.set(key, id)
    let set = this.byPeer.get(peer)
    if (set === undefined) this.byPeer.set(peer, set = new Set())
    set.add(key)
  }
}

/** Run `work` over `items`, `limit` at a time. */
async function pool<T> (items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T)
  }))
}

async function providersOf (ctx: MeshContext, id: CID, signal?: AbortSignal): Promise<string[]> {
  const found: string[] = []
  try {
    for await (const provider of ctx.libp2p.contentRouting.findProviders(providerKey(id), { signal: withTimeout(signal, ctx.config.requestTimeout) })) {
      found.push(provider.id.toString())
      if (found.length >= MAX_PROVIDERS) break
    }
  } catch (err) {
    if (signal?.aborted === true) throw err
    ctx.log('provider lookup for %s ended - %e', id, err)
  }
  return found
}

export async function renewLeases (ctx: MeshContext, options: RenewLeasesOptions = {}): Promise<RenewLeasesResult> {
  const { signal } = options
  await ctx.index.load()
  const until = ctx.now() + leaseMsOf(ctx)
  const targets = new Targets()
  const entries = ctx.index.entries()
  const missing: string[] = []
  /** small blobs: asked of every connected data-capable peer too */
  const small: CID[] = []
  const lookups: CID[] = []

  for (const entry of entries) {
    signal?.throwIfAborted()
    const manifestId = manifestShardId(entry.key)
    small.push(manifestId)
    for (const peer of entry.manifestHolders) targets.add(peer, manifestId)
    let file
    try {
      file = await resolveFile(ctx, entry.key)
      const { manifest } = await loadManifest(ctx, file, signal)
      const { ids, hints } = manifestShards(manifest)
      ids.forEach((id, n) => { targets.add(hints[n] ?? '', id); targets.ids.set(id.toString(), id) })
      lookups.push(...ids)
    } catch (err) {
      if (signal?.aborted === true) throw err
      missing.push(entry.key)
    } finally {
      if (file !== undefined) wipe(file.fileKey)
    }
  }
  const backup = ctx.index.backup
  if (backup !== undefined) small.push(parseShardCid(backup.id))
  for (const id of small) targets.ids.set(id.toString(), id)
  lookups.push(...small)

  if (options.providers !== false) {
    await pool(lookups, LOOKUPS_AT_ONCE, async id => {
      for (const peer of await providersOf(ctx, id, signal)) targets.add(peer, id)
    })
  }
  const connected = (await ctx.peers.candidates({ includeFull: true, ...(signal !== undefined ? { signal } : {}) })).map(c => c.peerId)
  for (const peer of connected) for (const id of small) targets.add(peer, id)

  const renewedIds = new Set<string>()
  const result: RenewLeasesResult = { until, files: entries.length, missing, shards: targets.ids.size, holders: 0, renewed: 0, unrenewed: 0, failed: [] }

  if (ctx.store !== undefined && targets.ids.size > 0) {
    // this node's own copies, kept under the owner's label
    const report = await ctx.store.renew(targets.ids.keys(), until, { by: ctx.owner, ...(signal !== undefined ? { signal } : {}) })
    const lasting = [...report.extended, ...report.unchanged]
    if (lasting.length > 0) result.holders++
    result.renewed += lasting.length
    for (const id of lasting) renewedIds.add(id)
  }
  targets.byPeer.delete(ctx.self)

  await pool([...targets.byPeer], HOLDERS_AT_ONCE, async ([peer, idSet]) => {
    const ids = [...idSet].map(id => targets.ids.get(id) as CID)
    const signer = ctx.holderSigner(peer)
    let asked = false
    try {
      for (let i = 0; i < ids.length; i += MAX_RENEW_IDS) {
        const batch = ids.slice(i, i + MAX_RENEW_IDS)
        const lasting = await ctx.shard.renew(peerIdFromString(peer), batch, until, signer, { signal: withTimeout(signal, ctx.config.requestTimeout) })
        asked = true
        lasting.forEach((yes, n) => {
          if (!yes) return
          result.renewed++
          renewedIds.add(batch[n]?.toString() ?? '')
        })
      }
    } catch (err) {
      if (signal?.aborted === true) throw err
      result.failed.push({ peer, error: errorName(err) })
    }
    if (asked) result.holders++
  })
  result.unrenewed = [...targets.ids.keys()].filter(id => !renewedIds.has(id)).length
  return result
}
