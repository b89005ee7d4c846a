/**
 * Keeps an unlocked owner's file list published and current while the
 * owner's keys are unlocked: one sync (commands/sync.ts) at once, then one
 * every `intervalMs` (an hour). A sync merges what other devices published
 * and republishes when the record is missing, a day old or behind this
 * device, so the record is renewed long before it expires and a list that
 * could not be restored at first comes back by itself.
 *
 * A failed sync (no DHT server yet, a peer refusing) is retried after
 * `retryMinMs`, doubling up to `intervalMs`. Syncs never overlap. `stop()`
 * aborts the sync under way through the signal each sync is given (the
 * owner locked or switched keys: that mesh's work should end). Time comes
 * from an injected clock, so the tests drive it step by step.
 */

export interface KeeperClock {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

const systemClock: KeeperClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => { clearTimeout(handle as ReturnType<typeof setTimeout>) }
}

/** ms between two syncs: a DHT lookup and one small shard fetch per owner and hour */
export const INDEX_SYNC_INTERVAL_MS = 60 * 60 * 1000
/** ms before the first retry of a failed sync */
export const INDEX_SYNC_RETRY_MIN_MS = 30 * 1000

export interface IndexKeeperInit<T> {
  /** one sync; `signal` aborts when the keeper is stopped */
  sync: (signal: AbortSignal) => Promise<T>
  intervalMs?: number
  retryMinMs?: number
  clock?: KeeperClock
  /** each sync's outcome (for logs and status) */
  onResult?: (outcome: { ok: true, result: T } | { ok: false, error: unknown }) => void
}

export class IndexKeeper<T> {
  readonly #init: IndexKeeperInit<T>
  readonly #clock: KeeperClock
  #timer: unknown
  #failures = 0
  #running?: Promise<void>
  #stopped = false
  readonly #abort = new AbortController()

  constructor (init: IndexKeeperInit<T>) {
    this.#init = init
    this.#clock = init.clock ?? systemClock
  }

  /** Sync at once (on the next turn), then on schedule. */
  start (): this {
    this.#schedule(0)
    return this
  }

  /** No more syncs; the one under way is aborted. */
  stop (): void {
    this.#stopped = true
    this.#abort.abort(new DOMException('The index keeper stopped', 'AbortError'))
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  get failures (): number { return this.#failures }

  /** Resolves once the sync running now (if any) has ended. */
  async idle (): Promise<void> {
    await this.#running
  }

  #schedule (ms: number): void {
    if (this.#stopped) return
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#running = this.#run()
    }, ms)
  }

  async #run (): Promise<void> {
    const interval = this.#init.intervalMs ?? INDEX_SYNC_INTERVAL_MS
    try {
      const result = await this.#init.sync(this.#abort.signal)
      this.#failures = 0
      this.#report({ ok: true, result })
      this.#schedule(interval)
    } catch (error) {
      this.#failures++
      this.#report({ ok: false, error })
      const min = this.#init.retryMinMs ?? INDEX_SYNC_RETRY_MIN_MS
      this.#schedule(Math.min(interval, min * 2 ** Math.min(this.#failures - 1, 30)))
    }
  }

  #report (outcome: { ok: true, result: T } | { ok: false, error: unknown }): void {
    if (this.#stopped) return
    try { this.#init.onResult?.(outcome) } catch {}
  }
}
