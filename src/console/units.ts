/**
 * Sizes and dates as people type them on the command line; how they are
 * written back is src/api/format.ts, the product's one convention.
 *
 * Sizes are SI like everywhere else: B, kB (or K), MB (or M), GB (or G),
 * TB (or T) are powers of 1000; KiB, MiB, GiB, TiB are powers of 1024; no
 * unit is bytes.
 *
 * Dates are local time: 2025-01-31 (that whole day), 2025-01-31T14:30 or
 * 2025-01-31T14:30:00Z (an instant), today, yesterday, now, or an age such as
 * 90m (minutes), 12h, 3d, 2w (that long ago). `formatTimestamp` writes them
 * back in the first form.
 */
import { InvalidValueError } from './errors.ts'
import { parseBytes, SIZE_EXAMPLES } from '../api/format.ts'

const minute = 60 * 1000
const hour = 60 * minute
const day = 24 * hour
const week = 7 * day

const pad = (n: number): string => String(n).padStart(2, '0')

export const SIZE_HELP = `a number with a unit, e.g. ${SIZE_EXAMPLES}`

/** Bytes from "10MB", "1.5GiB", "512K", "4096". Throws InvalidValueError. */
export function parseSize (text: string): number {
  const bytes = parseBytes(text)
  if (bytes !== undefined) return bytes
  const amount = /^\s*(\d+(?:\.\d+)?|\.\d+)/
  // the unit reads with a small amount: only the amount is wrong
  if (amount.test(text) && parseBytes(text.replace(amount, '1')) !== undefined) throw new InvalidValueError(`'${text}' is too large a size`)
  throw new InvalidValueError(`'${text}' is not a size: use ${SIZE_HELP}`)
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
