/**
 * The lines run so far, oldest first, kept in a HistoryStore so they survive
 * reloads, and walked with the up and down arrows like a shell's: the line
 * being typed is kept and comes back after the newest entry.
 */
import type { HistoryStore } from './types.ts'

/** entries kept (older ones are dropped first) */
export const HISTORY_LIMIT = 500

export class History {
  readonly #store: HistoryStore
  readonly #limit: number
  #entries: string[]
  /** index into entries while walking; entries.length means the draft */
  #cursor: number
  #draft = ''

  constructor (store: HistoryStore, options: { limit?: number } = {}) {
    this.#store = store
    this.#limit = Math.max(1, options.limit ?? HISTORY_LIMIT)
    let loaded: string[] = []
    try {
      const raw: unknown = store.load()
      if (Array.isArray(raw)) loaded = raw.filter((e): e is string => typeof e === 'string' && e.trim() !== '')
    } catch { /* a damaged store starts an empty history */ }
    this.#entries = loaded.slice(-this.#limit)
    this.#cursor = this.#entries.length
  }

  get entries (): readonly string[] {
    return this.#entries
  }

  /**
   * Remember a line that was run: not blank lines, not one starting with a
   * space (as in shells, to keep a line out), not a repeat of the newest.
   */
  add (line: string): void {
    this.reset()
    if (line.trim() === '' || line.startsWith(' ')) return
    if (this.#entries.at(-1) === line) return
    this.#entries = [...this.#entries, line].slice(-this.#limit)
    this.#cursor = this.#entries.length
    this.#save()
  }

  clear (): void {
    this.#entries = []
    this.reset()
    this.#save()
  }

  /** The older entry to show, keeping `current` as the draft when leaving it; undefined at the oldest. */
  up (current: string): string | undefined {
    if (this.#cursor === 0) return undefined
    if (this.#cursor === this.#entries.length) this.#draft = current
    this.#cursor--
    return this.#entries[this.#cursor]
  }

  /** The newer entry, or the draft after the newest; undefined when already at the draft. */
  down (): string | undefined {
    if (this.#cursor >= this.#entries.length) return undefined
    this.#cursor++
    return this.#cursor === this.#entries.length ? this.#draft : this.#entries[this.#cursor]
  }

  /** Back to the draft end (after a line runs). */
  reset (): void {
    this.#cursor = this.#entries.length
    this.#draft = ''
  }

  #save (): void {
    try { this.#store.save(this.#entries) } catch { /* history is a convenience: a full store only loses it */ }
  }
}
