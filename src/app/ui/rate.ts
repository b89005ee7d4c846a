/**
 * Speed and time left of a transfer, from samples of "bytes done so far"
 * over a sliding window, so a burst or a stall moves the figure within a few
 * seconds rather than never (whole-transfer average) or wildly (last sample).
 */

/** how far back the speed looks by default (ms) */
export const RATE_WINDOW = 5000
/** by default, no speed until the samples span this long (ms): the first instants say little */
export const MIN_SPAN = 1000

export class RateMeter {
  readonly #window: number
  readonly #minSpan: number
  #samples: Array<{ at: number, bytes: number }> = []

  /** `window`: how far back the speed looks (ms); `minSpan`: no speed until the samples span this long (ms) */
  constructor (window = RATE_WINDOW, minSpan = MIN_SPAN) {
    this.#window = window
    this.#minSpan = minSpan
  }

  /** Record that `bytes` were done in total at time `at` (ms). A total that goes down starts over. */
  sample (at: number, bytes: number): void {
    const last = this.#samples.at(-1)
    if (last !== undefined && (bytes < last.bytes || at < last.at)) this.#samples = []
    this.#samples.push({ at, bytes })
    // keep one sample at or before the window's start so the span covers the whole window
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) <= at - this.#window) this.#samples.shift()
  }

  /** bytes per second over the window; 0 until the samples span some time, and `minSpan` */
  rate (): number {
    const first = this.#samples[0]
    const last = this.#samples.at(-1)
    if (first === undefined || last === undefined) return 0
    const span = last.at - first.at
    if (span <= 0 || span < this.#minSpan) return 0
    return (last.bytes - first.bytes) * 1000 / span
  }

  reset (): void {
    this.#samples = []
  }
}

/** Seconds left for `remaining` bytes at `rate` bytes/s; undefined when there is no rate to go by. */
export function timeLeft (remaining: number, rate: number): number | undefined {
  if (remaining <= 0) return 0
  if (!(rate > 0)) return undefined
  return remaining / rate
}
