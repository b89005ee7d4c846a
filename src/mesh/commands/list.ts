/**
 * list: the owner's files, newest first, optionally only those with a tag.
 * The index keeps its listing sorted until the next change, so a list is a
 * copy of what is already in order (every call returns objects of its own).
 */
import type { MeshContext } from '../context.ts'
import type { ListedEntry } from '../index-store.ts'
import type { ListOptions } from '../types.ts'

export type ListedFile = ListedEntry

export async function list (ctx: MeshContext, options: ListOptions = {}): Promise<ListedFile[]> {
  await ctx.index.load(options.signal !== undefined ? { signal: options.signal } : {})
  const { tag } = options
  const out: ListedFile[] = []
  for (const e of ctx.index.listing()) {
    if (tag !== undefined && !e.tags.includes(tag)) continue
    out.push({ key: e.key, name: e.name, type: e.type, size: e.size, tags: e.tags.slice(), created: e.created, manifestHolders: e.manifestHolders.slice() })
  }
  return out
}
