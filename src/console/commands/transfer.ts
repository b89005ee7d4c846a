/** put, get, duplicate: the commands that move a file's bytes, with progress and cancellation. */
import { throwIfAborted } from '../../core/errors.ts'
import { InvalidValueError } from '../errors.ts'
import type { Command, CommandContext } from '../types.ts'
import { formatBytes, plural } from '../../api/format.ts'
import { progressReporter, refPassword, splitTags } from './common.ts'

export const put: Command = {
  name: 'put',
  group: 'Files',
  summary: 'Encrypt files on this device and spread them over the mesh',
  description: 'Opens a file picker. Each file is encrypted here, erasure-coded into 4 data + 2 parity shards per stripe and stored on six peers. Esc or Ctrl+C cancels (nothing is kept).',
  flags: [
    { name: 'name', type: 'string', summary: 'Store the file under this name (one file only)' },
    { name: 'tags', type: 'string', value: 'tag,tag', summary: 'Tags, separated by commas' },
    { name: 'type', type: 'string', value: 'mime', summary: 'The MIME type, when the picker does not know it' }
  ],
  examples: [
    { line: 'put', says: 'choose files and store them under their own names' },
    { line: 'put --name report.pdf --tags work,2025', says: 'store one file as report.pdf, tagged work and 2025' }
  ],
  run: async (ctx, p) => {
    const files = await ctx.host.pickFiles()
    if (files.length === 0) { ctx.out.text('No file chosen: nothing was stored.', 'muted'); return }
    const name = p.string('name')
    if (name !== undefined && files.length > 1) throw new InvalidValueError(`--name names one file, but ${files.length} were chosen`)
    const tags = splitTags(p.string('tags'))
    for (const [i, file] of files.entries()) {
      throwIfAborted(ctx.signal)
      const fileName = name ?? file.name
      const type = p.string('type') ?? (file.type !== '' ? file.type : undefined)
      const progress = progressReporter(ctx, `put-${i}`, `Storing ${fileName}`, file.size)
      const result = await ctx.backend.put(file, {
        name: fileName,
        ...(type !== undefined ? { type } : {}),
        ...(tags.length > 0 ? { tags } : {}),
        signal: ctx.signal,
        onProgress: progress.onProgress
      })
      progress.finish()
      ctx.counters.bytesPut += file.size
      ctx.out.pairs([['Stored', fileName], ['Size', formatBytes(file.size)], ['Key', result.key]])
      for (const w of result.warnings) ctx.out.text(w, 'warn')
    }
    if (files.length > 1) ctx.out.text(`${plural(files.length, 'file')} stored.`, 'ok')
  }
}

/** Name, type and size for the save dialog: from the owner's list when it is theirs, else from the manifest. */
async function describe (ctx: CommandContext, ref: string, password: string | undefined): Promise<{ name: string, type: string, size: number }> {
  try {
    const mine = (await ctx.backend.list()).find(f => f.name === ref || f.key === ref)
    if (mine !== undefined) return mine
  } catch { /* locked keys: a share link still opens */ }
  return await ctx.backend.info(ref, { signal: ctx.signal, ...(password !== undefined ? { password } : {}) })
}

export const get: Command = {
  name: 'get',
  group: 'Files',
  summary: 'Fetch a file from the mesh and save it on this device',
  description: 'Any 4 verified shards of each stripe rebuild the file, which is decrypted here and saved as it arrives. Esc or Ctrl+C cancels.',
  args: [
    { name: 'file', summary: 'A name from list, a file key, or a share link', complete: 'file' },
    { name: 'save-as', summary: 'The name to save it under (default: its own name)', optional: true }
  ],
  flags: [
    { name: 'password', type: 'boolean', summary: 'Ask for the share link\'s password (asked anyway for a password link)' }
  ],
  examples: [
    { line: 'get report.pdf', says: 'save report.pdf' },
    { line: 'get report.pdf copy.pdf', says: 'save it as copy.pdf' },
    { line: "get 'https://mesh.example.org/#/s/bafk…/p/…'", says: 'save a file shared with a password (asked for)' }
  ],
  run: async (ctx, p) => {
    const ref = p.arg('file') as string
    const password = await refPassword(ctx, ref, p.bool('password'))
    const meta = await describe(ctx, ref, password)
    const name = p.arg('save-as') ?? meta.name
    const progress = progressReporter(ctx, 'get', `Fetching ${name}`, meta.size)
    const stream = await ctx.backend.getStream(ref, { signal: ctx.signal, onProgress: progress.onProgress, ...(password !== undefined ? { password } : {}) })
    await ctx.host.save(stream, { name, size: meta.size, ...(meta.type !== '' ? { type: meta.type } : {}) }, { signal: ctx.signal })
    throwIfAborted(ctx.signal)
    progress.finish()
    ctx.counters.bytesGot += meta.size
    ctx.out.text(`Saved ${name} (${formatBytes(meta.size)}).`, 'ok')
  }
}

export const duplicate: Command = {
  name: 'duplicate',
  aliases: ['cp'],
  group: 'Files',
  summary: 'Store an independent copy of a file under a new name',
  description: 'The copy has its own key: deleting one leaves the other. Esc or Ctrl+C cancels.',
  args: [
    { name: 'file', summary: 'The file to copy: a name from list or a key', complete: 'file' },
    { name: 'new-name', summary: 'The copy\'s name' }
  ],
  examples: [
    { line: 'cp report.pdf report-v2.pdf', says: 'copy report.pdf to report-v2.pdf' }
  ],
  run: async (ctx, p) => {
    const from = p.arg('file') as string
    const to = p.arg('new-name') as string
    const progress = progressReporter(ctx, 'copy', `Copying ${from} to ${to}`)
    const result = await ctx.backend.duplicate(from, to, { signal: ctx.signal, onProgress: progress.onProgress })
    progress.finish()
    ctx.out.pairs([['Copied', `${from} → ${to}`], ['Key', result.key]])
    for (const w of result.warnings) ctx.out.text(w, 'warn')
  }
}
