/**
 * share: what someone else needs to read one file: its key and its file key.
 * Whoever gets it can read the file (and nothing else); put it only in a
 * URL fragment or another channel the recipient alone sees.
 */
import type { MeshContext } from '../context.ts'
import { resolveFile } from '../resolve.ts'
import type { FileShare } from '../types.ts'

export async function share (ctx: MeshContext, nameOrKey: string): Promise<FileShare> {
  const { key, fileKey } = await resolveFile(ctx, nameOrKey)
  return { key, fileKey }
}
