/**
 * When the file index is backed up to the mesh (`mesh.backupIndex()`):
 *
 * - `delayMs` (2 s) after the first change, so a burst of puts shares one
 *   backup;
 * - one backup at a time, and at most one waiting behind it (it holds every
 *   change made before it starts: src/core/coalesce.ts);
 * - at once when `flush()` is called (the page is being hidden) while a
 *   backup is due, so exported keys restore the latest list;
 * - a failure is kept (`status`, reported through `onStatus`) and the
 *   backup retried after `retryMinMs`, doubling up to `retryMaxMs`; changes
 *   meanwhile wait for that retry instead of hammering a mesh that refused.
 *   A success clears the failure.
 *
 * Time comes from an injected clock, so the tests drive it step by step.
 */
import { Coalescer } from '../../core/coalesce.ts'
import type { IndexBackupStatus } from '../../api/types.ts'

/** the timers the scheduler uses; the default is the platform's */
export interface Clock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => { clearTimeout(handle as ReturnType<typeof setTimeout>) }
}

/** ms between an index change and its backup (changes meanwhile share it) */
export const BACKUP_DELAY_MS = 2000
/** ms before the first retry of a failed backup; doubled after each failure */
export const BACKUP_RETRY_MIN_MS = 5000
/** the longest wait between retries (5 minutes) */
export const BACKUP_RETRY_MAX_MS = 5 * 60_000

export interface IndexBackupInit<T> {
  /** write one backup (the current owner's index) */
  backup: () => Promise<T>
  /** false while no owner key is unlocked: a due backup is dropped (the next change schedules another) */
  canRun?: () => boolean
  delayMs?: number
  retryMinMs?: number
  retryMaxMs?: number
  clock?: Clock
  /** called whenever `status` changes */
  onStatus?: (status: IndexBackupStatus) => void
}

export class IndexBackupScheduler<T> {
  readonly #init: IndexBackupInit<T>
  readonly #clock: Clock
  readonly #runs: Coalescer<T>
  #timer: unknown
  #dueAt?: number
  #failures = 0
  #lastError?: { name: string, message: string }
  #lastSuccessAt?: number
  /** a backup is being written */
  #active = false
  /** bumped by reset(): outcomes of runs begun before it no longer count */
  #generation = 0
  #stopped = false

  constructor (init: IndexBackupInit<T>) {
    this.#init = init
    this.#clock = init.clock ?? systemClock
    this.#runs = new Coalescer(async () => await this.#attempt())
  }

  get status (): IndexBackupStatus {
    const failed = this.#lastError !== undefined
    const state = this.#active ? 'running' : failed ? 'failed' : this.#dueAt !== undefined ? 'scheduled' : 'idle'
    return {
      state,
      failures: this.#failures,
      ...(this.#lastError !== undefined ? { lastError: { ...this.#lastError } } : {}),
      ...(this.#lastSuccessAt !== undefined ? { lastSuccessAt: this.#lastSuccessAt } : {}),
      ...(this.#dueAt !== undefined ? { nextAttemptAt: this.#dueAt } : {})
    }
  }

  /** The index changed: back up `delayMs` from now, unless a backup (or a retry) is already due. */
  changed (): void {
    if (this.#stopped || this.#dueAt !== undefined) return
    this.#schedule(this.#init.delayMs ?? BACKUP_DELAY_MS)
    this.#report()
  }

  /** The page is being hidden: run a due backup now (retry back-off included). */
  flush (): void {
    if (this.#dueAt === undefined) return
    this.#fire()
  }

  /**
   * Back up now (an explicit request): a due backup is started at once; the
   * result is that of a backup begun after this call. Its failure is
   * thrown, and kept and retried like any other.
   */
  async now (): Promise<T> {
    this.#cancel()
    return await this.#runs.run()
  }

  /** The owner changed (another key, or locked): forget what is due and any failure. */
  reset (): void {
    this.#generation++
    this.#cancel()
    this.#failures = 0
    this.#lastError = undefined
    this.#lastSuccessAt = undefined
    this.#report()
  }

  stop (): void {
    this.#stopped = true
    this.#cancel()
  }

  /** Resolves once no backup runs or waits. */
  async idle (): Promise<void> {
    await this.#runs.idle()
  }

  #schedule (ms: number): void {
    this.#cancel()
    this.#dueAt = this.#clock.now() + ms
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#fire()
    }, ms)
  }

  #cancel (): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#dueAt = undefined
  }

  #fire (): void {
    this.#cancel()
    if (this.#stopped) return
    if (this.#init.canRun?.() === false) { this.#report(); return }
    // the outcome is kept in status and reported; nothing else awaits this run
    this.#runs.run().catch(() => {})
  }

  async #attempt (): Promise<T> {
    const generation = this.#generation
    this.#active = true
    this.#report()
    try {
      const result = await this.#init.backup()
      if (generation === this.#generation) {
        this.#failures = 0
        this.#lastError = undefined
        this.#lastSuccessAt = this.#clock.now()
      }
      return result
    } catch (err) {
      if (generation === this.#generation && !this.#stopped) {
        this.#failures++
        this.#lastError = describe(err)
        this.#schedule(this.#retryDelay())
      }
      throw err
    } finally {
      this.#active = false
      this.#report()
    }
  }

  #retryDelay (): number {
    const min = this.#init.retryMinMs ?? BACKUP_RETRY_MIN_MS
    const max = this.#init.retryMaxMs ?? BACKUP_RETRY_MAX_MS
    return Math.min(max, min * 2 ** Math.min(this.#failures - 1, 30))
  }

  #report (): void {
    try { this.#init.onStatus?.(this.status) } catch {}
  }
}

function describe (err: unknown): { name: string, message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) }
}
