/**
 * Which of the owner's files the list shows, and in what order: search text
 * (plain words or a `/regular expression/flags`), file kind, size range, date
 * range and tags, then a sort. Pure functions over anything shaped like a
 * listed file, so the view stays thin and the rules are tested on their own.
 */
import type { ApiFile } from '../runtime/api.ts'
import { parseBytes } from '../../api/format.ts'
import { extensionOf } from './names.ts'

/** The fields of a listed file the query reads. */
export type QueryFile = Pick<ApiFile, 'key' | 'name' | 'type' | 'size' | 'tags' | 'created' | 'opens'>

export type FileKind = 'image' | 'video' | 'audio' | 'document' | 'archive' | 'other'
export const KINDS: readonly FileKind[] = ['image', 'video', 'audio', 'document', 'archive', 'other']

export type SortKey = 'name' | 'size' | 'recent' | 'popular'
export type SortDirection = 'asc' | 'desc'
export const SORT_KEYS: readonly SortKey[] = ['name', 'size', 'recent', 'popular']
/** the direction a sort starts in when chosen: names A→Z, the rest biggest first */
export const DEFAULT_DIRECTION: Record<SortKey, SortDirection> = { name: 'asc', size: 'desc', recent: 'desc', popular: 'desc' }

export interface FileQuery {
  /** plain words (every one must match the name, a tag or the type) or /regex/flags */
  text: string
  /** any of these kinds; empty = every kind */
  kinds: FileKind[]
  /** bytes, inclusive */
  minSize?: number
  maxSize?: number
  /** ms since the epoch, inclusive */
  from?: number
  to?: number
  /** every one of these tags; empty = no tag filter */
  tags: string[]
  sort: SortKey
  direction: SortDirection
}

export const EMPTY_QUERY: FileQuery = Object.freeze({ text: '', kinds: [], tags: [], sort: 'recent', direction: 'desc' }) as FileQuery

const EXTENSIONS: Record<Exclude<FileKind, 'other'>, readonly string[]> = {
  image: ['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'svg', 'heic', 'heif', 'bmp', 'tif', 'tiff', 'ico', 'raw', 'cr2', 'nef', 'dng'],
  video: ['mp4', 'm4v', 'webm', 'mov', 'mkv', 'avi', 'wmv', 'flv', 'mpg', 'mpeg', '3gp', 'ogv'],
  audio: ['mp3', 'wav', 'ogg', 'oga', 'flac', 'm4a', 'aac', 'opus', 'wma', 'aiff', 'mid', 'midi'],
  document: ['pdf', 'txt', 'md', 'rtf', 'doc', 'docx', 'odt', 'xls', 'xlsx', 'ods', 'csv', 'ppt', 'pptx', 'odp', 'epub', 'pages', 'numbers', 'key', 'tex', 'html', 'htm', 'json', 'xml'],
  archive: ['zip', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'iso', 'dmg', 'cab']
}
const ARCHIVE_TYPES = ['application/zip', 'application/gzip', 'application/x-gzip', 'application/x-tar', 'application/x-7z-compressed', 'application/vnd.rar', 'application/x-rar-compressed', 'application/x-bzip2', 'application/x-xz', 'application/zstd', 'application/x-iso9660-image']
const DOCUMENT_TYPES = ['application/pdf', 'application/msword', 'application/rtf', 'application/epub+zip', 'application/json', 'application/xml', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint']

/** What kind of file this is, by MIME type first and extension second. */
export function fileKind (file: { name: string, type: string }): FileKind {
  const type = file.type.toLowerCase().split(';')[0]?.trim() ?? ''
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('video/')) return 'video'
  if (type.startsWith('audio/')) return 'audio'
  if (ARCHIVE_TYPES.includes(type)) return 'archive'
  if (type.startsWith('text/') || DOCUMENT_TYPES.includes(type) || type.startsWith('application/vnd.openxmlformats-officedocument.') || type.startsWith('application/vnd.oasis.opendocument.')) return 'document'
  const ext = extensionOf(file.name)
  for (const kind of KINDS) {
    if (kind !== 'other' && EXTENSIONS[kind].includes(ext)) return kind
  }
  return 'other'
}

/** A search box's text as a test, or why it is not one. */
export type Search =
  | { ok: true, regex: boolean, test: (file: Pick<QueryFile, 'name' | 'tags' | 'type'>) => boolean }
  | { ok: false, error: string }

const REGEX = /^\/(.+)\/([dgimsuvy]*)$/s

/**
 * `/pattern/flags` (flags among dgimsuvy) is a regular expression tried on the
 * name, each tag and the type (the stateful flags g and y are dropped); a
 * path such as "/photos/2024" is not one. Anything else is split into
 * words, and every word must appear, ignoring case, in the name, a tag or the
 * type. Empty text matches everything.
 */
export function parseSearch (text: string): Search {
  const trimmed = text.trim()
  const m = REGEX.exec(trimmed)
  if (m !== null) {
    let re: RegExp
    try {
      re = new RegExp(m[1] ?? '', (m[2] ?? '').replace(/[gy]/g, ''))
    } catch (err) {
      return { ok: false, error: `Not a valid regular expression: ${err instanceof Error ? err.message : String(err)}` }
    }
    return { ok: true, regex: true, test: f => re.test(f.name) || f.tags.some(t => re.test(t)) || re.test(f.type) }
  }
  const words = trimmed.toLowerCase().split(/\s+/).filter(w => w !== '')
  return {
    ok: true,
    regex: false,
    test: f => {
      const fields = [f.name, ...f.tags, f.type].map(s => s.toLowerCase())
      return words.every(w => fields.some(s => s.includes(w)))
    }
  }
}

/** The files the query keeps, in their original order. An invalid regex keeps none and says why. */
export function filterFiles<T extends QueryFile> (files: readonly T[], query: FileQuery): { files: T[], error?: string } {
  const search = parseSearch(query.text)
  if (!search.ok) return { files: [], error: search.error }
  const kept = files.filter(f =>
    (query.kinds.length === 0 || query.kinds.includes(fileKind(f))) &&
    (query.minSize === undefined || f.size >= query.minSize) &&
    (query.maxSize === undefined || f.size <= query.maxSize) &&
    (query.from === undefined || f.created >= query.from) &&
    (query.to === undefined || f.created <= query.to) &&
    query.tags.every(t => f.tags.includes(t)) &&
    search.test(f))
  return { files: kept }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/** Compare two files by `key`, ascending; ties are broken by name, then by file key, so the order is total. */
export function compareFiles (a: QueryFile, b: QueryFile, key: SortKey): number {
  let c = 0
  switch (key) {
    case 'name': c = collator.compare(a.name, b.name); break
    case 'size': c = a.size - b.size; break
    case 'recent': c = a.created - b.created; break
    case 'popular': c = a.opens - b.opens || a.created - b.created; break
  }
  return c || collator.compare(a.name, b.name) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
}

/** A sorted copy. */
export function sortFiles<T extends QueryFile> (files: readonly T[], key: SortKey, direction: SortDirection): T[] {
  const sign = direction === 'asc' ? 1 : -1
  return [...files].sort((a, b) => sign * compareFiles(a, b, key))
}

/** Filter, then sort. */
export function queryFiles<T extends QueryFile> (files: readonly T[], query: FileQuery): { files: T[], error?: string } {
  const { files: kept, error } = filterFiles(files, query)
  return { files: sortFiles(kept, query.sort, query.direction), ...(error !== undefined ? { error } : {}) }
}

/** Every tag in use, with how many files carry it, most used first. */
export function tagsInUse (files: readonly Pick<QueryFile, 'tags'>[]): Array<{ tag: string, count: number }> {
  const counts = new Map<string, number>()
  for (const f of files) for (const t of new Set(f.tags)) counts.set(t, (counts.get(t) ?? 0) + 1)
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || collator.compare(a.tag, b.tag))
}

/** How many of the query's filters (besides the sort) are set. */
export function activeFilters (query: FileQuery): number {
  return (query.text.trim() !== '' ? 1 : 0) + (query.kinds.length > 0 ? 1 : 0) + (query.minSize !== undefined || query.maxSize !== undefined ? 1 : 0) +
    (query.from !== undefined || query.to !== undefined ? 1 : 0) + (query.tags.length > 0 ? 1 : 0)
}

/**
 * A size typed by a person: "1500", "500 kB", "1.5MB", "2 GiB" (read as
 * everywhere: src/api/format.ts). Undefined for an empty field; NaN when it
 * is not a size.
 */
export function parseSize (text: string): number | undefined {
  if (text.trim() === '') return undefined
  return parseBytes(text) ?? Number.NaN
}

/**
 * A date field's value ("2024-05-01") as the first (or, with `end`, the last)
 * millisecond of that day in local time. Undefined for an empty or invalid value.
 */
export function parseDay (value: string, end = false): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (m === null) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const start = new Date(y, mo - 1, d)
  if (start.getFullYear() !== y || start.getMonth() !== mo - 1 || start.getDate() !== d) return undefined
  return end ? new Date(y, mo - 1, d + 1).getTime() - 1 : start.getTime()
}
