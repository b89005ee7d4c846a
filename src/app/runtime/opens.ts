/**
 * How often each of the owner's files was opened on this device, for the
 * "popular" sort. Kept in localStorage next to the settings: a count per file
 * key, nothing about the contents.
 */
export class OpenCounts {
  readonly #storageKey: string
  #counts: Record<string, number>

  constructor (namespace: string) {
    this.#storageKey = `${namespace}-opens`
    this.#counts = OpenCounts.#read(this.#storageKey)
  }

  static #read (key: string): Record<string, number> {
    try {
      const parsed = JSON.parse(localStorage.getItem(key) ?? '{}') as unknown
      if (parsed === null || typeof parsed !== 'object') return {}
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => Number.isSafeInteger(v) && (v as number) > 0)) as Record<string, number>
    } catch {
      return {}
    }
  }

  get (key: string): number {
    return this.#counts[key] ?? 0
  }

  add (key: string): void {
    this.#counts[key] = this.get(key) + 1
    try { localStorage.setItem(this.#storageKey, JSON.stringify(this.#counts)) } catch { /* storage full: the count is only a hint */ }
  }

  forget (key: string): void {
    delete this.#counts[key]
    try { localStorage.setItem(this.#storageKey, JSON.stringify(this.#counts)) } catch {}
  }
}
