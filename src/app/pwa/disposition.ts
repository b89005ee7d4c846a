/**
 * Response headers for a file download answered by the service worker.
 *
 * Content-Disposition follows RFC 6266 section 4: `attachment`, a quoted
 * ASCII `filename` for old clients and, when the name is not plain ASCII, a
 * `filename*` in the RFC 8187 (formerly RFC 5987) ext-value syntax:
 *
 *   attachment; filename="resume _.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf
 *
 * Recipients that understand `filename*` prefer it (RFC 6266 section 4.3).
 */

/** the name used when a file has none left after cleaning */
export const FALLBACK_NAME = 'download'

/**
 * The type of every download. A file's type is chosen by whoever stored it,
 * so it never reaches the browser: bytes labelled as opaque, saved as an
 * attachment, never sniffed, can only be saved, not shown or run.
 */
export const DOWNLOAD_TYPE = 'application/octet-stream'

/** RFC 8187 section 3.2.1 attr-char, besides ALPHA and DIGIT */
const ATTR_PUNCTUATION = new Set('!#$&+-.^_`|~')

/**
 * The name as it should be offered: control characters removed, path
 * separators replaced, surrounding whitespace trimmed, never empty.
 */
export function cleanFileName (name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/[/\\]/g, '_').trim()
  return cleaned === '' ? FALLBACK_NAME : cleaned
}

/**
 * An ASCII stand-in for `name`: accents dropped (NFKD, combining marks
 * removed), every other non-printable-ASCII code point replaced by `_`, and
 * `"` by `'` so the quoted-string needs no escapes.
 */
export function asciiFileName (name: string): string {
  let out = ''
  for (const ch of name.normalize('NFKD').replace(/\p{M}/gu, '')) {
    const c = ch.codePointAt(0) ?? 0
    out += c < 0x20 || c > 0x7e ? '_' : ch === '"' ? "'" : ch
  }
  return out
}

/** `UTF-8''` followed by the UTF-8 bytes of `value`, percent-encoded except attr-char (RFC 8187 section 3.2) */
export function extValue (value: string): string {
  let out = "UTF-8''"
  // TextEncoder turns lone surrogates into U+FFFD, so every input encodes
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte)
    const plain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || ATTR_PUNCTUATION.has(ch)
    out += plain ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** The Content-Disposition value that makes a browser save the response as `name`. */
export function contentDisposition (name: string): string {
  const clean = cleanFileName(name)
  const ascii = asciiFileName(clean)
  // some clients percent-decode the plain parameter: give them filename* as well
  const header = `attachment; filename="${ascii}"`
  return ascii === clean && !clean.includes('%') ? header : `${header}; filename*=${extValue(clean)}`
}

export interface DownloadMeta {
  name: string
  size?: number
}

/** Headers for a response the service worker makes up itself: never sniffed, never run, never cached, no referrer. */
export const INERT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; sandbox",
  'referrer-policy': 'no-referrer'
})

/**
 * All headers of a download response: the disposition, the fixed opaque
 * type, the length when known, and headers that keep a browser from
 * sniffing, caching or running the bytes.
 */
export function downloadHeaders (meta: DownloadMeta): Record<string, string> {
  const headers: Record<string, string> = {
    ...INERT_HEADERS,
    'content-type': DOWNLOAD_TYPE,
    'content-disposition': contentDisposition(meta.name)
  }
  if (meta.size !== undefined && Number.isSafeInteger(meta.size) && meta.size >= 0) headers['content-length'] = String(meta.size)
  return headers
}
