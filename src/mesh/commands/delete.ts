/**
 * delete: remove a file from the mesh and from the index.
 *
 * Only the owner may: the manifest's signer must be this mesh's owner
 * (NotAllowedError otherwise, before anything is sent), and holders check
 * the signature of every delete themselves. Every reachable holder of every
 * shard and of the manifest gets a signed delete; copies that could not be
 * deleted (unreachable holders) are reported in `failed`. The index entry
 * is removed and a tombstone for the file's key recorded (also when this
 * device did not list it: another device may), and saved, before any copy
 * is deleted: when that save fails, the entry comes back and nothing was
 * deleted, so the index never lists a file whose copies are gone. The
 * tombstone travels in the index backups, so a device that still lists the
 * file drops it when it merges, instead of bringing it back (../index-merge.ts).
 */
import { equalBytes, wipe } from '../../core/bytes.ts'
import { NotAllowedError } from '../../core/errors.ts'
import type { Manifest } from '../../core/manifest.ts'
import type { MeshContext } from '../context.ts'
import { errorName, withTimeout } from '../peers.ts'
import { loadManifest, manifestShardId, resolveFile } from '../resolve.ts'
import { manifestShards, survey } from '../survey.ts'
import { deleteOn } from '../transfer.ts'
import { fileRepairSigner } from '../lease-keeper.ts'
import { releaseRepairers } from '../repair-keeper.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import type { DeleteResult, FileRef, MeshOptions } from '../types.ts'

export async function deleteFile (ctx: MeshContext, ref: FileRef, options: MeshOptions = {}): Promise<DeleteResult> {
  const { signal } = options
  const file = await resolveFile(ctx, ref)
  let manifest: Manifest
  // made while the file's key is at hand: it deletes what repairers stored, and releases the capability
  const repairSigner = fileRepairSigner(ctx, file.fileKey)
  try {
    const opened = await loadManifest(ctx, file, signal)
    if (!equalBytes(opened.owner, ctx.keys.signer.publicKey)) throw new NotAllowedError('Only the file\'s owner may delete it', { reason: 'not-owner', key: file.key })
    manifest = opened.manifest
  } finally {
    if (typeof ref === 'string') wipe(file.fileKey)
  }
  if (await ctx.index.remove(file.key)) {
    ctx.events.dispatch('index:changed', { op: 'remove', key: file.key, entries: ctx.index.size })
  }
  const { ids, hints } = manifestShards(manifest)
  const manifestId = manifestShardId(file.key)
  ids.push(manifestId)
  // what each hinted peer should hold, to report what stays on unreachable ones
  const expected = new Map<string, string[]>()
  const expect = (peer: string, id: string): void => { if (peer !== '') expected.set(peer, [...(expected.get(peer) ?? []), id]) }
  hints.forEach((peer, n) => { expect(peer, ids[n]?.toString() ?? '') })
  for (const peer of file.entry?.manifestHolders ?? []) expect(peer, manifestId.toString())
  const found = await survey(ctx, ids, expected.keys(), signal)
  const result: DeleteResult = { removed: 0, failed: [] }
  for (const [peer, error] of found.unreachable) {
    for (const id of expected.get(peer) ?? []) result.failed.push({ peer, id, error })
  }
  await Promise.all([...found.holdings].map(async ([peer, has]) => {
    // one peer's deletes in sequence: a peer serves a few streams at a time
    for (const [n, held] of has.entries()) {
      if (!held) continue
      const id = ids[n]
      if (id === undefined) continue
      try {
        await deleteOn(ctx, peer, id, signal).catch(async (err: unknown) => {
          // a shard a repairer re-created is kept under the file's repair key
          if (!(err instanceof NotAllowedError && err.details.reason === 'not-owner') || peer === ctx.self) throw err
          await ctx.shard.delete(peerIdFromString(peer), id, repairSigner, { signal: withTimeout(signal, ctx.config.requestTimeout) })
        })
        result.removed++
        options.onProgress?.({ type: 'delete:removed', removed: result.removed })
      } catch (err) {
        if (signal?.aborted === true) throw err
        result.failed.push({ peer, id: id.toString(), error: errorName(err) })
      }
    }
  }))
  // the repairers drop the file's capability (failures change nothing: a capability runs out by itself)
  await releaseRepairers(ctx, file.key, repairSigner, signal).catch(() => {})
  return result
}
