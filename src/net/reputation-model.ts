/**
 * How a reputation score is computed: the constants (each with its unit and
 * its reason) and pure functions over one peer's record. The book that keeps
 * records, trust lists and persistence is ./reputation.ts; the stored form
 * of a record is ./reputation-format.ts.
 *
 * score = behaviour + availability + latency, within [0, 100]
 * - behaviour = 100 × good / (good + bad): a beta-reputation ratio over
 *   weighted evidence (REPUTATION.events). Serious failures also discount
 *   the good evidence gathered so far (`keep`): trust is slow to earn and
 *   quick to lose. All evidence beyond (1, 1) decays by `decayPerDay` per
 *   day, so the ratio returns to 50 without observations, and the total is
 *   capped at `maxEvidence` (older evidence scaled down in proportion).
 * - availability: ±availabilityPoints × (2a - 1), where a is the share of
 *   samples seen online in the window, once there are enough samples.
 * - latency: +latencyBonusPoints at latencyFastMs or less, down to
 *   -latencyPenaltyPoints at latencySlowMs or more, while recent.
 */
import { AVAILABILITY_SLOTS, type PeerRecord } from './reputation-format.ts'

const second = 1000
const minute = 60 * second
const hour = 60 * minute
const day = 24 * hour

/** Weights of one observation, in evidence points (one passed audit is one point). */
export interface EventWeight {
  /** added to the good evidence */
  good: number
  /** added to the bad evidence */
  bad: number
  /** share of the good evidence beyond the neutral prior that is kept */
  keep: number
}

export const REPUTATION = Object.freeze({
  /**
   * prior evidence of a peer seen for the first time: 2 / (2 + 3) = 40, below
   * the good line until it proves itself (a new peer id costs nothing); weak,
   * so a few observations move it
   */
  newPrior: Object.freeze({ good: 2, bad: 3 }),
  /** prior of a peer the operator or the person trusts (8 / (8 + 2) = 80) */
  trustedPrior: Object.freeze({ good: 8, bad: 2 }),
  /** where every score returns without observations: evidence (1, 1), a score of 50 */
  neutralPrior: Object.freeze({ good: 1, bad: 1 }),
  /** share of the evidence beyond (1, 1) lost per day: halves in about 6.6 days, so one bad week is forgotten within a couple of months */
  decayPerDay: 0.1,
  /** most evidence kept (good + bad): a peer passing hundreds of audits a day still falls below the floor within a handful of failures */
  maxEvidence: 200,
  /** below this score a peer gets no new shards (unless no one else can take them, with the 'warn' policy and a warning) */
  floorScore: 25,
  /** at or above this score peers are "good": placement picks among them at random, weighted by score */
  goodScore: 60,
  events: Object.freeze({
    /** the audit's proof checked out */
    'audit-passed': Object.freeze({ good: 1, bad: 0, keep: 1 }),
    /** a shard fetched from the peer hashed to its id: proof it kept it */
    served: Object.freeze({ good: 0.5, bad: 0, keep: 1 }),
    /** no answer before the deadline: maybe a slow link, maybe gone */
    'audit-late': Object.freeze({ good: 0, bad: 2, keep: 0.9 }),
    /** the holder said honestly that the shard is lost or damaged: data lost, but no lie */
    lost: Object.freeze({ good: 0, bad: 5, keep: 0.8 }),
    /** a wrong proof, wrong size, or "not found" for a shard it acknowledged: lost data or a lie */
    'audit-failed': Object.freeze({ good: 0, bad: 20, keep: 0.5 }),
    /** sent bytes that do not hash to the shard id (an honest holder checks before it sends) */
    corrupt: Object.freeze({ good: 0, bad: 20, keep: 0.5 }),
    /** a request timed out or got a malformed answer (refusals for quota or load are not counted) */
    'request-failed': Object.freeze({ good: 0, bad: 1, keep: 1 })
  } satisfies Record<string, Readonly<EventWeight>>),
  /** a protocol offence of `points` (src/net/limits.ts) adds points / 25 bad evidence: a ban (100 points) is worth 4 */
  offencePointsPerEvidence: 25,
  /** ...and keeps 1 - points / 200 of the good evidence: a ban's worth of offences halves it */
  offenceDiscountPoints: 200,
  /** availability slot: short enough to see a tab that is open only in the evenings */
  availabilitySlotMs: 6 * hour,
  /** slots in the window: 7 days, a week of someone's habits */
  availabilitySlots: AVAILABILITY_SLOTS,
  /** samples in the window before availability counts (an hour of samples, or a few connection events) */
  availabilityMinSamples: 6,
  /** points for availability: +this when always online, -this when never */
  availabilityPoints: 10,
  /** weight of a new latency sample in the moving average */
  latencyEwmaWeight: 0.2,
  /** at or below this round trip (ms), the full latency bonus */
  latencyFastMs: 100,
  /** at or above this round trip (ms), the full latency penalty */
  latencySlowMs: 2000,
  /** latency is a small effect: a fast link does not make up for lost data */
  latencyBonusPoints: 2,
  latencyPenaltyPoints: 5,
  /** peers remembered; each record is ~170 bytes stored */
  maxPeers: 10_000,
  /** ms between a change and its save: a minute's observations share one write */
  saveDelayMs: minute,
  /** ms between two availability samples of every tracked peer (./reputation-monitor.ts) */
  sampleIntervalMs: 10 * minute
})

export type ReputationEvent = keyof typeof REPUTATION.events
export type AuditOutcome = 'passed' | 'failed' | 'late' | 'lost'

export const AUDIT_EVENTS: Readonly<Record<AuditOutcome, ReputationEvent>> = Object.freeze({ passed: 'audit-passed', failed: 'audit-failed', late: 'audit-late', lost: 'lost' })

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x))
const WINDOW_MS = REPUTATION.availabilitySlotMs * AVAILABILITY_SLOTS
const N = REPUTATION.neutralPrior

/** The score a prior alone gives. */
export function priorScore (prior: { good: number, bad: number }): number {
  return 100 * prior.good / (prior.good + prior.bad)
}

export function slotOf (now: number): number {
  return Math.max(0, Math.floor(now / REPUTATION.availabilitySlotMs))
}

/** A record with nothing observed yet but its prior. */
export function newRecord (prior: { good: number, bad: number }, now: number): PeerRecord {
  return { good: prior.good, bad: prior.bad, at: now, seen: now, endorsed: false, latencyMs: 0, latencyAt: 0, slot: slotOf(now), up: new Uint8Array(AVAILABILITY_SLOTS), total: new Uint8Array(AVAILABILITY_SLOTS) }
}

/** The evidence as it stands at `now` (decayed since the record's `at`; a clock that went back decays nothing). */
export function decayed (record: PeerRecord, now: number): { good: number, bad: number } {
  const f = (1 - REPUTATION.decayPerDay) ** (Math.max(0, now - record.at) / day)
  return { good: N.good + (record.good - N.good) * f, bad: N.bad + (record.bad - N.bad) * f }
}

/** Add one observation's weights to the record at `now`. */
export function applyWeight (record: PeerRecord, w: EventWeight, now: number): void {
  const { good, bad } = decayed(record, now)
  record.good = N.good + (good - N.good) * w.keep + w.good
  record.bad = bad + w.bad
  record.at = Math.max(record.at, now)
  const total = record.good + record.bad
  if (total > REPUTATION.maxEvidence) {
    // forget the oldest evidence in proportion: the ratio stays, new observations weigh more
    const f = (REPUTATION.maxEvidence - N.good - N.bad) / (total - N.good - N.bad)
    record.good = N.good + (record.good - N.good) * f
    record.bad = N.bad + (record.bad - N.bad) * f
  }
}

/** The weights of a protocol offence of `points` (src/net/limits.ts OFFENCE_POINTS). */
export function offenceWeight (points: number): EventWeight {
  const p = clamp(points, 0, REPUTATION.offenceDiscountPoints / 2)
  return { good: 0, bad: p / REPUTATION.offencePointsPerEvidence, keep: 1 - p / REPUTATION.offenceDiscountPoints }
}

/** Fold one round trip (ms) into the record's average. */
export function applyLatency (record: PeerRecord, ms: number, now: number): void {
  const sample = clamp(ms, 0, 60_000)
  record.latencyMs = record.latencyAt === 0 ? sample : record.latencyMs + REPUTATION.latencyEwmaWeight * (sample - record.latencyMs)
  record.latencyAt = Math.max(1, now)
}

/** Count one availability sample in now's slot (slots passed over are cleared first). */
export function applySample (record: PeerRecord, online: boolean, now: number): void {
  const s = slotOf(now)
  if (s > record.slot) {
    for (let k = record.slot + 1; k <= s && k <= record.slot + AVAILABILITY_SLOTS; k++) {
      record.up[k % AVAILABILITY_SLOTS] = 0
      record.total[k % AVAILABILITY_SLOTS] = 0
    }
    record.slot = s
  }
  // a clock that went back writes into the newest slot
  const i = record.slot % AVAILABILITY_SLOTS
  const total = record.total[i] as number
  if (total >= 255) return
  record.total[i] = total + 1
  if (online) record.up[i] = (record.up[i] as number) + 1
}

/** Online and all samples in the window ending at `now`. */
export function windowOf (record: PeerRecord, now: number): { up: number, total: number } {
  const oldest = slotOf(now) - AVAILABILITY_SLOTS
  let up = 0
  let total = 0
  for (let k = 0; k < AVAILABILITY_SLOTS && record.slot - k > oldest; k++) {
    const i = (record.slot - k) % AVAILABILITY_SLOTS
    up += record.up[i] as number
    total += record.total[i] as number
  }
  return { up, total }
}

/** The record's score at `now`, with the parts that went into it. */
export function scoreOf (record: PeerRecord, now: number): { score: number, availability?: number, latencyMs?: number } {
  const { good, bad } = decayed(record, now)
  let score = 100 * good / (good + bad)
  const { up, total } = windowOf(record, now)
  const availability = total >= REPUTATION.availabilityMinSamples ? up / total : undefined
  if (availability !== undefined) score += REPUTATION.availabilityPoints * (2 * availability - 1)
  const recent = record.latencyAt > 0 && now - record.latencyAt <= WINDOW_MS
  if (recent) {
    const t = clamp((record.latencyMs - REPUTATION.latencyFastMs) / (REPUTATION.latencySlowMs - REPUTATION.latencyFastMs), 0, 1)
    score += REPUTATION.latencyBonusPoints - t * (REPUTATION.latencyBonusPoints + REPUTATION.latencyPenaltyPoints)
  }
  return { score: clamp(score, 0, 100), ...(availability !== undefined ? { availability } : {}), ...(recent ? { latencyMs: record.latencyMs } : {}) }
}
