/**
 * A holder's store upkeep: collection of lapsed leases and scrubbing.
 *
 * `StoreMaintenance` collects the store (src/store/lease-ops.ts: shards
 * whose lease ended more than `graceMs` ago, and orphans stored longer ago
 * than that) at once when started and then every `collectIntervalMs` (a
 * day), and scrubs it (re-reads and re-hashes every shard; damaged and
 * vanished ones become lost ids, which audits answer 'lost') every
 * `scrubIntervalMs` (a week), the first time `firstScrubMs` after start. A
 * collection's removed shards go to `onCollected` (the holder withdraws
 * their provider records); a failed job is reported to `onError` and tried
 * again at its next turn. Jobs never overlap. Time comes from an injected
 * clock, so the tests drive it step by step.
 *
 * `leaseFigures` gives what a holder's metrics show: the shards held, and
 * those past their lease but still in their grace (awaiting collection).
 */
import { systemClock, type Clock } from '../../core/clock.ts'
import type { CollectReport, ScrubReport, ShardStore } from '../../store/types.ts'
import { shardChargeBytes } from '../../store/charge.ts'

const hour = 60 * 60 * 1000
const day = 24 * hour

/** Kept past its lease end before a collection takes it: a week for an owner whose renewals stopped to come back. */
export const COLLECT_GRACE_MS = 7 * day
/** Between two collections: daily, so space frees within a day of a grace ending. */
export const COLLECT_INTERVAL_MS = day
/** Between two scrubs: weekly, a full re-read of the disk costs hours of I/O on a large store. */
export const SCRUB_INTERVAL_MS = 7 * day
/** The first scrub after a start: an hour, after the start's own load has passed (and every restart still scrubs). */
export const FIRST_SCRUB_MS = hour

/** The clock port (../../core/clock.ts). */
export type MaintenanceClock = Clock
export const systemMaintenanceClock: MaintenanceClock = systemClock

export interface MaintenanceInit {
  store: Pick<ShardStore, 'collect' | 'scrub' | 'entries'>
  clock?: MaintenanceClock
  graceMs?: number
  collectIntervalMs?: number
  scrubIntervalMs?: number
  firstScrubMs?: number
  /** the shards a (real) collection removed */
  onCollected?: (report: CollectReport) => void | Promise<void>
  onScrubbed?: (report: ScrubReport) => void
  onError?: (job: 'collect' | 'scrub', error: unknown) => void
}

export interface MaintenanceStats {
  /** shards and charged bytes removed by collections since start */
  collectedShards: number
  collectedBytes: number
  collections: number
  scrubs: number
  /** shards the scrubs found damaged or vanished since start */
  scrubLost: number
}

export interface LeaseFigures {
  /** shards held */
  shards: number
  /** shards whose lease has ended, kept until their grace ends, and their charged bytes */
  expiredShards: number
  expiredBytes: number
}

/** Held shards, and those past their lease at `now` (still in their grace). */
export async function leaseFigures (store: Pick<ShardStore, 'entries'>, now: number): Promise<LeaseFigures> {
  const figures: LeaseFigures = { shards: 0, expiredShards: 0, expiredBytes: 0 }
  for await (const record of store.entries()) {
    figures.shards++
    if (record.leaseUntil < now) {
      figures.expiredShards++
      figures.expiredBytes += shardChargeBytes(record.size)
    }
  }
  return figures
}

export class StoreMaintenance {
  readonly #init: MaintenanceInit
  readonly #clock: MaintenanceClock
  readonly #abort = new AbortController()
  readonly stats: MaintenanceStats = { collectedShards: 0, collectedBytes: 0, collections: 0, scrubs: 0, scrubLost: 0 }
  #job: Promise<unknown> = Promise.resolve()
  #started = false

  constructor (init: MaintenanceInit) {
    this.#init = init
    this.#clock = init.clock ?? systemMaintenanceClock
  }

  get graceMs (): number { return this.#init.graceMs ?? COLLECT_GRACE_MS }

  start (): this {
    if (this.#started || this.#abort.signal.aborted) return this
    this.#started = true
    void this.#loop()
    return this
  }

  stop (): void {
    this.#abort.abort(new DOMException('Store maintenance stopped', 'AbortError'))
  }

  /** Collect now (after the job under way); `dryRun` lists what would go and removes nothing. */
  async collect (options: { dryRun?: boolean } = {}): Promise<CollectReport> {
    return await this.#serial(async () => {
      const report = await this.#init.store.collect({ graceMs: this.graceMs, now: this.#clock.now(), dryRun: options.dryRun === true, signal: this.#abort.signal })
      if (!report.dryRun) {
        this.stats.collections++
        this.stats.collectedShards += report.shards.length
        this.stats.collectedBytes += report.bytes
        if (report.shards.length > 0) await this.#init.onCollected?.(report)
      }
      return report
    })
  }

  /** Scrub now (after the job under way). */
  async scrub (): Promise<ScrubReport> {
    return await this.#serial(async () => {
      const report = await this.#init.store.scrub({ signal: this.#abort.signal })
      this.stats.scrubs++
      this.stats.scrubLost += report.corrupt.length + report.missing.length
      try { this.#init.onScrubbed?.(report) } catch {}
      return report
    })
  }

  async #serial<T> (job: () => Promise<T>): Promise<T> {
    const run = this.#job.catch(() => {}).then(job)
    this.#job = run
    return await run
  }

  async #loop (): Promise<void> {
    const signal = this.#abort.signal
    const collectEvery = this.#init.collectIntervalMs ?? COLLECT_INTERVAL_MS
    const scrubEvery = this.#init.scrubIntervalMs ?? SCRUB_INTERVAL_MS
    let nextCollect = this.#clock.now()
    let nextScrub = this.#clock.now() + (this.#init.firstScrubMs ?? FIRST_SCRUB_MS)
    while (!signal.aborted) {
      const now = this.#clock.now()
      if (now >= nextCollect) {
        nextCollect = now + collectEvery
        await this.collect().catch(err => { this.#report('collect', err) })
      } else if (now >= nextScrub) {
        nextScrub = now + scrubEvery
        await this.scrub().catch(err => { this.#report('scrub', err) })
      } else {
        try {
          await this.#clock.sleep(Math.min(nextCollect, nextScrub) - now, signal)
        } catch {
          return
        }
      }
    }
  }

  #report (job: 'collect' | 'scrub', error: unknown): void {
    if (this.#abort.signal.aborted) return
    try { this.#init.onError?.(job, error) } catch {}
  }
}
