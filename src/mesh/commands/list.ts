/** list: the owner's files, newest first, optionally only those with a tag. */
import type { MeshContext } from '../context.ts'
import type { IndexEntry, ListOptions } from '../types.ts'

export type ListedFile = Omit<IndexEntry, 'wrappedKey'>

export async function list (ctx: MeshContext, options: ListOptions = {}): Promise<ListedFile[]> {
  await ctx.index.load(options.signal !== undefined ? { signal: options.signal } : {})
  return ctx.index.entries()
    .filter(e => options.tag === undefined || e.tags.includes(options.tag))
    .sort((a, b) => b.created - a.created || (a.name < b.name ? -1 : 1))
    .map(({ wrappedKey, ...rest }) => ({ ...rest, tags: [...rest.tags], manifestHolders: [...rest.manifestHolders] }))
}
