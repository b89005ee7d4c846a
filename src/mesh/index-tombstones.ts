/**
 * The tombstones an index keeps (./index-store.ts): when each deleted file
 * was deleted, by file key. A tombstone past its lifetime
 * (INDEX_TOMBSTONE_LIFETIME_MS, ./index-entries.ts) is no longer kept: it is
 * hidden at once, and dropped by the next collection, which also drops the
 * oldest kept beyond the cap (INDEX_MAX_TOMBSTONES; equal times by key), so
 * which tombstones stay never depends on the order they arrived in.
 * Setting and dropping are the index's to record (it takes them back when a
 * save fails), so `set` returns what it replaced.
 */
import { tombstoneExpired, INDEX_MAX_TOMBSTONES } from './index-entries.ts'
import type { Tombstone } from './types.ts'

export interface TombstonesOptions {
  /** the clock that says which tombstones are past their lifetime (ms since the epoch) */
  now: () => number
  /** most tombstones a collection keeps */
  maxKept?: number
}

export class Tombstones {
  /** file key -> deletedAt, also those past their lifetime until collected */
  readonly #deletedAt = new Map<string, number>()
  readonly #now: () => number
  readonly #maxKept: number

  constructor (options: TombstonesOptions) {
    this.#now = options.now
    this.#maxKept = options.maxKept ?? INDEX_MAX_TOMBSTONES
  }

  /** The tombstones kept, oldest first. */
  list (): Tombstone[] {
    return this.#kept(this.#now())
  }

  /** When `key` was deleted, if its tombstone is kept. */
  deletedAt (key: string): number | undefined {
    const at = this.#deletedAt.get(key)
    return at === undefined || tombstoneExpired(at, this.#now()) ? undefined : at
  }

  /** Set `key`'s tombstone (undefined: drop it); what it was before, kept or not. */
  set (key: string, deletedAt: number | undefined): number | undefined {
    const before = this.#deletedAt.get(key)
    if (deletedAt === undefined) this.#deletedAt.delete(key)
    else this.#deletedAt.set(key, deletedAt)
    return before
  }

  /** The keys a collection drops now: those past their lifetime, then the oldest beyond the cap. */
  collectable (): string[] {
    const now = this.#now()
    const expired = Array.from(this.#deletedAt).filter(([, at]) => tombstoneExpired(at, now)).map(([key]) => key)
    const over = this.#deletedAt.size - expired.length - this.#maxKept
    return over <= 0 ? expired : [...expired, ...this.#kept(now).slice(0, over).map(t => t.key)]
  }

  #kept (now: number): Tombstone[] {
    return Array.from(this.#deletedAt, ([key, deletedAt]) => ({ key, deletedAt }))
      .filter(t => !tombstoneExpired(t.deletedAt, now))
      .sort((a, b) => a.deletedAt - b.deletedAt || (a.key < b.key ? -1 : 1))
  }
}
