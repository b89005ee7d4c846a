/**
 * A clock for scheduling tests: `now()` and `sleep(ms, signal)` as the
 * LeaseKeeper and StoreMaintenance take them, moved only by `advance`,
 * which wakes each sleeper at its due time in order and lets the woken
 * code run (pending promise jobs and I/O callbacks) before going on.
 */
export class FakeClock {
  t: number
  readonly #sleepers: Array<{ due: number, resolve: () => void }> = []

  constructor (start: number) {
    this.t = start
  }

  readonly now = (): number => this.t

  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) { reject(signal.reason); return }
      const sleeper = { due: this.t + ms, resolve }
      this.#sleepers.push(sleeper)
      signal?.addEventListener('abort', () => {
        const i = this.#sleepers.indexOf(sleeper)
        if (i >= 0) this.#sleepers.splice(i, 1)
        reject(signal.reason)
      }, { once: true })
    })
  }

  /** sleepers waiting */
  get sleepers (): number { return this.#sleepers.length }

  /** Move time forward by `ms`, waking sleepers as their time comes. */
  async advance (ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      await settle()
      this.#sleepers.sort((a, b) => a.due - b.due)
      const next = this.#sleepers[0]
      if (next === undefined || next.due > end) break
      this.#sleepers.shift()
      this.t = Math.max(this.t, next.due)
      next.resolve()
    }
    this.t = end
    await settle()
  }
}

/** Let queued promise jobs and I/O callbacks run. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
}
