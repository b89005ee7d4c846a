/**
 * Settings the wizard chooses and the settings view changes: node type,
 * contribution size and the share one owner may take of it, relays, the
 * peers trusted (allowed) and denied. Kept in localStorage (nothing secret
 * in them).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Settings } from '../../api/types.ts'
import { GB } from '../../api/format.ts'
import { InvalidParametersError } from '../../core/errors.ts'

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
    if (raw === null) return { ...DEFAULT_SETTINGS, allowedPeers: [], deniedPeers: [] }
    const s = JSON.parse(raw) as Partial<Settings>
    return {
      nodeType: s.nodeType === 'contributor' ? 'contributor' : 'browser',
      contribution: typeof s.contribution === 'number' && s.contribution > 0 ? s.contribution : DEFAULT_SETTINGS.contribution,
      ownerShare: isOwnerShare(s.ownerShare) ? s.ownerShare : DEFAULT_OWNER_SHARE,
      relays: Array.isArray(s.relays) ? s.relays.filter(r => typeof r?.multiaddr === 'string') : [],
      allowedPeers: validPeerIds(s.allowedPeers),
      deniedPeers: validPeerIds(s.deniedPeers)
    }
  } catch {
    return { ...DEFAULT_SETTINGS, allowedPeers: [], deniedPeers: [] }
  }
}

export function saveSettings (namespace: string, settings: Settings): void {
  localStorage.setItem(`${namespace}-settings`, JSON.stringify(settings))
}

/** most peer ids on the allow list, and on the deny list */
export const MAX_LISTED_PEERS = 256

function isPeerId (id: unknown): id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) return false
  try {
    peerIdFromString(id)
    return true
  } catch {
    return false
  }
}

/** The peer ids of a stored list, each once; anything else left out. */
function validPeerIds (list: unknown): string[] {
  return Array.isArray(list) ? [...new Set(list.filter(isPeerId))].slice(0, MAX_LISTED_PEERS) : []
}

/**
 * Peer ids typed by a person (one per line, or separated by commas or
 * spaces), each once: InvalidParametersError naming the first that is not a
 * peer id, or when there are more than MAX_LISTED_PEERS.
 */
export function parsePeerIds (input: string | readonly string[]): string[] {
  const items = (typeof input === 'string' ? input.split(/[\s,]+/) : [...input]).map(s => s.trim()).filter(s => s !== '')
  const bad: string | undefined = items.find(id => !isPeerId(id as unknown))
  if (bad !== undefined) throw new InvalidParametersError(`"${bad.length > 60 ? `${bad.slice(0, 60)}…` : bad}" is not a peer id`, { reason: 'not-a-peer-id' })
  const ids = [...new Set(items)]
  if (ids.length > MAX_LISTED_PEERS) throw new InvalidParametersError(`At most ${MAX_LISTED_PEERS} peer ids`, { reason: 'too-many', max: MAX_LISTED_PEERS })
  return ids
}
