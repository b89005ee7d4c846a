/**
 * How the Files view writes sizes, durations, dates and errors for
 * people. Pure functions; sizes in SI units (1 kB = 1000 B), like most file
 * managers.
 */
import { formatBytes, formatSpan } from '../ui/format.ts'

/** `1234567` → `"1.2 MB"`: the shared writing of sizes, whose default is SI */
export { formatBytes }

/** bytes per second → `"2.5 MB/s"` */
export function formatRate (bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/** seconds, rounded up → `"45 s"`, `"3 min 5 s"`, `"2 h 10 min"`; `"–"` when unknown. */
export function formatDuration (seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–'
  return formatSpan(Math.ceil(seconds) * 1000)
}

/** ms since the epoch → the local date and time, short. */
export function formatDate (ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
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
