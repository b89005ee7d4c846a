/** check, audit: whether a file's holders still keep its shards, proven now. */
import type { Command, CommandContext } from '../types.ts'
import { formatTimestamp, plural, shortId } from '../../api/format.ts'
import type { FileCheck } from '../../mesh/index.ts'
import { refPassword } from './common.ts'

const FILE_ARG = { name: 'file', summary: 'A name from list, a file key, or a share link', complete: 'file' as const }
const PASSWORD_FLAG = { name: 'password', type: 'boolean' as const, summary: 'Ask for the share link\'s password' }

/** One line on what a check found, with its tone. */
function verdict (c: FileCheck): [string, 'ok' | 'warn'] {
  const rebuild = `any ${c.k} of ${c.n} rebuild each stripe`
  switch (c.state) {
    case 'healthy': return [`Healthy: all ${c.n} shards of every stripe proven by their holders (${rebuild}).`, 'ok']
    case 'degraded': return [`Degraded: ${c.health} of ${c.n} shards proven in the weakest stripe (${rebuild}); still readable.`, 'warn']
    case 'at-risk': return [`At risk: only ${c.health} of ${c.n} shards proven in the weakest stripe, the fewest that rebuild it. One more loss and it cannot be read: keep a copy, or store it again.`, 'warn']
    case 'lost': return [`Not readable now: ${c.health} of ${c.n} shards proven in the weakest stripe, fewer than the ${c.k} it needs. Holders that are unreachable for now may still come back.`, 'warn']
  }
}

async function options (ctx: CommandContext, ref: string, askPassword: boolean): Promise<{ signal: AbortSignal, password?: string }> {
  const password = await refPassword(ctx, ref, askPassword)
  return { signal: ctx.signal, ...(password !== undefined ? { password } : {}) }
}

export const check: Command = {
  name: 'check',
  group: 'Files',
  summary: 'Is a file safe? Audits every holder of its shards now',
  description: 'Each holder proves it still keeps its shard by answering a fresh challenge (16 KiB parts of the shard chosen at random, checked against the shard\'s id). ' +
    'Health is how many of a stripe\'s shards are proven, in the weakest stripe; a holder that cannot be reached counts as unknown for 6 hours, then as lost.',
  args: [FILE_ARG],
  flags: [PASSWORD_FLAG],
  examples: [{ line: 'check report.pdf', says: 'audit the holders of report.pdf\'s shards' }],
  run: async (ctx, p) => {
    const ref = p.arg('file') as string
    const c = await ctx.backend.check(ref, await options(ctx, ref, p.bool('password')))
    ctx.out.pairs([
      ['State', c.state],
      ['Health', `${c.health} of ${c.n} shards (any ${c.k} rebuild a stripe)`],
      ['Stripes', String(c.stripes.length)],
      ['Checked', formatTimestamp(c.checkedAt)]
    ])
    const weak = c.stripes.filter(s => s.verified < c.n)
    if (weak.length > 0) {
      ctx.out.table(['Stripe', 'Proven', 'Unknown', 'Lost'], weak.map(s => [String(s.index), String(s.verified), String(s.unknown), String(s.lost)]))
    }
    const [text, tone] = verdict(c)
    ctx.out.text(text, tone)
  }
}

export const audit: Command = {
  name: 'audit',
  group: 'Files',
  summary: 'Challenge every holder of a file\'s shards now and show each answer',
  description: 'Outcomes: pass (proof checked), fail (wrong bytes, size or proof), lost (the holder does not have it), timeout, unreachable.',
  args: [FILE_ARG],
  flags: [PASSWORD_FLAG, { name: 'long', type: 'boolean', short: 'l', summary: 'Show whole ids' }],
  examples: [{ line: 'audit report.pdf', says: 'each holder\'s answer for report.pdf' }],
  run: async (ctx, p) => {
    const ref = p.arg('file') as string
    const run = await ctx.backend.audit(ref, await options(ctx, ref, p.bool('password')))
    const id = (s: string): string => p.bool('long') ? s : shortId(s)
    ctx.out.table(['Stripe', 'Shard', 'Holder', 'Outcome', 'Status'], run.audits.map(a => [
      String(a.stripe), String(a.shard), id(a.peerId), a.reason === undefined ? a.outcome : `${a.outcome} (${a.reason})`, a.status
    ]))
    const passed = run.audits.filter(a => a.outcome === 'pass').length
    ctx.out.text(`${plural(run.audits.length, 'holder')} audited, ${passed} passed; the file is ${run.state} (health ${run.health}).`, passed === run.audits.length && run.state === 'healthy' ? 'ok' : 'warn')
  }
}
