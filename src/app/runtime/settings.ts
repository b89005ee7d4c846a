/**
 * Settings the wizard chooses and the settings view changes: node type,
 * contribution size and the share one owner may take of it, relays. Kept in
 * localStorage (nothing secret in them).
 */
import type { Settings } from '../../api/types.ts'
import { GB } from '../../api/format.ts'

export type { Settings }

/**
 * One owner keeps at most a quarter of a tab's contribution unless the
 * person picks another share: owner keys cost nothing to make, so without a
 * share one stranger could fill the whole contribution; a quarter still
 * holds every shard a stripe puts on one peer for most files.
 */
export const DEFAULT_OWNER_SHARE = 0.25

/** a browser peer offers 1 GB (10^9 bytes, as sizes are written everywhere) unless the person picks another */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({ nodeType: 'browser', contribution: GB, ownerShare: DEFAULT_OWNER_SHARE, relays: [] })

/** A share of the contribution: a number above 0 and at most 1. */
export function isOwnerShare (share: unknown): share is number {
  return typeof share === 'number' && share > 0 && share <= 1
}

/** A share typed as a percentage ("25", "12.5"): the fraction, or undefined unless above 0 and at most 100. */
export function parseSharePercent (text: string): number | undefined {
  const t = text.trim()
  const n = Number(t)
  if (t === '' || !Number.isFinite(n) || n <= 0 || n > 100) return undefined
  return n / 100
}

export function loadSettings (namespace: string): Settings {
  try {
    const raw = localStorage.getItem(`${namespace}-settings`)
    if (raw === null) return { ...DEFAULT_SETTINGS }
    const s = JSON.parse(raw) as Partial<Settings>
    return {
      nodeType: s.nodeType === 'contributor' ? 'contributor' : 'browser',
      contribution: typeof s.contribution === 'number' && s.contribution > 0 ? s.contribution : DEFAULT_SETTINGS.contribution,
      ownerShare: isOwnerShare(s.ownerShare) ? s.ownerShare : DEFAULT_OWNER_SHARE,
      relays: Array.isArray(s.relays) ? s.relays.filter(r => typeof r?.multiaddr === 'string') : []
    }
  } catch {
    return { ...DEFAULT_SETTINGS }
  }
}

export function saveSettings (namespace: string, settings: Settings): void {
  localStorage.setItem(`${namespace}-settings`, JSON.stringify(settings))
}
