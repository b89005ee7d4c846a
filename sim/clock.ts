/**
 * The virtual clock: an event queue ordered by time (a binary heap; events
 * at the same time run in the order they were scheduled). Nothing in the
 * simulation reads the real time. It serves the ports the real code takes:
 * `Clock { now, sleep }` (the audit scheduler's) and `ReputationClock`
 * (src/net/reputation.ts).
 */
import type { ReputationClock } from '../src/net/reputation.ts'

export type Handler = () => void | Promise<void>

interface Event {
  at: number
  seq: number
  fn: Handler
  cancelled: boolean
}

/** The audit scheduler's clock port (the design: `Clock { now(); sleep(ms, signal) }`). */
export interface Clock {
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export class EventQueue implements Clock, ReputationClock {
  readonly #heap: Event[] = []
  #seq = 0
  #now: number
  /** events run so far */
  processed = 0

  constructor (startMs = 0) {
    this.#now = startMs
  }

  now = (): number => this.#now

  get pending (): number { return this.#heap.length }

  /** Run `fn` at `at` (not before now); returns a handle for `cancel`. */
  at (at: number, fn: Handler): object {
    const event: Event = { at: Math.max(at, this.#now), seq: this.#seq++, fn, cancelled: false }
    this.#push(event)
    return event
  }

  after (ms: number, fn: Handler): object {
    return this.at(this.#now + Math.max(0, ms), fn)
  }

  cancel (handle: unknown): void {
    if (handle !== undefined && handle !== null) (handle as Event).cancelled = true
  }

  // ReputationClock
  setTimeout = (fn: () => void, ms: number): unknown => this.after(ms, fn)
  clearTimeout = (handle: unknown): void => { this.cancel(handle) }

  // Clock
  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      const handle = this.after(ms, resolve)
      signal?.addEventListener('abort', () => { this.cancel(handle); reject(signal.reason) }, { once: true })
    })
  }

  /** Run events in time order until the queue is empty or the next one lies after `untilMs`; the clock ends at `untilMs`. */
  async run (untilMs: number): Promise<void> {
    for (;;) {
      const next = this.#heap[0]
      if (next === undefined || next.at > untilMs) break
      this.#pop()
      if (next.cancelled) continue
      this.#now = next.at
      this.processed++
      const r = next.fn()
      if (r !== undefined) await r
    }
    this.#now = Math.max(this.#now, untilMs)
  }

  #less (a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push (e: Event): void {
    const h = this.#heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.#less(h[i] as Event, h[p] as Event)) break
      ;[h[i], h[p]] = [h[p] as Event, h[i] as Event]
      i = p
    }
  }

  #pop (): void {
    const h = this.#heap
    const last = h.pop() as Event
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.#less(h[l] as Event, h[m] as Event)) m = l
      if (r < h.length && this.#less(h[r] as Event, h[m] as Event)) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m] as Event, h[i] as Event]
      i = m
    }
  }
}
