/** search, recent, popular, stats: finding files in the owner's list, and what it adds up to. */
import type { ApiFile } from '../../api/types.ts'
import { InvalidValueError, MissingArgumentError } from '../errors.ts'
import type { Command, Parsed } from '../types.ts'
import { formatBytes } from '../../api/format.ts'
import { filesSummary, showFiles } from './common.ts'

const LIMIT_FLAG = { name: 'limit', type: 'count', short: 'n', value: 'n', summary: 'Show at most n files (default 10)' } as const
const DEFAULT_LIMIT = 10

/** /pattern/flags as a regular expression, else undefined */
export function regexOf (query: string): RegExp | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(query)
  if (m === null) return undefined
  try {
    return new RegExp(m[1] as string, (m[2] as string).replaceAll('g', '').replaceAll('y', ''))
  } catch (err) {
    throw new InvalidValueError(`'${query}' is not a valid regular expression: ${(err as Error).message}`)
  }
}

/** image matches image/png; pdf matches application/pdf and *.pdf; image/png matches exactly */
export function typeMatches (file: ApiFile, type: string): boolean {
  const want = type.toLowerCase().replace(/^\./, '')
  const mime = file.type.toLowerCase()
  const [major, minor] = mime.split('/')
  if (want.includes('/')) return mime === want
  return major === want || minor === want || file.name.toLowerCase().endsWith(`.${want}`)
}

/** The search predicate built from a query and the filter flags. */
export function searchFilter (query: string | undefined, p: Parsed): (f: ApiFile) => boolean {
  const regex = query !== undefined ? regexOf(query) : undefined
  const text = query?.toLowerCase()
  const type = p.string('type')
  const tag = p.string('tag')
  const min = p.size('min')
  const max = p.size('max')
  const since = p.date('since')
  const until = p.date('until')
  // a day ends where the next begins; an instant is included
  const end = until === undefined ? Infinity : until.from === until.to ? until.to + 1 : until.to
  return f =>
    (regex !== undefined ? regex.test(f.name) : text === undefined || f.name.toLowerCase().includes(text) || f.tags.some(t => t.toLowerCase().includes(text))) &&
    (type === undefined || typeMatches(f, type)) &&
    (tag === undefined || f.tags.includes(tag)) &&
    (min === undefined || f.size >= min) &&
    (max === undefined || f.size <= max) &&
    (since === undefined || f.created >= since.from) &&
    f.created < end
}

export const search: Command = {
  name: 'search',
  aliases: ['find'],
  group: 'Find',
  summary: 'Find files by name or tag text, /regex/, type, size and date',
  description: 'Text matches names and tags, ignoring case; /pattern/i is a regular expression over names. Sizes like 10MB or 512K; dates like 2025-01-31, yesterday, 3d (three days ago).',
  args: [{ name: 'query', summary: 'Text, or /regular expression/ (optional with filters)', optional: true }],
  flags: [
    { name: 'type', type: 'string', value: 'type', summary: 'A MIME type (image/png), its kind (image) or an extension (pdf)' },
    { name: 'tag', type: 'string', summary: 'Only files with this tag' },
    { name: 'min', type: 'size', value: 'size', summary: 'At least this size' },
    { name: 'max', type: 'size', value: 'size', summary: 'At most this size' },
    { name: 'since', type: 'date', value: 'date', summary: 'Added on or after' },
    { name: 'until', type: 'date', value: 'date', summary: 'Added on or before' },
    { name: 'keys', type: 'boolean', short: 'k', summary: 'Show each file\'s key' }
  ],
  examples: [
    { line: 'search report', says: 'files whose name or tags contain "report"' },
    { line: "search '/^IMG_\\d+\\.jpe?g$/i'", says: 'names matching a regular expression' },
    { line: 'search --type image --min 1MB --since 7d', says: 'images of 1 MB or more added this week' },
    { line: 'search --until 2024-12-31 --tag archive', says: 'archive files added by the end of 2024' }
  ],
  run: async (ctx, p) => {
    const query = p.arg('query')
    const filters = ['type', 'tag', 'min', 'max', 'since', 'until']
    if (query === undefined && !filters.some(f => p.string(f) !== undefined || p.size(f) !== undefined || p.date(f) !== undefined)) {
      throw new MissingArgumentError('search needs a query or a filter (--type, --tag, --min, --max, --since, --until)')
    }
    const files = await ctx.backend.list()
    const found = files.filter(searchFilter(query, p))
    showFiles(ctx, found, { keys: p.bool('keys'), empty: 'No file matches.' })
    if (found.length > 0) ctx.out.text(`${filesSummary(found)} of ${files.length} match.`, 'muted')
  }
}

export const recent: Command = {
  name: 'recent',
  group: 'Find',
  summary: 'The files added most recently',
  flags: [
    LIMIT_FLAG,
    { name: 'since', type: 'date', value: 'date', summary: 'Only files added on or after' }
  ],
  examples: [
    { line: 'recent', says: 'the last 10 files added' },
    { line: 'recent --since yesterday -n 50', says: 'up to 50 files added since yesterday' }
  ],
  run: async (ctx, p) => {
    const since = p.date('since')
    const files = (await ctx.backend.list())
      .filter(f => since === undefined || f.created >= since.from)
      .sort((a, b) => b.created - a.created)
      .slice(0, p.count('limit') ?? DEFAULT_LIMIT)
    showFiles(ctx, files, { empty: since !== undefined ? 'No file was added in that time.' : 'No files yet: put stores one.' })
  }
}

export const popular: Command = {
  name: 'popular',
  group: 'Find',
  summary: 'The files opened most often on this device',
  flags: [LIMIT_FLAG],
  examples: [{ line: 'popular -n 5', says: 'the five files opened most' }],
  run: async (ctx, p) => {
    const files = (await ctx.backend.list())
      .filter(f => f.opens > 0)
      .sort((a, b) => b.opens - a.opens || b.created - a.created)
      .slice(0, p.count('limit') ?? DEFAULT_LIMIT)
    showFiles(ctx, files, { empty: 'No file was opened on this device yet: get counts as an open.', extra: { column: 'Opens', cell: f => String(f.opens) } })
  }
}

export const stats: Command = {
  name: 'stats',
  group: 'Find',
  summary: 'Your files, this device\'s contribution, and connections in numbers',
  examples: [{ line: 'stats', says: 'show the numbers' }],
  run: async (ctx) => {
    const [files, storage] = await Promise.all([ctx.backend.list(), ctx.backend.storage()])
    const conns = ctx.backend.connections()
    const direct = conns.filter(c => c.direct).length
    const tagged = new Set(files.flatMap(f => f.tags))
    ctx.out.pairs([
      ['Files', filesSummary(files)],
      ['Tags', String(tagged.size)],
      ['Contribution', `${formatBytes(storage.used)} of ${formatBytes(storage.quota)} used (${storage.quota > 0 ? Math.round(100 * storage.used / storage.quota) : 0}%)`],
      ['Shards held', String(storage.shards)],
      ['Persistent', storage.persisted ? 'yes' : 'no (the browser may clear it under pressure)'],
      ['Connections', `${conns.length} (${direct} direct, ${conns.length - direct} relayed)`]
    ])
  }
}
