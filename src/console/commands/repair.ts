/** repair: re-create a file's lost shards now, from this tab. */
import type { Command } from '../types.ts'
import { formatBytes, plural, shortId } from '../../api/format.ts'
import { refPassword } from './common.ts'

export const repair: Command = {
  name: 'repair',
  group: 'Files',
  summary: 'Re-create a file\'s lost shards now and put them on new peers',
  description: 'Audits every holder of the file\'s shards, re-creates the shards of any stripe that lost one from any ' +
    '4 verified shards (on the encrypted bytes: no key is needed for that), places them on peers that hold nothing of that stripe, ' +
    'and renews the leases of what it found. Storage peers do the same for your files while you are away.',
  args: [{ name: 'file', summary: 'A name from list, or a file key', complete: 'file' }],
  flags: [{ name: 'password', type: 'boolean', summary: 'Ask for the share link\'s password' }],
  examples: [{ line: 'repair report.pdf', says: 're-create what report.pdf lost' }],
  run: async (ctx, p) => {
    const ref = p.arg('file') as string
    const password = await refPassword(ctx, ref, p.bool('password'))
    const r = await ctx.backend.repair(ref, { signal: ctx.signal, ...(password !== undefined ? { password } : {}) })
    ctx.out.pairs([
      ['Audited', plural(r.audited, 'holder')],
      ['Re-created', `${plural(r.repaired.length, 'shard')} (${formatBytes(r.bytesRepaired)}, ${formatBytes(r.bytesFetched)} read)`],
      ['Leases renewed', String(r.renewed)]
    ])
    if (r.repaired.length > 0) {
      ctx.out.table(['Stripe', 'Shard', 'New holder'], r.repaired.map(x => [x.stripe < 0 ? 'manifest' : String(x.stripe), String(x.index), shortId(x.peer)]))
    }
    if (r.unrecoverable > 0) ctx.out.text(`${plural(r.unrecoverable, 'stripe')} kept fewer shards than rebuild it: holders that are unreachable now may come back.`, 'warn')
    else if (r.failures.length > 0) ctx.out.text(`${plural(r.failures.length, 'step')} failed (${[...new Set(r.failures.map(f => f.error))].join(', ')}); try again later.`, 'warn')
    else if (r.degraded === 0) ctx.out.text('Nothing to repair: every stripe has enough shards proven.', 'ok')
    else ctx.out.text('Repaired.', 'ok')
  }
}
