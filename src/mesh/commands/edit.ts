/**
 * rename, tag, copy: changes to the owner's index. A rename or a new set of
 * tags changes the index entry only: the sealed manifest (and so the name a
 * share link shows) keeps what the file was stored with, and the file key
 * stays the same, so links already shared keep working. A copy is a new file
 * (new file key, new shards) with the same bytes.
 */
import { NotFoundError } from '../../core/errors.ts'
import type { MeshContext } from '../context.ts'
import { findEntry } from '../resolve.ts'
import type { MeshOptions, PutResult } from '../types.ts'
import { getStream } from './get.ts'
import type { ListedFile } from './list.ts'
import { checkName, checkTags, put } from './put.ts'

async function entryOf (ctx: MeshContext, ref: string): Promise<string> {
  const entry = await findEntry(ctx, ref)
  if (entry === undefined) throw new NotFoundError('No file of this name or key in the index', { ref })
  return entry.key
}

async function update (ctx: MeshContext, ref: string, change: { name?: string, tags?: string[] }): Promise<ListedFile> {
  const key = await entryOf(ctx, ref)
  const updated = await ctx.index.update(key, change)
  if (updated === undefined) throw new NotFoundError('The file left the index meanwhile', { ref })
  ctx.events.dispatch('index:changed', { op: 'update', key, entries: ctx.index.size })
  const { wrappedKey, ...listed } = updated
  return { ...listed, tags: [...listed.tags], manifestHolders: [...listed.manifestHolders] }
}

/** Give a file another name in the index (AlreadyExistsError when it is taken). */
export async function rename (ctx: MeshContext, ref: string, name: string): Promise<ListedFile> {
  checkName(name)
  return await update(ctx, ref, { name })
}

/** Replace a file's tags (duplicates dropped). */
export async function setTags (ctx: MeshContext, ref: string, tags: string[]): Promise<ListedFile> {
  checkTags(tags)
  return await update(ctx, ref, { tags })
}

/** Store a second, independent copy of a file under a new name. */
export async function copy (ctx: MeshContext, ref: string, name: string, options: MeshOptions = {}): Promise<PutResult> {
  checkName(name)
  await ctx.index.load()
  ctx.index.checkFree(name)
  const key = await entryOf(ctx, ref)
  const entry = ctx.index.get(key)
  if (entry === undefined) throw new NotFoundError('The file left the index meanwhile', { ref })
  const { stream } = await getStream(ctx, key, options.signal !== undefined ? { signal: options.signal } : {})
  return await put(ctx, stream, { ...options, name, type: entry.type, tags: [...entry.tags] })
}
