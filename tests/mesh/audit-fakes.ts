/** A virtual clock and seeded random numbers for the audit ledger and scheduler tests (src/mesh/audit-ports.ts). */
import type { Clock, Rng } from '../../src/mesh/audit-ports.ts'
import { seededRng } from './rng.ts'

export class FakeClock implements Clock {
  #now: number
  readonly #sleepers = new Set<{ at: number, resolve: () => void }>()

  constructor (start = 1_767_225_600_000) {
    this.#now = start
  }

  now (): number {
    return this.#now
  }

  async sleep (ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) throw signal.reason
    await new Promise<void>((resolve, reject) => {
      const sleeper = { at: this.#now + ms, resolve: () => { signal?.removeEventListener('abort', abort); resolve() } }
      const abort = (): void => { this.#sleepers.delete(sleeper); reject(signal?.reason) }
      signal?.addEventListener('abort', abort, { once: true })
      this.#sleepers.add(sleeper)
    })
  }

  /** Move time on and wake the sleepers due by then. */
  advance (ms: number): void {
    this.#now += ms
    for (const s of [...this.#sleepers]) {
      if (s.at <= this.#now) { this.#sleepers.delete(s); s.resolve() }
    }
  }

  get sleepers (): number {
    return this.#sleepers.size
  }
}

export function fakeRng (seed: number): Rng {
  const random = seededRng(seed)
  return { random, bytes: (length) => Uint8Array.from({ length }, () => Math.floor(random() * 256)) }
}

/** Let every pending promise callback run (no time passes). */
export async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
}
