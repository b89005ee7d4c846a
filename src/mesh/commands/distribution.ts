/**
 * distribution: for every shard of a file, where the put placed it and
 * which reachable peers hold it now.
 */
import { wipe } from '../../core/bytes.ts'
import type { MeshContext } from '../context.ts'
import { loadManifest, resolveFile } from '../resolve.ts'
import { manifestShards, survey } from '../survey.ts'
import type { FileRef, MeshOptions, ShardPlacement } from '../types.ts'

export async function distribution (ctx: MeshContext, ref: FileRef, options: MeshOptions = {}): Promise<ShardPlacement[]> {
  const file = await resolveFile(ctx, ref)
  let manifest
  try {
    manifest = (await loadManifest(ctx, file, options.signal)).manifest
  } finally {
    if (typeof ref === 'string') wipe(file.fileKey)
  }
  const { ids, hints } = manifestShards(manifest)
  const { holdings } = await survey(ctx, ids, hints, options.signal)
  const total = manifest.coding.k + manifest.coding.m
  return ids.map((id, n) => ({
    stripe: Math.floor(n / total),
    shard: n % total,
    id: id.toString(),
    hint: hints[n] ?? '',
    holders: [...holdings].filter(([, has]) => has[n] === true).map(([peer]) => peer).sort()
  }))
}
