/**
 * How the network and receive views write sizes, durations, rates and
 * counts. Sizes are binary (1 MiB = 2^20 bytes, as the bandwidth test sizes);
 * rates are in MB/s (10^6 bytes per second, as the bandwidth protocol
 * reports them).
 */
import { formatBytes as formatSize, formatSpan, IEC, type ByteUnits } from '../ui/format.ts'

/** binary, up to TiB */
const UNITS: ByteUnits = { step: IEC.step, names: IEC.names.slice(0, 5) }

/** `1536` -> "1.5 KiB"; three significant digits past the first unit; "—" when not a size. */
export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—'
  return formatSize(bytes, UNITS)
}

/** `195_000` -> "3 min 15 s": the two largest units that are not zero; ms below a second. */
export function formatDuration (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  return ms < 1000 ? `${Math.round(ms)} ms` : formatSpan(ms)
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

/** "1 new direct connection", "3 new direct connections" */
export function plural (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
