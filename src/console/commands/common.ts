/** What several commands share: file tables, password prompts, progress. */
import type { ApiFile } from '../../api/types.ts'
import type { MeshProgressEvent } from '../../mesh/index.ts'
import { AbortedError, NotFoundError } from '../../core/errors.ts'
import { InvalidValueError } from '../errors.ts'
import type { CommandContext } from '../types.ts'
import { formatBytes, formatTimestamp, plural } from '../../api/format.ts'

/** progress blocks are sent at most this often (ms), besides the first and the last */
const PROGRESS_INTERVAL = 100

export const FILE_COLUMNS = ['Name', 'Size', 'Type', 'Tags', 'Added']

export function fileRow (f: ApiFile): string[] {
  return [f.name, formatBytes(f.size), f.type === '' ? '—' : f.type, f.tags.join(', '), formatTimestamp(f.created)]
}

/** Files as a table (with their keys when asked), or a line saying there are none. */
export function showFiles (ctx: CommandContext, files: readonly ApiFile[], options: { empty: string, keys?: boolean, extra?: { column: string, cell: (f: ApiFile) => string } }): void {
  if (files.length === 0) { ctx.out.text(options.empty, 'muted'); return }
  const columns = [...FILE_COLUMNS, ...(options.extra !== undefined ? [options.extra.column] : []), ...(options.keys === true ? ['Key'] : [])]
  ctx.out.table(columns, files.map(f => [...fileRow(f), ...(options.extra !== undefined ? [options.extra.cell(f)] : []), ...(options.keys === true ? [f.key] : [])]))
}

/** "3 files, 12 MB" */
export function filesSummary (files: readonly ApiFile[]): string {
  return `${plural(files.length, 'file')}, ${formatBytes(files.reduce((s, f) => s + f.size, 0))}`
}

/** One of the owner's files by exact name or key. */
export async function findFile (ctx: CommandContext, ref: string): Promise<ApiFile> {
  const found = (await ctx.backend.list()).find(f => f.name === ref || f.key === ref)
  if (found === undefined) throw new NotFoundError(`No file named '${ref}' in your list`)
  return found
}

/** "a, b" from --tags: trimmed, no empties, no repeats */
export function splitTags (text: string | undefined): string[] {
  if (text === undefined) return []
  return [...new Set(text.split(',').map(t => t.trim()).filter(t => t !== ''))]
}

/** A password from the host, or AbortedError when the person cancelled. */
export async function askPassword (ctx: CommandContext, label: string): Promise<string> {
  const password = await ctx.host.promptPassword(label)
  if (password === undefined) throw new AbortedError('Cancelled: no password given')
  return password
}

/** A new password, asked twice. */
export async function askNewPassword (ctx: CommandContext, label: string): Promise<string> {
  const first = await askPassword(ctx, label)
  if (first === '') throw new InvalidValueError('The password is empty')
  const again = await askPassword(ctx, `${label} (again)`)
  if (again !== first) throw new InvalidValueError('The two passwords differ: nothing was changed')
  return first
}

/** A password-protected share link (…#/s/<key>/p/…) */
export function isPasswordLink (ref: string): boolean {
  return /#\/s\/[a-z0-9]+\/p\//.test(ref)
}

/** The password a ref needs: asked when --password was given or the link is password-protected. */
export async function refPassword (ctx: CommandContext, ref: string, asked: boolean): Promise<string | undefined> {
  return asked || isPasswordLink(ref) ? await askPassword(ctx, 'Password of the share link') : undefined
}

/**
 * A progress callback for put, get and duplicate that writes one progress
 * block (by id), at most every PROGRESS_INTERVAL ms.
 */
export function progressReporter (ctx: CommandContext, id: string, label: string, total?: number): { onProgress: (e: MeshProgressEvent) => void, finish: () => void } {
  let done = 0
  let shards = 0
  let last = -Infinity
  let known = total
  const send = (): void => {
    last = ctx.now()
    ctx.out.progress(id, label, done, known, shards > 0 ? `${plural(shards, 'shard')} stored` : undefined)
  }
  send()
  return {
    onProgress: e => {
      if (e.type === 'put:encoded' || e.type === 'get:decoded') {
        done = e.bytesDone
        if (e.bytesTotal !== undefined) known = e.bytesTotal
      } else if (e.type === 'put:stored') {
        shards = e.shardsStored
      } else {
        return
      }
      if (ctx.now() - last >= PROGRESS_INTERVAL) send()
    },
    finish: () => {
      if (known !== undefined) done = known
      send()
    }
  }
}
