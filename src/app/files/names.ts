/**
 * File names in the owner's index: a name may carry a relative folder path
 * ("photos/2024/a.jpg"). Free names for collisions ("a (2).jpg"), names for
 * copies ("a copy.jpg"), and tag lists typed by hand.
 */

/** Extensions of two parts that stay together ("backup.tar.gz" → "backup (2).tar.gz"). */
const DOUBLE_EXTENSIONS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.zst']

/** The last segment of a path: what the file is called on its own. */
export function baseName (name: string): string {
  return name.slice(name.lastIndexOf('/') + 1)
}

/**
 * A name cut before its extension: `{ stem: 'photos/a', ext: '.jpg' }`. A
 * leading dot is not an extension (".bashrc" has none), and only the last
 * path segment can have one.
 */
export function splitExtension (name: string): { stem: string, ext: string } {
  const slash = name.lastIndexOf('/') + 1
  const base = name.slice(slash).toLowerCase()
  const double = DOUBLE_EXTENSIONS.find(e => base.endsWith(e) && base.length > e.length)
  if (double !== undefined) return { stem: name.slice(0, name.length - double.length), ext: name.slice(name.length - double.length) }
  const dot = name.lastIndexOf('.')
  if (dot <= slash) return { stem: name, ext: '' }
  return { stem: name.slice(0, dot), ext: name.slice(dot) }
}

/** "a (3).jpg" → { stem: "a", n: 3 }; no counter → n = 1 */
function counter (stem: string): { stem: string, n: number } {
  const m = /^(.*) \((\d{1,6})\)$/.exec(stem)
  if (m?.[1] !== undefined && m[1] !== '' && m[2] !== undefined) return { stem: m[1], n: Number(m[2]) }
  return { stem, n: 1 }
}

/** The same name with counter `n`: numbered("a.jpg", 2) = "a (2).jpg" */
export function numbered (name: string, n: number): string {
  const { stem, ext } = splitExtension(name)
  const base = counter(stem).stem
  return n <= 1 ? `${base}${ext}` : `${base} (${n})${ext}`
}

/**
 * `name` if nobody has it, else the first free "name (2).ext", "name (3).ext" …
 * A name that already carries a counter counts on from it ("a (2).jpg" →
 * "a (3).jpg").
 */
export function freeName (name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name
  const { stem } = splitExtension(name)
  let n = Math.max(2, counter(stem).n + 1)
  while (taken.has(numbered(name, n))) n++
  return numbered(name, n)
}

/** The suggested name of a copy: "a.jpg" → "a copy.jpg" (free among `taken`). */
export function copyName (name: string, taken: ReadonlySet<string> = new Set()): string {
  const { stem, ext } = splitExtension(name)
  return freeName(`${stem} copy${ext}`, taken)
}

/** "a, b ,,c, a" → ["a", "b", "c"]: trimmed, non-empty, each once, in order. */
export function parseTags (text: string): string[] {
  return [...new Set(text.split(',').map(t => t.trim()).filter(t => t !== ''))]
}

const TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', svg: 'image/svg+xml', heic: 'image/heic', bmp: 'image/bmp',
  mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime', mkv: 'video/x-matroska', avi: 'video/x-msvideo',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', oga: 'audio/ogg', flac: 'audio/flac', m4a: 'audio/mp4', opus: 'audio/opus', aac: 'audio/aac',
  pdf: 'application/pdf', txt: 'text/plain', md: 'text/markdown', csv: 'text/csv', html: 'text/html', json: 'application/json',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text', ods: 'application/vnd.oasis.opendocument.spreadsheet', rtf: 'application/rtf', epub: 'application/epub+zip',
  zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar', '7z': 'application/x-7z-compressed', rar: 'application/vnd.rar', bz2: 'application/x-bzip2', xz: 'application/x-xz', zst: 'application/zstd'
}

/** The file's extension, lower case and without the dot ("" when none). */
export function extensionOf (name: string): string {
  const { ext } = splitExtension(name)
  const dot = ext.lastIndexOf('.')
  return dot < 0 ? '' : ext.slice(dot + 1).toLowerCase()
}

/** The MIME type a browser gave, or one guessed from the extension ("" when unknown). */
export function typeFor (name: string, given = ''): string {
  if (given !== '') return given
  return TYPES[extensionOf(name)] ?? ''
}
