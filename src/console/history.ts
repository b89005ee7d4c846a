/**
 * The lines run so far, oldest first, kept in a HistoryStore so they survive
 * reloads, and walked with the up and down arrows like a shell's: the line
 * being typed is kept and comes back after the newest entry.
 *
 * A line carrying a file's key is never kept: a share link in any form
 * (`/s/<file key CID>/…`: the key itself, a password-sealed key that can be
 * guessed at offline, or an envelope), or a bare 32-byte key in base64url.
 * The store (localStorage) outlives the session and is readable by anyone
 * with the device, unlike the keystore. Such lines already in a store are
 * dropped when it loads.
 */
import type { HistoryStore } from './types.ts'

/** entries kept (older ones are dropped first) */
export const HISTORY_LIMIT = 500

/** a share link's path, whatever comes before it (origin, `#`, quotes) */
const SHARE_LINK = /\/s\/[a-z0-9]+\/(?:[pk]\/)?[A-Za-z0-9_-]/
/** a word of exactly 43 base64url characters: 32 bytes, unpadded (an optional `=` pad) */
const RAW_KEY = /(?:^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}=?(?![A-Za-z0-9_=-])/

/** True when `line` carries a file key: a share link, or a raw 32-byte base64url key. */
export function carriesFileKey (line: string): boolean {
  return SHARE_LINK.test(line) || RAW_KEY.test(line)
}

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
    const kept = loaded.filter(line => !carriesFileKey(line))
    this.#entries = kept.slice(-this.#limit)
    this.#cursor = this.#entries.length
    // a store written before keys were kept out loses them now
    if (kept.length !== loaded.length) this.#save()
  }

  get entries (): readonly string[] {
    return this.#entries
  }

  /**
   * Remember a line that was run: not blank lines, not one starting with a
   * space (as in shells, to keep a line out), not one carrying a file key,
   * not a repeat of the newest.
   */
  add (line: string): void {
    this.reset()
    if (line.trim() === '' || line.startsWith(' ') || carriesFileKey(line)) return
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
