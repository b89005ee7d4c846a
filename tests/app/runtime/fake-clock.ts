/** A clock whose time moves only when the test says so; timers fire in order as it passes them. */
import type { Clock } from '../../../src/app/runtime/index-backup.ts'

interface Timer { id: number, at: number, fn: () => void }

export class FakeClock implements Clock {
  #now: number
  #timers: Timer[] = []
  #next = 1

  constructor (start = 1_000_000) {
    this.#now = start
  }

  now = (): number => this.#now

  setTimeout = (fn: () => void, ms: number): unknown => {
    const timer = { id: this.#next++, at: this.#now + Math.max(0, ms), fn }
    this.#timers.push(timer)
    return timer.id
  }

  clearTimeout = (handle: unknown): void => {
    this.#timers = this.#timers.filter(t => t.id !== handle)
  }

  /** ms until the next timer fires, or undefined when none is set */
  get nextIn (): number | undefined {
    const next = this.#sorted()[0]
    return next === undefined ? undefined : next.at - this.#now
  }

  get pending (): number { return this.#timers.length }

  /** Move time on by `ms`, firing every timer due on the way (and letting promises settle after each). */
  async advance (ms: number): Promise<void> {
    const until = this.#now + ms
    for (;;) {
      const next = this.#sorted()[0]
      if (next === undefined || next.at > until) break
      this.#timers = this.#timers.filter(t => t !== next)
      this.#now = next.at
      next.fn()
      await settle()
    }
    this.#now = until
    await settle()
  }

  #sorted (): Timer[] {
    return [...this.#timers].sort((a, b) => a.at - b.at || a.id - b.id)
  }
}

/** let every promise chain that can move on do so */
export async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}
