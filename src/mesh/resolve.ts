/**
 * From what a caller names (an index name, a file key, or a share) to the
 * file key, its 32-byte secret, and the opened manifest fetched from the mesh.
 *
 * The sealed manifest is kept in the mesh as a raw shard whose id is
 * CIDv1(raw 0x55, the file key's BLAKE3 multihash): the same bytes under the
 * raw codec, so every holder can verify it like any other shard.
 */
import { CID } from 'multiformats/cid'
import { InvalidParametersError, NotFoundError } from '../core/errors.ts'
import { RAW_CODEC } from '../core/hash.ts'
import { openManifest, parseFileKey, type OpenedManifest } from '../core/manifest.ts'
import type { MeshContext } from './context.ts'
import { fetchShard } from './locate.ts'
import type { FileRef, IndexEntry } from './types.ts'

/** The shard id a file's sealed manifest is stored under. */
export function manifestShardId (key: string | CID): CID {
  return CID.createV1(RAW_CODEC, parseFileKey(key).multihash)
}

export interface ResolvedFile {
  key: string
  fileKey: Uint8Array
  /** the owner's index entry, when the file is in this index */
  entry?: IndexEntry
}

/** The index entry a name or key stands for, or undefined. */
export async function findEntry (ctx: MeshContext, ref: string): Promise<IndexEntry | undefined> {
  await ctx.index.load()
  return ctx.index.byName(ref) ?? ctx.index.get(ref)
}

/** Resolve a reference; NotFoundError for an unknown name or key. */
export async function resolveFile (ctx: MeshContext, ref: FileRef): Promise<ResolvedFile> {
  if (typeof ref !== 'string') {
    if (typeof ref?.key !== 'string' || !(ref.fileKey instanceof Uint8Array) || ref.fileKey.byteLength !== 32) {
      throw new InvalidParametersError('A share is { key: string, fileKey: 32 bytes }')
    }
    const key = parseFileKey(ref.key).toString()
    const entry = await findEntry(ctx, key)
    return { key, fileKey: ref.fileKey, ...(entry !== undefined ? { entry } : {}) }
  }
  const entry = await findEntry(ctx, ref)
  if (entry === undefined) throw new NotFoundError('No file of this name or key in the index', { ref })
  return { key: entry.key, fileKey: await ctx.keys.open(entry.wrappedKey), entry }
}

/** Fetch and open a file's manifest (hash, decryption and owner signature checked). */
export async function loadManifest (ctx: MeshContext, file: ResolvedFile, signal?: AbortSignal): Promise<OpenedManifest> {
  const id = manifestShardId(file.key)
  const sealed = await fetchShard(ctx, id, {
    ...(signal !== undefined ? { signal } : {}),
    hints: file.entry?.manifestHolders ?? [],
    askConnected: true
  })
  if (sealed === undefined) throw new NotFoundError('No reachable peer has this file\'s manifest', { key: file.key })
  return await openManifest(sealed, file.fileKey, file.key)
}
