/**
 * How the Files view writes sizes, durations, dates, peer ids and errors for
 * people. Pure functions; sizes in SI units (1 kB = 1000 B), like most file
 * managers.
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const

/** `1234567` → `"1.2 MB"`; whole bytes below 1 kB. */
export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) { value /= 1000; unit++ }
  if (unit === 0) return `${Math.round(value)} B`
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
  let shown = Number(value.toFixed(digits))
  if (shown >= 1000 && unit < UNITS.length - 1) { shown = 1; unit++ } // 999.7 kB rounds to 1 MB
  return `${shown} ${UNITS[unit]}`
}

/** bytes per second → `"2.5 MB/s"` */
export function formatRate (bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/** seconds → `"45 s"`, `"3 min 5 s"`, `"2 h 10 min"`; `"–"` when unknown. */
export function formatDuration (seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–'
  const s = Math.ceil(seconds)
  if (s < 60) return `${s} s`
  const minutes = Math.floor(s / 60)
  if (minutes < 60) return s % 60 === 0 ? `${minutes} min` : `${minutes} min ${s % 60} s`
  const hours = Math.floor(minutes / 60)
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
}

/** ms since the epoch → the local date and time, short. */
export function formatDate (ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** A peer id short enough for a table cell: its last 6 characters. */
export function shortPeer (peerId: string): string {
  return peerId.length <= 8 ? peerId : `…${peerId.slice(-6)}`
}

/** What a person reads when an operation failed: typed errors get a word of guidance, never a stack. */
export function errorMessage (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  switch (err.name) {
    case 'AbortError':
    case 'AbortedError': return 'Cancelled'
    case 'QuotaExceededError': return `Not enough room on the peers: ${err.message}`
    case 'InsufficientPeersError': return err.message
    case 'NotFoundError': return `Not found: ${err.message}`
    case 'AlreadyExistsError': return 'A file with this name already exists'
    case 'BadPasswordError': return 'Wrong password'
    case 'TooFewShardsError': return 'Too few shards can be reached to rebuild this file right now'
    case 'TimeoutError': return 'The peers took too long to answer: try again'
    default: return err.message !== '' ? err.message : err.name
  }
}
