/**
 * Repair while the owner is away, owner side: each file's repair
 * capability (src/core/repair-cap.ts) signed with the file's repair key
 * (`fileRepairSigner`, ./lease-keeper.ts), handed to its repairers with
 * `adopt` (src/net/repair/client.ts), and taken back with `release` when
 * the file is deleted.
 *
 * - The capability names each stripe's shard ids and shard size, the coding,
 *   the sealed manifest's id, size and copies (manifestReplicas), the
 *   repairers, exp = now + capabilityMs (90 days) and seq = now (ms): a
 *   capability signed later replaces an earlier one on every repairer, from
 *   any of the owner's devices, with no counter to keep.
 * - Repairers: `config.repairers` (default 2) always-on storage peers among
 *   the connected ones, ranked by this node's reputation book as repair
 *   targets are (placement.ts rankForRepair: denied and poor peers never).
 *   A peer that refuses is replaced by the next and the capability signed
 *   again for the new list.
 * - After a put (in the background) and for every file of the index while
 *   the owner's keys are unlocked (`repairKeeper`, at unlock and then every
 *   day, through the LeaseKeeper loop), so a capability never runs out while
 *   the owner comes back at least once in 90 days. A failure is a
 *   'durability:warning' of reason 'repair-not-adopted', never a failed put.
 * - A delete sends `release` to every connected storage peer (a release for
 *   a key a peer does not keep is a no-op): the owner does not remember
 *   which peers it chose on another device.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { wipe } from '../core/bytes.ts'
import { InsufficientPeersError, NotFoundError } from '../core/errors.ts'
import { openManifest, type Manifest } from '../core/manifest.ts'
import { MAX_CAP_REPAIRERS, type RepairCap, type SignedRepairCap } from '../core/repair-cap.ts'
import type { Signer } from '../core/signature.ts'
import type { RepairService } from '../net/repair/index.ts'
import type { MeshContext } from './context.ts'
import { fetchShard } from './locate.ts'
import { fileRepairSigner } from './lease-keeper.ts'
import { errorName } from './peers.ts'
import { grantRepair } from './repair-grant.ts'
import { rankForRepair } from './placement.ts'
import { manifestShardId, resolveFile } from './resolve.ts'
import type { FileRef } from './types.ts'

const day = 24 * 60 * 60 * 1000

/** How long a capability lasts: the owner's devices sign a new one daily while unlocked, so 90 days of absence are covered. */
export const CAPABILITY_MS = 90 * day
/** Repairers per file: one can be offline while the other repairs (DURABILITY). */
export const DEFAULT_REPAIRERS = 2

export interface AdoptResult {
  key: string
  seq: number
  /** repairers that adopted the capability */
  repairers: string[]
  failed: Array<{ peer: string, error: string }>
}

export interface ReleaseResult {
  key: string
  released: string[]
  failed: Array<{ peer: string, error: string }>
}

/** The file's repair capability, signed, with the opened manifest it describes. */
export interface FileCapability {
  key: string
  signed: SignedRepairCap
  cap: RepairCap
  signer: Signer
  manifest: Manifest
}

export function repairService (ctx: MeshContext): RepairService | undefined {
  const s = ctx.libp2p.services.repair as Partial<RepairService> | undefined
  return s !== undefined && typeof s.adopt === 'function' ? s as RepairService : undefined
}

/** Build and sign the capability of file `ref` naming `repairers` (peer id strings; at least one). */
export async function fileCapability (ctx: MeshContext, ref: FileRef, repairers: readonly string[], signal?: AbortSignal, minSeq = 0): Promise<FileCapability> {
  const file = await resolveFile(ctx, ref)
  try {
    const id = manifestShardId(file.key)
    const sealed = await fetchShard(ctx, id, { ...(signal !== undefined ? { signal } : {}), hints: file.entry?.manifestHolders ?? [], askConnected: true })
    if (sealed === undefined) throw new NotFoundError('No reachable peer has this file\'s manifest', { key: file.key })
    const { manifest } = await openManifest(sealed, file.fileKey, file.key)
    const signer = fileRepairSigner(ctx, file.fileKey)
    const now = ctx.now()
    const { cap, signed } = await grantRepair({
      key: file.key,
      manifest,
      sealedManifestSize: sealed.byteLength,
      manifestCopies: Math.min(16, Math.max(1, ctx.config.manifestReplicas)),
      repairers: repairers.map(p => peerIdFromString(p).toMultihash().bytes),
      seq: Math.max(now, minSeq),
      exp: now + CAPABILITY_MS
    }, signer)
    return { key: file.key, signed, cap, signer, manifest }
  } finally {
    if (typeof ref === 'string') wipe(file.fileKey)
  }
}

/** Connected always-on storage peers, best repairers first (reputation, as repair targets rank). */
export async function repairerCandidates (ctx: MeshContext, signal?: AbortSignal): Promise<string[]> {
  const candidates = (await ctx.peers.candidates({ includeFull: true, ...(signal !== undefined ? { signal } : {}) }))
    .filter(c => !c.self && c.nodeType === 'storage')
    .map(c => ({ peerId: c.peerId }))
  return rankForRepair(candidates, { reputation: ctx.reputation, purpose: 'target', rng: ctx.rng }).map(c => c.peerId)
}

/**
 * Give file `ref`'s capability to `config.repairers` repairers (replacing
 * refusing ones by the next candidates, signing again for the new list).
 */
export async function adoptRepairers (ctx: MeshContext, ref: FileRef, options: { signal?: AbortSignal } = {}): Promise<AdoptResult> {
  const { signal } = options
  const service = repairService(ctx)
  if (service === undefined) throw new NotFoundError('This node has no repair service')
  const want = Math.min(MAX_CAP_REPAIRERS, Math.max(1, ctx.config.repairers ?? DEFAULT_REPAIRERS))
  const queue = await repairerCandidates(ctx, signal)
  const failed: AdoptResult['failed'] = []
  let chosen = queue.splice(0, want)
  if (chosen.length === 0) throw new InsufficientPeersError('No always-on storage peer is connected to take on repairs', { reason: 'no-repairers', have: 0, want })
  let key = typeof ref === 'string' ? ref : ref.key
  let seq = 0
  for (let round = 0; round < 3; round++) {
    const { signed, cap, key: fileKey } = await fileCapability(ctx, ref, chosen, signal, seq + 1)
    key = fileKey
    seq = cap.seq
    const refused: string[] = []
    await Promise.all(chosen.map(async peer => {
      try {
        await service.adopt(peerIdFromString(peer), signed, { signal: AbortSignal.any([...(signal !== undefined ? [signal] : []), AbortSignal.timeout(ctx.config.requestTimeout)]) })
      } catch (err) {
        if (signal?.aborted === true) throw err
        failed.push({ peer, error: errorName(err) })
        refused.push(peer)
      }
    }))
    if (refused.length === 0 || queue.length === 0) {
      return { key, seq, repairers: chosen.filter(p => !refused.includes(p)), failed }
    }
    chosen = [...chosen.filter(p => !refused.includes(p)), ...queue.splice(0, refused.length)]
  }
  return { key, seq, repairers: [], failed }
}

/** `adoptRepairers`, with a failure turned into a 'durability:warning' (after a put, in the keeper). */
export async function adoptOrWarn (ctx: MeshContext, ref: FileRef, signal?: AbortSignal): Promise<AdoptResult | undefined> {
  try {
    const result = await adoptRepairers(ctx, ref, signal !== undefined ? { signal } : {})
    const want = Math.max(1, ctx.config.repairers ?? DEFAULT_REPAIRERS)
    if (result.repairers.length < want) {
      ctx.events.dispatch('durability:warning', {
        message: `${result.repairers.length} of ${want} repairers took on this file: it is repaired while you are away only as far as they can`,
        reason: 'repair-not-adopted',
        key: result.key,
        have: result.repairers.length,
        want
      })
    }
    return result
  } catch (err) {
    if (signal?.aborted === true) return undefined
    const want = Math.max(1, ctx.config.repairers ?? DEFAULT_REPAIRERS)
    ctx.events.dispatch('durability:warning', {
      message: `No repairer took on this file (${errorName(err)}): it is repaired only while your tab is open`,
      reason: 'repair-not-adopted',
      ...(typeof ref === 'string' ? {} : { key: ref.key }),
      have: 0,
      want
    })
    return undefined
  }
}

/** Every file of the index given to its repairers again (a fresh capability, 90 days from now). */
export async function adoptAll (ctx: MeshContext, signal?: AbortSignal): Promise<{ files: number, adopted: number, failed: string[] }> {
  await ctx.index.load()
  const out = { files: 0, adopted: 0, failed: [] as string[] }
  for (const entry of ctx.index.entries()) {
    signal?.throwIfAborted()
    out.files++
    const result = await adoptOrWarn(ctx, entry.key, signal)
    if (result !== undefined && result.repairers.length > 0) out.adopted++
    else out.failed.push(entry.key)
  }
  // nothing taken on (no storage peer connected yet, just after unlock): the keeper tries again within the hour
  if (out.files > 0 && out.adopted === 0) throw new InsufficientPeersError('No repairer took on any file', { reason: 'no-repairers', have: 0, want: out.files })
  return out
}

/** Take the capability of file `key` back from every connected storage peer, signed by the file's repair key `signer`. */
export async function releaseRepairers (ctx: MeshContext, key: string, signer: Signer, signal?: AbortSignal): Promise<ReleaseResult> {
  const result: ReleaseResult = { key, released: [], failed: [] }
  const service = repairService(ctx)
  if (service === undefined) return result
  const seq = ctx.now() + CAPABILITY_MS // every capability signed before now, whatever the device's clock said then
  const peers = (await ctx.peers.candidates({ includeFull: true, ...(signal !== undefined ? { signal } : {}) })).filter(c => !c.self && c.nodeType === 'storage')
  await Promise.all(peers.map(async ({ peerId }) => {
    try {
      await service.release(peerIdFromString(peerId), seq, signer, { signal: AbortSignal.any([...(signal !== undefined ? [signal] : []), AbortSignal.timeout(ctx.config.requestTimeout)]) })
      result.released.push(peerId)
    } catch (err) {
      if (signal?.aborted === true) throw err
      result.failed.push({ peer: peerId, error: errorName(err) })
    }
  }))
  return result
}
