/** cleanup, leases: the leases this device gives and keeps (src/mesh/lease-keeper.ts). */
import type { Command } from '../types.ts'
import { formatBytes, formatTimestamp, plural, shortId } from '../../api/format.ts'

export const cleanup: Command = {
  name: 'cleanup',
  group: 'System',
  summary: 'Free this device\'s contribution of shards whose owners stopped renewing them',
  description: 'Owners renew the leases of their shards every day they have a tab open; a shard whose lease ended more than 7 days ago ' +
    '(or one kept for no owner for as long) is removed. With --dry-run, lists what would go and removes nothing.',
  flags: [
    { name: 'dry-run', type: 'boolean', short: 'n', summary: 'List what would be removed; remove nothing' },
    { name: 'long', type: 'boolean', short: 'l', summary: 'Show whole ids' }
  ],
  examples: [
    { line: 'cleanup --dry-run', says: 'list the shards a cleanup would remove' },
    { line: 'cleanup', says: 'remove them' }
  ],
  run: async (ctx, p) => {
    const dryRun = p.bool('dry-run')
    const report = await ctx.backend.cleanup({ dryRun })
    if (report.shards.length === 0) {
      ctx.out.text('Nothing to remove: every shard here is within its lease or its 7-day grace.', 'ok')
      return
    }
    const id = (s: string): string => p.bool('long') ? s : shortId(s)
    ctx.out.table(['Shard', 'Size', 'Lease ended', 'Why'], report.shards.map(s => [
      id(s.id), formatBytes(s.size), formatTimestamp(s.leaseUntil), s.reason === 'expired' ? 'lease over' : 'no owner'
    ]))
    const what = `${plural(report.shards.length, 'shard')} (${formatBytes(report.bytes)})`
    ctx.out.text(dryRun ? `${what} would be removed. Run cleanup without --dry-run to remove them.` : `Removed ${what}.`, dryRun ? 'muted' : 'ok')
  }
}

export const leases: Command = {
  name: 'leases',
  group: 'System',
  summary: 'Renew the leases of your files on their holders now',
  description: 'Done by itself when you unlock and every day while a tab is open; each holder keeps your shards 30 days from the last renewal.',
  examples: [{ line: 'leases', says: 'extend every lease now' }],
  run: async (ctx) => {
    const r = await ctx.backend.renewLeases()
    ctx.out.pairs([
      ['Files', String(r.files)],
      ['Shards', String(r.shards)],
      ['Holders', String(r.holders)],
      ['Until', formatTimestamp(r.until)]
    ])
    if (r.missing.length > 0) ctx.out.text(`${plural(r.missing.length, 'file')} could not be reached (no holder of the manifest answered): their shards were not renewed.`, 'warn')
    if (r.failed.length > 0) ctx.out.text(`${plural(r.failed.length, 'holder')} did not answer: ${r.failed.map(f => `${shortId(f.peer)} (${f.error})`).join(', ')}.`, 'warn')
    if (r.unrenewed > 0) ctx.out.text(`${plural(r.unrenewed, 'shard')} renewed on no holder.`, 'warn')
    else ctx.out.text('Every shard found was renewed.', 'ok')
  }
}
