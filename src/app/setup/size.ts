/**
 * Storage sizes as people type them: an amount in GB or MB, in the
 * product's one convention (src/api/format.ts): 1 GB = 10^9 bytes, 1 MB =
 * 10^6 bytes, as every view and the console write sizes.
 */
import { GB, MB, TB, formatBytes } from '../../api/format.ts'

export { GB, MB }

export type SizeUnit = 'MB' | 'GB'

export const UNIT_BYTES: Readonly<Record<SizeUnit, number>> = Object.freeze({ MB, GB })

/** a browser peer's contribution unless the user picks another */
export const DEFAULT_BROWSER_CONTRIBUTION = GB
/** a contributor's suggested contribution */
export const DEFAULT_CONTRIBUTOR_CONTRIBUTION = 5 * GB
/** below this a node holds too few shards (about 1 MiB each) to be worth placing on */
export const MIN_CONTRIBUTION = 100 * MB
/** no browser offers more to one origin than this (and a typo of extra zeros is caught) */
export const MAX_CONTRIBUTION = 64 * TB

/**
 * Bytes for "2.5" GB, or undefined when `text` is not a plain non-negative
 * number. A decimal comma is read like a point.
 */
export function parseSize (text: string, unit: SizeUnit): number | undefined {
  const t = text.trim().replace(',', '.')
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(t)) return undefined
  const amount = Number(t)
  if (!Number.isFinite(amount)) return undefined
  return Math.round(amount * UNIT_BYTES[unit])
}

export interface SizeBounds {
  min?: number
  /** e.g. the browser's storage estimate for this origin */
  max?: number
}

/** What is wrong with a contribution size, or null when it is fine. */
export function sizeProblem (bytes: number | undefined, bounds: SizeBounds = {}): string | null {
  const min = bounds.min ?? MIN_CONTRIBUTION
  const max = Math.min(bounds.max ?? MAX_CONTRIBUTION, MAX_CONTRIBUTION)
  if (bytes === undefined) return 'Enter a size as a number, for example 2 or 0.5'
  if (bytes < min) return `Offer at least ${formatBytes(min)}`
  if (bytes > max) return `This browser can give this site at most about ${formatBytes(max)}`
  return null
}

/** A size as the field shows it: GB when it is at least 1 GB, MB below. */
export function splitSize (bytes: number): { amount: string, unit: SizeUnit } {
  const unit: SizeUnit = bytes >= GB ? 'GB' : 'MB'
  return { amount: trimNumber(bytes / UNIT_BYTES[unit], 2), unit }
}

function trimNumber (n: number, decimals: number): string {
  const f = 10 ** decimals
  return String(Math.round(n * f) / f)
}
