/**
 * Sizes, dates and durations as people type and read them.
 *
 * Sizes follow dd(1): KB, MB, GB, TB are powers of 1000; K, M, G, T and
 * KiB, MiB, GiB, TiB are powers of 1024; B or no unit is bytes. Sizes are
 * shown in powers of 1024 with IEC names (KiB, MiB …).
 *
 * Dates are local time: 2025-01-31 (that whole day), 2025-01-31T14:30 or
 * 2025-01-31T14:30:00Z (an instant), today, yesterday, now, or an age such as
 * 90m (minutes), 12h, 3d, 2w (that long ago).
 */
import { InvalidValueError } from './errors.ts'
import { formatBytes, IEC } from '../app/ui/format.ts'

const minute = 60 * 1000
const hour = 60 * minute
const day = 24 * hour
const week = 7 * day

const pad = (n: number): string => String(n).padStart(2, '0')

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4
}

export const SIZE_HELP = 'a number with B, KB, MB, GB, TB (powers of 1000) or K, M, G, T, KiB, MiB, GiB, TiB (powers of 1024), e.g. 10MB'

/** Bytes from "10MB", "1.5GiB", "512K", "4096". Throws InvalidValueError. */
export function parseSize (text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text)
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase() || 'b']
  if (match === null || unit === undefined) throw new InvalidValueError(`'${text}' is not a size: use ${SIZE_HELP}`)
  const bytes = Math.round(Number(match[1]) * unit)
  if (!Number.isSafeInteger(bytes)) throw new InvalidValueError(`'${text}' is too large a size`)
  return bytes
}

/** "0 B", "512 B", "1.5 KiB", "10 MiB", "1 GiB", "-2 KiB" (three significant digits, trailing zeros dropped). */
export function formatSize (bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes)
  return `${bytes < 0 ? '-' : ''}${formatBytes(Math.abs(bytes), IEC)}`
}

/** A span of time in ms since the epoch: an instant has from === to. */
export interface DateBound {
  from: number
  to: number
}

export const DATE_HELP = 'use 2025-01-31, 2025-01-31T14:30, today, yesterday, or an age like 12h, 3d, 2w'

/**
 * A date as typed: a day (`from` its first ms, `to` the first ms of the next
 * day), or an instant. `now` is the clock for today and ages.
 */
export function parseDate (text: string, now: number = Date.now()): DateBound {
  const t = text.trim().toLowerCase()
  const bad = (): InvalidValueError => new InvalidValueError(`'${text}' is not a date: ${DATE_HELP}`)
  const startOfDay = (ms: number): number => { const d = new Date(ms); return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() }
  const dayOf = (first: number): DateBound => {
    const d = new Date(first)
    return { from: first, to: new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() }
  }
  if (t === 'now') return { from: now, to: now }
  if (t === 'today') return dayOf(startOfDay(now))
  if (t === 'yesterday') { const d = new Date(startOfDay(now)); return dayOf(new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1).getTime()) }
  const age = /^(\d+)\s*(m|min|h|d|w)$/.exec(t)
  if (age !== null) {
    const unit = { m: minute, min: minute, h: hour, d: day, w: week }[age[2] as 'm' | 'min' | 'h' | 'd' | 'w']
    const at = now - Number(age[1]) * unit
    return { from: at, to: at }
  }
  const validDay = (y: number, m: number, d: number): boolean => {
    const first = new Date(y, m - 1, d)
    return y >= 1970 && first.getFullYear() === y && first.getMonth() === m - 1 && first.getDate() === d
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t)
  if (date !== null) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])]
    if (!validDay(y, m, d)) throw bad()
    return dayOf(new Date(y, m - 1, d).getTime())
  }
  const instant = /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2}))?(z|[+-]\d{2}:\d{2})?$/.exec(t)
  if (instant !== null) {
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map(i => Number(instant[i] ?? 0)) as [number, number, number, number, number, number]
    if (!validDay(y, mo, d) || h > 23 || mi > 59 || s > 59) throw bad()
    const zone = instant[7]
    const ms = zone === undefined
      ? new Date(y, mo - 1, d, h, mi, s).getTime()
      : Date.parse(`${instant[1] as string}-${instant[2] as string}-${instant[3] as string}T${instant[4] as string}:${instant[5] as string}:${pad(s)}${zone.toUpperCase()}`)
    if (Number.isNaN(ms)) throw bad()
    return { from: ms, to: ms }
  }
  throw bad()
}

/** "2025-01-31 14:30", local time. */
export function formatDate (ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** "850 ms", "12.3 s", "4 min 5 s", "3 h 2 min", "2 d 4 h". */
export function formatDuration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < minute) return `${Number((ms / 1000).toFixed(1))} s`
  if (ms < hour) return `${Math.floor(ms / minute)} min ${Math.floor((ms % minute) / 1000)} s`
  if (ms < day) return `${Math.floor(ms / hour)} h ${Math.floor((ms % hour) / minute)} min`
  return `${Math.floor(ms / day)} d ${Math.floor((ms % day) / hour)} h`
}

/** "35.2 MB/s" from 10^6 bytes per second. */
export function formatRate (MBps: number): string {
  return `${Number(MBps.toFixed(MBps >= 100 ? 0 : 1))} MB/s`
}
