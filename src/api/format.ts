/**
 * How DataMesh writes and reads sizes, spans of time, rates, dates and ids
 * for people, in every view and in the console. One convention everywhere:
 *
 * - Sizes are SI: 1 kB = 1000 B, 1 MB = 10^6 B, 1 GB = 10^9 B (as the file
 *   managers of macOS, GNOME, Android and iOS write them, as disks are sold,
 *   and as rates are measured), shown with three significant digits. Typed
 *   sizes read the same way ("500 kB", "1.5GB", and a bare "10M" is 10 MB);
 *   the binary IEC names (KiB, MiB, GiB, TiB) are accepted when typed, as
 *   they cannot be misread.
 * - Rates are sizes per second: "12.3 MB/s".
 * - "—" stands for a value that is unknown or not a size.
 *
 * Pure functions: no DOM, no Svelte, no node.
 */
import type { IndexBackupStatus } from './types.ts'

/** bytes in one kB, MB, GB, TB (SI) */
export const KB = 1e3
export const MB = 1e6
export const GB = 1e9
export const TB = 1e12

/** what is written for a value that is unknown or not valid */
export const UNKNOWN = '—'

const SIZE_NAMES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const

/**
 * `bytes` in the largest SI unit they reach, three significant digits,
 * trailing zeros dropped ("1.5 kB", "12.3 MB", "250 MB"); whole bytes
 * below 1 kB. An amount that rounds up to a whole next unit is written in
 * it (999,700 B is "1 MB", not "1000 kB"). "—" for what is not a size
 * (negative, NaN, infinite).
 */
export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return UNKNOWN
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < SIZE_NAMES.length - 1) { value /= 1000; unit++ }
  if (unit === 0) return `${Math.round(value)} B`
  let shown = Number(value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2))
  if (shown >= 1000 && unit < SIZE_NAMES.length - 1) { shown = 1; unit++ }
  return `${shown} ${SIZE_NAMES[unit] as string}`
}

/** bytes per second → "2.5 MB/s"; "—" when unknown */
export function formatBytesPerSecond (bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return UNKNOWN
  return `${formatBytes(bytesPerSecond)}/s`
}

/** bytes for a typed unit name, lower case; "" is bytes */
const TYPED_UNITS: Readonly<Record<string, number>> = Object.freeze({
  '': 1,
  b: 1,
  k: KB, kb: KB, m: MB, mb: MB, g: GB, gb: GB, t: TB, tb: TB, p: 1e15, pb: 1e15,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, pib: 1024 ** 5
})

/** what a typed size looks like, for messages */
export const SIZE_EXAMPLES = '500 kB, 10MB, 1.5 GB (powers of 1000; KiB, MiB, GiB, TiB are powers of 1024)'

/**
 * Bytes from a size as typed: "4096", "500 kB", "1.5GB", "10M", "2 GiB"
 * (any case, a space or none between number and unit). Undefined when it is
 * not a size, or too large to count in whole bytes.
 */
export function parseBytes (text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text)
  if (m === null) return undefined
  const unit = TYPED_UNITS[(m[2] as string).toLowerCase()]
  if (unit === undefined) return undefined
  const bytes = Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

const SECOND_MS = 1000
const MINUTE_MS = 60 * SECOND_MS
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** the two largest units of a span of at least a minute, a zero second unit dropped: "3 min 5 s", "2 h", "3 d 4 h" */
function twoUnits (ms: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(ms / DAY_MS), 'd'],
    [Math.floor((ms % DAY_MS) / HOUR_MS), 'h'],
    [Math.floor((ms % HOUR_MS) / MINUTE_MS), 'min'],
    [Math.floor((ms % MINUTE_MS) / SECOND_MS), 's']
  ]
  const first = parts.findIndex(([n]) => n > 0)
  return parts.slice(first, first + 2).filter(([n], i) => i === 0 || n > 0).map(([n, u]) => `${n} ${u}`).join(' ')
}

/**
 * A measured span of `ms`: "850 ms" below a second, "12.3 s" below a
 * minute, then its two largest units ("4 min 5 s", "3 h 2 min", "2 d 4 h",
 * "1 min"). "—" for a negative or unknown span.
 */
export function formatDurationMs (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return UNKNOWN
  if (ms < SECOND_MS) return `${Math.round(ms)} ms`
  if (ms < MINUTE_MS) {
    const seconds = Number((ms / SECOND_MS).toFixed(1))
    return seconds < 60 ? `${seconds} s` : '1 min'
  }
  return twoUnits(ms)
}

/**
 * Time left, from an estimate in `seconds`, rounded up to whole seconds:
 * "1 s", "45 s", "3 min 5 s", "2 h 10 min"; "0 s" when done; "—" when
 * unknown.
 */
export function formatTimeLeftSeconds (seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return UNKNOWN
  const whole = Math.ceil(seconds)
  return whole < 60 ? `${whole} s` : twoUnits(whole * SECOND_MS)
}

/** A round trip in ms: "13 ms"; "—" when unknown. */
export function formatLatencyMs (ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return UNKNOWN
  return `${Math.round(ms)} ms`
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** ms since the epoch → the local date and time in the reader's language, short ("Jan 31, 2025, 2:30 PM"). */
export function formatDateTime (ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** ms since the epoch → "2025-01-31 14:30", local time: sortable, and the form the console reads back. */
export function formatTimestamp (ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/**
 * An id (a peer id, a public key) short enough for a table cell: its head
 * and tail around an ellipsis ("12D3Koo…q3Xf9a"); `head` 0 keeps the tail
 * only. Ids that are short already stay whole.
 */
export function shortId (id: string, head = 7, tail = 6): string {
  if (id.length <= head + tail + 1) return id
  return `${id.slice(0, head)}…${id.slice(-tail)}`
}

/** "1 file", "3 files", "2 shard copies" */
export function plural (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * The automatic index backup's state in a few words, for the health
 * views: "last backed up 2 min ago", "changes wait: backed up in 2 s",
 * "failed 3 times (No DHT server accepted …); next try in 40 s".
 */
export function describeIndexBackup (status: IndexBackupStatus, now: number): string {
  const inTime = (at: number | undefined): string => at === undefined ? '' : ` in ${formatTimeLeftSeconds(Math.max(0, at - now) / 1000)}`
  switch (status.state) {
    case 'running': return 'backing up now'
    case 'scheduled': return `changes wait: backed up${inTime(status.nextAttemptAt)}`
    case 'failed': {
      const why = status.lastError !== undefined ? ` (${status.lastError.message !== '' ? status.lastError.message : status.lastError.name})` : ''
      const next = status.nextAttemptAt !== undefined ? `; next try${inTime(status.nextAttemptAt)}` : '; tried again after the next change'
      return `failed ${plural(status.failures, 'time')}${why}${next}`
    }
    default: return status.lastSuccessAt !== undefined
      ? `last backed up ${formatDurationMs(Math.round(Math.max(0, now - status.lastSuccessAt) / 1000) * 1000)} ago`
      : 'no changes waiting'
  }
}
