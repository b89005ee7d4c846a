/**
 * Sizes, spans of time and ids as people read them, for every view and the
 * console. Each view keeps its own conventions (SI or binary units, seconds
 * or ms, which dash means "unknown") in a few lines over these. Pure
 * functions: no DOM, no Svelte.
 */

/** A way of writing sizes. */
export interface ByteUnits {
  /** from one unit to the next: 1000 or 1024 */
  readonly step: number
  /** from bytes up */
  readonly names: readonly string[]
  /** at most this many decimals; without it, three significant digits (two decimals below 10, one below 100) */
  readonly decimals?: number
}

/** 1 kB = 1000 B, as most file managers write sizes */
export const SI: ByteUnits = { step: 1000, names: ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] }
/** 1 KiB = 1024 B, with the IEC names */
export const IEC: ByteUnits = { step: 1024, names: ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] }

/**
 * `bytes` in the largest unit they reach, trailing zeros dropped
 * (`1536` → "1.5 KiB"); whole bytes below the first unit; "–" for what is
 * not a size (negative, NaN, infinite). An amount that rounds up to a whole
 * next unit is written in it: 999.7 kB is "1 MB", not "1000 kB".
 */
export function formatBytes (bytes: number, units: ByteUnits = SI): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  const { step, names } = units
  let value = bytes
  let unit = 0
  while (value >= step && unit < names.length - 1) { value /= step; unit++ }
  if (unit === 0) return `${Math.round(value)} ${names[0] as string}`
  let shown = Number(value.toFixed(units.decimals ?? (value >= 100 ? 0 : value >= 10 ? 1 : 2)))
  if (shown >= step && unit < names.length - 1) { shown = 1; unit++ }
  return `${shown} ${names[unit] as string}`
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * A span of `ms` in its two largest units that are not zero, from days down
 * to whole seconds: "45 s", "3 min 15 s", "2 h", "3 d 4 h"; "0 s" below a
 * second. For a span known to be at least 0.
 */
export function formatSpan (ms: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(ms / DAY), 'd'],
    [Math.floor((ms % DAY) / HOUR), 'h'],
    [Math.floor((ms % HOUR) / MINUTE), 'min'],
    [Math.floor((ms % MINUTE) / SECOND), 's']
  ]
  const first = parts.findIndex(([n]) => n > 0)
  if (first === -1) return '0 s'
  return parts.slice(first, first + 2).filter(([n], i) => i === 0 || n > 0).map(([n, u]) => `${n} ${u}`).join(' ')
}

/**
 * An id (a peer id) short enough for a table cell: its head and tail around
 * an ellipsis ("12D3Koo…q3Xf9a"); `head` 0 keeps the tail only. Ids that are
 * short already stay whole.
 */
export function shortId (id: string, head = 7, tail = 6): string {
  if (id.length <= head + tail + 1) return id
  return `${id.slice(0, head)}…${id.slice(-tail)}`
}
