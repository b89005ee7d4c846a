/**
 * The churn trace: what kinds of peers there are and how each comes and
 * goes. Every number here is an assumption, stated with the published
 * measurement it leans on (docs/sim/results.md repeats them):
 *
 * - Session lengths of P2P and browser peers are heavy-tailed: most are
 *   minutes, a few last all day (Stutzbach & Rejaie, "Understanding churn in
 *   peer-to-peer networks", IMC 2006: log-normal/Weibull fits, median session
 *   under an hour; Steiner, En-Najjary & Biersack, "A global view of KAD",
 *   IMC 2007: most peers seen in few sessions, many only once). Log-normal
 *   sessions and gaps here.
 * - Host availability in open P2P systems is low and diurnal (Bhagwan,
 *   Savage & Voelker, "Understanding availability", IPTPS 2003: Overnet hosts
 *   online ~30 % of the time on average, a fifth of them joining or leaving
 *   for good each day). Regular tabs here are online ~5 %, all-day tabs ~30 %.
 * - Some peers never come back (the same studies): transient tabs leave for
 *   good after each session with probability 1/2, every tab with a small
 *   chance per session (browser data cleared, app dropped), and every tab
 *   departs for good after an exponential lifetime. A departed peer is
 *   replaced by a new, empty one (a new peer id), so the population is steady.
 * - Always-on storage peers run at 99.5 % uptime (outages of about an hour,
 *   ~ every 8 days: a restart, an upgrade) and lose their disk at an annual
 *   rate of 2 % (drive failure rates published by Backblaze run ~1-2 %/year).
 * - Holders that silently lose data: browsers evict origin storage under
 *   pressure (Chrome's storage eviction, Safari's 7-day cap on script-written
 *   storage of unvisited sites): 'lossy' tabs lose everything they hold once,
 *   at an exponential time, and go on as if nothing happened.
 * - Holders that lie to audits: 'liar' tabs acknowledge stores, keep nothing
 *   and answer every audit with made-up bytes.
 */
import { exponential, logNormal, type Rng } from './rng.ts'

const minute = 60_000
const hour = 60 * minute
const day = 24 * hour

export type PeerKind = 'storage' | 'regular' | 'allday' | 'transient' | 'lossy' | 'liar'

export interface SessionShape {
  /** median session length (ms) and the log-normal shape */
  sessionMedianMs: number
  sessionSigma: number
  /** median time offline between sessions (ms) and its shape */
  gapMedianMs: number
  gapSigma: number
  /** chance of leaving for good at the end of each session */
  leaveAfterSession: number
  /** mean time until a peer leaves for good regardless of sessions (ms) */
  lifetimeMeanMs: number
}

export interface TraceParams {
  /** share of the peers that are always-on storage peers */
  storageShare: number
  /** mix of the other peers (shares, normalised) */
  tabMix: Record<Exclude<PeerKind, 'storage'>, number>
  tabs: Record<Exclude<PeerKind, 'storage'>, SessionShape>
  /** storage peers: mean time up between outages and mean outage (ms) */
  storageUpMeanMs: number
  storageDownMeanMs: number
  /** storage peers: chance per year that the disk is lost */
  storageDiskLossPerYear: number
  /** lossy tabs: mean time until they lose everything they hold (ms) */
  lossyEvictionMeanMs: number
}

const regular: SessionShape = { sessionMedianMs: 40 * minute, sessionSigma: 1.0, gapMedianMs: 16 * hour, gapSigma: 1.0, leaveAfterSession: 0.005, lifetimeMeanMs: 120 * day }

export const DEFAULT_TRACE: TraceParams = Object.freeze({
  storageShare: 0.03,
  tabMix: { regular: 0.56, allday: 0.2, transient: 0.15, lossy: 0.06, liar: 0.03 },
  tabs: {
    regular,
    allday: { sessionMedianMs: 6 * hour, sessionSigma: 0.8, gapMedianMs: 14 * hour, gapSigma: 0.6, leaveAfterSession: 0.003, lifetimeMeanMs: 180 * day },
    transient: { sessionMedianMs: 20 * minute, sessionSigma: 1.0, gapMedianMs: 24 * hour, gapSigma: 1.2, leaveAfterSession: 0.5, lifetimeMeanMs: 30 * day },
    lossy: regular,
    liar: { sessionMedianMs: 6 * hour, sessionSigma: 0.8, gapMedianMs: 14 * hour, gapSigma: 0.6, leaveAfterSession: 0.003, lifetimeMeanMs: 180 * day }
  },
  storageUpMeanMs: 199 * hour,
  storageDownMeanMs: hour,
  storageDiskLossPerYear: 0.02,
  lossyEvictionMeanMs: 30 * day
})

/** The kind of a new peer, drawn from the mix (storage peers are made at the start only). */
export function drawTabKind (rng: Rng, trace: TraceParams): Exclude<PeerKind, 'storage'> {
  const entries = Object.entries(trace.tabMix) as Array<[Exclude<PeerKind, 'storage'>, number]>
  const total = entries.reduce((s, [, w]) => s + w, 0)
  let x = rng() * total
  for (const [kind, w] of entries) {
    x -= w
    if (x < 0) return kind
  }
  return 'regular'
}

/** Length of the next period online (ms). */
export function upPeriod (rng: Rng, trace: TraceParams, kind: PeerKind): number {
  if (kind === 'storage') return exponential(rng, trace.storageUpMeanMs)
  const s = trace.tabs[kind]
  return Math.max(minute, logNormal(rng, s.sessionMedianMs, s.sessionSigma))
}

/** Length of the next period offline (ms). */
export function downPeriod (rng: Rng, trace: TraceParams, kind: PeerKind): number {
  if (kind === 'storage') return Math.max(minute, exponential(rng, trace.storageDownMeanMs))
  const s = trace.tabs[kind]
  return Math.max(minute, logNormal(rng, s.gapMedianMs, s.gapSigma))
}

/** Whether a tab leaves for good at the end of a session. */
export function leavesAfterSession (rng: Rng, trace: TraceParams, kind: PeerKind): boolean {
  return kind !== 'storage' && rng() < trace.tabs[kind].leaveAfterSession
}

/** When (ms from now) a peer leaves for good, whatever its sessions; Infinity for storage peers (they lose disks instead). */
export function lifetime (rng: Rng, trace: TraceParams, kind: PeerKind): number {
  return kind === 'storage' ? Number.POSITIVE_INFINITY : exponential(rng, trace.tabs[kind].lifetimeMeanMs)
}

/** When (ms from now) a peer silently loses all it holds: lossy tabs, and storage peers' disks; Infinity for the rest. */
export function dataLossAfter (rng: Rng, trace: TraceParams, kind: PeerKind): number {
  if (kind === 'lossy') return exponential(rng, trace.lossyEvictionMeanMs)
  if (kind === 'storage') return exponential(rng, 365 * day / trace.storageDiskLossPerYear)
  return Number.POSITIVE_INFINITY
}

/** Long-run share of time online (for the docs' table of the trace). */
export function expectedUptime (trace: TraceParams, kind: PeerKind): number {
  if (kind === 'storage') return trace.storageUpMeanMs / (trace.storageUpMeanMs + trace.storageDownMeanMs)
  const s = trace.tabs[kind]
  const mean = (median: number, sigma: number): number => median * Math.exp(sigma * sigma / 2)
  const up = mean(s.sessionMedianMs, s.sessionSigma)
  return up / (up + mean(s.gapMedianMs, s.gapSigma))
}
