/**
 * repair: the owner's tab repairs one file now, by the same logic the
 * repairers run while the owner is away (../repair-worker.ts): every holder
 * of every shard found (manifest hints, connected peers that say they have
 * it, DHT providers) and audited with a fresh nonce, each stripe at or
 * below the repair threshold re-created from k verified shards on
 * ciphertext and placed on new distinct peers, the manifest kept at its
 * copies, and the leases of what was found renewed.
 *
 * It needs no read key (the capability names everything), but it is the
 * owner: re-created shards are stored with the shard protocol, signed by the
 * owner's key for each holder, with the file's repair key as renewer, so the
 * file's repairers can renew them later.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { parseShardCid } from '../../core/hash.ts'
import { systemRng } from '../audit-ports.ts'
import type { MeshAudits } from '../audit-transport.ts'
import type { MeshContext } from '../context.ts'
import { storeLease } from '../lease-keeper.ts'
import { withTimeout } from '../peers.ts'
import { fileCapability } from '../repair-keeper.ts'
import { nodeRepairPorts } from '../repair-node.ts'
import { RepairWorker, type RepairedShard } from '../repair-worker.ts'
import { manifestShards } from '../survey.ts'
import { storeOn } from '../transfer.ts'
import type { FileRef, MeshOptions } from '../types.ts'

export interface RepairResult {
  key: string
  /** holders audited */
  audited: number
  /** stripes found at or below the threshold, and those with fewer than k shards left */
  degraded: number
  unrecoverable: number
  /** shards re-created and where they went (stripe -1: a manifest copy) */
  repaired: Array<Omit<RepairedShard, 'key'>>
  bytesFetched: number
  bytesRepaired: number
  /** shard copies whose lease was renewed */
  renewed: number
  failures: Array<{ what: string, error: string }>
}

export async function repair (ctx: MeshContext, audits: MeshAudits, ref: FileRef, options: MeshOptions = {}): Promise<RepairResult> {
  const { signal } = options
  // the capability names this node as its only repairer: it is never sent anywhere
  const { key, signed, cap, signer, manifest } = await fileCapability(ctx, ref, [ctx.self], signal)
  const hints = new Map<string, string>()
  const { ids, hints: placed } = manifestShards(manifest)
  ids.forEach((id, i) => { if (placed[i] !== undefined && placed[i] !== '') hints.set(id.toString(), placed[i] as string) })
  const manifestHolders = ctx.index.get(key)?.manifestHolders ?? []
  const manifestId = parseShardCid(cap.manifest.id).toString()

  const node = nodeRepairPorts({ node: ctx.libp2p, ...(ctx.store !== undefined ? { store: ctx.store } : {}), requestTimeoutMs: ctx.config.requestTimeout })
  const worker = new RepairWorker({
    ...node,
    clock: audits.clock,
    rng: systemRng,
    reputation: ctx.reputation,
    book: { list: () => [] },
    lostAfterMs: audits.ledger.lostAfterMs,
    holders: async (id, s) => {
      const found = new Set(await node.holders(id, s))
      const hint = hints.get(id.toString())
      if (hint !== undefined) found.add(hint)
      if (id.toString() === manifestId) for (const peer of manifestHolders) found.add(peer)
      return [...found]
    },
    candidates: async (s) => (await ctx.peers.candidates({ signal: s })).filter(c => !c.self).map(c => ({ peerId: c.peerId, free: c.free })),
    // the owner stores with its own key for the holder, the repair key as renewer
    store: async (peer, _cap, id, bytes, s) => { await storeOn(ctx, peer, id, bytes, s, storeLease(ctx, cap.key)) },
    renew: async (peer, _cap, batch: CID[], until, s) => {
      const mine = await ctx.shard.renew(peerIdFromString(peer), batch, until, ctx.holderSigner(peer), { signal: withTimeout(s, ctx.config.requestTimeout) }).catch(() => batch.map(() => false))
      const repaired = await ctx.shard.renew(peerIdFromString(peer), batch, until, signer, { signal: withTimeout(s, ctx.config.requestTimeout) }).catch(() => batch.map(() => false))
      return batch.map((_, i) => mine[i] === true || repaired[i] === true)
    }
  })
  const report = await worker.repairOnce(signed, cap, { immediate: true, ...(signal !== undefined ? { signal } : {}) })
  return {
    key,
    audited: report.audited,
    degraded: report.degraded,
    unrecoverable: report.unrecoverable,
    repaired: report.repaired.map(({ key: _key, ...rest }) => rest),
    bytesFetched: report.bytesFetched,
    bytesRepaired: report.bytesRepaired,
    renewed: report.renewed,
    failures: report.failures
  }
}
