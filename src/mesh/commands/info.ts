/**
 * info: what the index says about a file, and what its manifest says (fetched
 * from the mesh). The owner's index names and tags win (they follow renames
 * and retags); a recipient of a share sees what the file was stored with.
 */
import { wipe } from '../../core/bytes.ts'
import type { MeshContext } from '../context.ts'
import { loadManifest, resolveFile } from '../resolve.ts'
import type { FileInfo, FileRef, MeshOptions } from '../types.ts'

export async function info (ctx: MeshContext, ref: FileRef, options: MeshOptions = {}): Promise<FileInfo> {
  const file = await resolveFile(ctx, ref)
  try {
    const { manifest, owner } = await loadManifest(ctx, file, options.signal)
    const c = manifest.coding
    return {
      key: file.key,
      name: file.entry?.name ?? manifest.name,
      type: manifest.type,
      size: manifest.size,
      tags: file.entry !== undefined ? [...file.entry.tags] : manifest.tags,
      created: manifest.created,
      manifestHolders: file.entry?.manifestHolders ?? [],
      stripes: manifest.stripes.length,
      coding: { k: c.k, m: c.m, stripeSize: c.stripeSize, segmentSize: c.segmentSize },
      owner
    }
  } finally {
    if (typeof ref === 'string') wipe(file.fileKey)
  }
}
