/** list, info, rename, tags, rm, index: the owner's file list. */
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Command } from '../types.ts'
import { formatBytes, formatTimestamp, plural } from '../../api/format.ts'
import { filesSummary, findFile, refPassword, showFiles } from './common.ts'

export const list: Command = {
  name: 'list',
  aliases: ['ls'],
  group: 'Files',
  summary: 'Your files, newest first',
  flags: [
    { name: 'tag', type: 'string', summary: 'Only files with this tag' },
    { name: 'keys', type: 'boolean', short: 'k', summary: 'Show each file\'s key' }
  ],
  examples: [
    { line: 'ls', says: 'list every file' },
    { line: 'list --tag work --keys', says: 'files tagged work, with their keys' }
  ],
  run: async (ctx, p) => {
    const tag = p.string('tag')
    const files = await ctx.backend.list(tag !== undefined ? { tag } : undefined)
    showFiles(ctx, files, { keys: p.bool('keys'), empty: tag !== undefined ? `No file is tagged ${tag}.` : 'No files yet: put stores one.' })
    if (files.length > 0) ctx.out.text(filesSummary(files), 'muted')
  }
}

export const info: Command = {
  name: 'info',
  group: 'Files',
  summary: 'Everything about one file: size, type, tags, stripes, coding, owner',
  description: 'Reads the file\'s manifest from the mesh and checks its signature.',
  args: [{ name: 'file', summary: 'A name from list, a file key, or a share link', complete: 'file' }],
  flags: [{ name: 'password', type: 'boolean', summary: 'Ask for the share link\'s password' }],
  examples: [{ line: 'info report.pdf', says: 'show report.pdf\'s details' }],
  run: async (ctx, p) => {
    const ref = p.arg('file') as string
    const password = await refPassword(ctx, ref, p.bool('password'))
    const i = await ctx.backend.info(ref, { signal: ctx.signal, ...(password !== undefined ? { password } : {}) })
    const ownerHex = bytesToHex(i.owner)
    let owner = `${ownerHex.slice(0, 16)}… (Ed25519)`
    try {
      const key = (await ctx.backend.keys()).find(k => bytesToHex(k.publicKey.ed25519) === ownerHex)
      if (key !== undefined) owner = `you (key ${key.name})`
    } catch { /* keys unavailable: show the raw key */ }
    ctx.out.pairs([
      ['Name', i.name],
      ['Key', i.key],
      ['Size', `${formatBytes(i.size)} (${i.size} bytes)`],
      ['Type', i.type === '' ? 'unknown' : i.type],
      ['Tags', i.tags.length === 0 ? 'none' : i.tags.join(', ')],
      ['Added', formatTimestamp(i.created)],
      ['Stripes', `${i.stripes} (up to ${formatBytes(i.coding.stripeSize)} of the file each)`],
      ['Coding', `${i.coding.k} data + ${i.coding.m} parity shards per stripe (any ${i.coding.k} rebuild it)`],
      ['Owner', owner],
      ['Manifest on', plural(i.manifestHolders.length, 'peer')]
    ])
  }
}

export const rename: Command = {
  name: 'rename',
  aliases: ['mv'],
  group: 'Files',
  summary: 'Give a file a new name (its key and share links stay the same)',
  args: [
    { name: 'file', summary: 'The file: a name from list or a key', complete: 'file' },
    { name: 'new-name', summary: 'The new name' }
  ],
  examples: [{ line: "rename draft.txt 'final report.txt'", says: 'rename draft.txt' }],
  run: async (ctx, p) => {
    const renamed = await ctx.backend.rename(p.arg('file') as string, p.arg('new-name') as string)
    ctx.out.text(`Renamed ${p.arg('file') as string} to ${renamed.name}.`, 'ok')
  }
}

export const tags: Command = {
  name: 'tags',
  group: 'Files',
  summary: 'Show, add or remove tags',
  default: 'show',
  examples: [],
  subcommands: [
    {
      name: 'show',
      summary: 'A file\'s tags, or every tag in use with how many files carry it',
      args: [{ name: 'file', summary: 'The file (default: all tags)', optional: true, complete: 'file' }],
      examples: [
        { line: 'tags', says: 'every tag and its number of files' },
        { line: 'tags report.pdf', says: 'report.pdf\'s tags' }
      ],
      run: async (ctx, p) => {
        const file = p.arg('file')
        if (file !== undefined) {
          const f = await findFile(ctx, file)
          ctx.out.text(f.tags.length === 0 ? `${f.name} has no tags.` : f.tags.join(', '))
          return
        }
        const counts = new Map<string, number>()
        for (const f of await ctx.backend.list()) for (const t of f.tags) counts.set(t, (counts.get(t) ?? 0) + 1)
        if (counts.size === 0) { ctx.out.text('No tags yet: tags add <file> <tag> adds one.', 'muted'); return }
        ctx.out.table(['Tag', 'Files'], [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t, n]) => [t, String(n)]))
      }
    },
    {
      name: 'add',
      summary: 'Add tags to a file',
      args: [
        { name: 'file', summary: 'The file', complete: 'file' },
        { name: 'tag', summary: 'Tags to add', variadic: true }
      ],
      examples: [{ line: 'tags add report.pdf work 2025', says: 'tag report.pdf with work and 2025' }],
      run: async (ctx, p) => {
        const f = await findFile(ctx, p.arg('file') as string)
        const next = [...new Set([...f.tags, ...p.rest('tag')])]
        const saved = await ctx.backend.setTags(f.key, next)
        ctx.out.text(`${saved.name}: ${saved.tags.join(', ')}`, 'ok')
      }
    },
    {
      name: 'remove',
      aliases: ['rm'],
      summary: 'Remove tags from a file',
      args: [
        { name: 'file', summary: 'The file', complete: 'file' },
        { name: 'tag', summary: 'Tags to remove', variadic: true }
      ],
      examples: [{ line: 'tags remove report.pdf 2025', says: 'take the 2025 tag off report.pdf' }],
      run: async (ctx, p) => {
        const f = await findFile(ctx, p.arg('file') as string)
        const drop = p.rest('tag')
        const absent = drop.filter(t => !f.tags.includes(t))
        if (absent.length === drop.length) { ctx.out.text(`${f.name} has none of these tags: nothing changed.`, 'warn'); return }
        const saved = await ctx.backend.setTags(f.key, f.tags.filter(t => !drop.includes(t)))
        ctx.out.text(`${saved.name}: ${saved.tags.length === 0 ? 'no tags' : saved.tags.join(', ')}`, 'ok')
        if (absent.length > 0) ctx.out.text(`It did not have: ${absent.join(', ')}`, 'muted')
      }
    }
  ]
}

export const rm: Command = {
  name: 'rm',
  aliases: ['delete'],
  group: 'Files',
  summary: 'Delete files from the mesh (asks first)',
  description: 'Signed deletes go to every holder of every shard. This cannot be undone: share links stop working.',
  args: [{ name: 'file', summary: 'Files to delete: names from list or keys', variadic: true, complete: 'file' }],
  flags: [{ name: 'yes', type: 'boolean', short: 'y', summary: 'Do not ask for confirmation' }],
  examples: [
    { line: 'rm old.zip', says: 'delete old.zip after confirming' },
    { line: 'delete a.txt b.txt --yes', says: 'delete two files without asking' }
  ],
  run: async (ctx, p) => {
    const refs = p.rest('file')
    if (!p.bool('yes')) {
      const what = refs.length === 1 ? refs[0] as string : plural(refs.length, 'file')
      if (!await ctx.host.confirm(`Delete ${what} from every peer? This cannot be undone.`)) {
        ctx.out.text('Nothing was deleted.', 'muted')
        return
      }
    }
    for (const ref of refs) {
      const result = await ctx.backend.delete(ref)
      ctx.out.text(`Deleted ${ref}: ${plural(result.removed, 'shard copy', 'shard copies')} removed.`, 'ok')
      if (result.failed.length > 0) {
        ctx.out.text(`${plural(result.failed.length, 'delete')} did not reach ${result.failed.length === 1 ? 'its holder' : 'their holders'} (the copies may remain until those peers clean up).`, 'warn')
      }
    }
  }
}

export const index: Command = {
  name: 'index',
  group: 'Files',
  summary: 'Back up your encrypted file list to the mesh, or restore it',
  description: 'The list is backed up by itself after every change; restore merges the backup into this device\'s list (your keys alone find it, e.g. on a new device).',
  examples: [],
  subcommands: [
    {
      name: 'backup',
      summary: 'Store the encrypted file list in the mesh now',
      examples: [{ line: 'index backup', says: 'back up the file list' }],
      run: async (ctx) => {
        const r = await ctx.backend.backupIndex()
        ctx.out.pairs([['Files', String(r.entries)], ['Version', String(r.seq)], ['Held by', plural(r.holders.length, 'peer')]])
      }
    },
    {
      name: 'restore',
      summary: 'Find the backup through your keys and merge it into this list',
      examples: [{ line: 'index restore', says: 'bring back the file list on a new device' }],
      run: async (ctx) => {
        const r = await ctx.backend.restoreIndex()
        ctx.out.text(`Restored version ${r.seq}: ${plural(r.added, 'file')} added, ${r.total} in your list.`, 'ok')
      }
    }
  ]
}
