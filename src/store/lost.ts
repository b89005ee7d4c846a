/**
 * The bounded memory of shards a store lost: ids whose bytes were found
 * corrupt or vanished (by a read, an audit or a scrub) and were removed.
 * A holder asked for one again (an audit) can then answer honestly "held
 * once, lost" instead of "never held".
 *
 * Invariants: at most MAX_LOST_SHARDS entries, oldest loss forgotten first;
 * entries older than LOST_MEMORY_MS are forgotten; an id stored again is
 * forgotten (it is held again). Order is the order of loss.
 */
import type { LostShard } from './types.ts'

/** Most lost ids remembered: ~40 bytes each where they are persisted, so at most ~160 KiB. */
export const MAX_LOST_SHARDS = 4096

/** How long a loss is remembered: auditors come daily, and repair follows within days, so 30 days is ample. */
export const LOST_MEMORY_MS = 30 * 24 * 60 * 60 * 1000

export class LostShards {
  readonly #lost = new Map<string, number>()

  constructor (entries: Iterable<LostShard> = []) {
    const sorted = [...entries].sort((a, b) => a.lostAt - b.lostAt)
    for (const e of sorted) this.#lost.set(e.id, e.lostAt)
    this.#trim()
  }

  get size (): number { return this.#lost.size }

  /** When `id` was lost, if that is remembered and no older than LOST_MEMORY_MS at `now`. */
  get (id: string, now: number): LostShard | undefined {
    const lostAt = this.#lost.get(id)
    if (lostAt === undefined || lostAt + LOST_MEMORY_MS < now) return undefined
    return { id, lostAt }
  }

  /** Remember a loss (an earlier loss of the same id is replaced). */
  add (id: string, lostAt: number): void {
    this.#lost.delete(id)
    this.#lost.set(id, lostAt)
    this.#trim()
  }

  /** Forget `id` (stored again); true when it was remembered. */
  forget (id: string): boolean {
    return this.#lost.delete(id)
  }

  /** Forget losses older than LOST_MEMORY_MS at `now`; true when any was. */
  expire (now: number): boolean {
    let changed = false
    for (const [id, lostAt] of this.#lost) {
      if (lostAt + LOST_MEMORY_MS >= now) continue
      this.#lost.delete(id)
      changed = true
    }
    return changed
  }

  /** The remembered losses, oldest first. */
  list (): LostShard[] {
    return [...this.#lost].map(([id, lostAt]) => ({ id, lostAt }))
  }

  #trim (): void {
    for (const id of this.#lost.keys()) {
      if (this.#lost.size <= MAX_LOST_SHARDS) break
      this.#lost.delete(id)
    }
  }
}
