/**
 * How the network and receive views write sizes, durations, rates and peer
 * ids. Sizes are binary (1 MiB = 2^20 bytes, as the bandwidth test sizes);
 * rates are in MB/s (10^6 bytes per second, as the bandwidth protocol
 * reports them).
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const

/** `1536` -> "1.5 KiB"; three significant digits past the first unit. */
export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—'
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${Math.round(value)} B`
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0
  return `${Number(value.toFixed(digits))} ${UNITS[unit]}`
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** `195_000` -> "3 min 15 s": the two largest units that are not zero. */
export function formatDuration (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < SECOND) return `${Math.round(ms)} ms`
  const parts: Array<[number, string]> = [
    [Math.floor(ms / DAY), 'd'],
    [Math.floor((ms % DAY) / HOUR), 'h'],
    [Math.floor((ms % HOUR) / MINUTE), 'min'],
    [Math.floor((ms % MINUTE) / SECOND), 's']
  ]
  const first = parts.findIndex(([n]) => n > 0)
  return parts.slice(first, first + 2).filter(([n], i) => i === 0 || n > 0).map(([n, u]) => `${n} ${u}`).join(' ')
}

/** bytes per second -> "12.3 MB/s" (10^6 bytes per second). */
export function formatRate (bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return '—'
  const mbps = bytesPerSecond / 1e6
  const digits = mbps < 10 ? 2 : mbps < 100 ? 1 : 0
  return `${mbps.toFixed(digits)} MB/s`
}

/** A round trip in ms, "—" when unknown. */
export function formatLatency (ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—'
  return `${Math.round(ms)} ms`
}

/**
 * A peer id short enough for a table cell: its head and tail around an
 * ellipsis ("12D3Koo…q3Xf9a"). Ids that are short already stay whole.
 */
export function shortId (id: string, head = 7, tail = 6): string {
  if (id.length <= head + tail + 1) return id
  return `${id.slice(0, head)}…${id.slice(-tail)}`
}

/** "1 new direct connection", "3 new direct connections" */
export function plural (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
