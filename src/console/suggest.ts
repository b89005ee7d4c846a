/**
 * "Did you mean …?": close names for a mistyped one.
 *
 * Distance is the Damerau–Levenshtein distance (insertions, deletions,
 * substitutions and transpositions of adjacent characters, each costing 1,
 * with no restriction on editing a substring twice: Lowrance & Wagner, "An
 * Extension of the String-to-String Correction Problem", JACM 22(2), 1975).
 */

/** The unrestricted Damerau–Levenshtein distance between two strings (by UTF-16 code unit). */
export function damerauLevenshtein (a: string, b: string): number {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  const INF = a.length + b.length
  const width = b.length + 2
  // d[(i + 1) * width + (j + 1)] is the distance between a[0, i) and b[0, j); row and column 0 hold INF
  const d = new Uint32Array((a.length + 2) * width)
  const at = (i: number, j: number): number => (i + 1) * width + (j + 1)
  d[at(-1, -1)] = INF
  for (let i = 0; i <= a.length; i++) { d[at(i, -1)] = INF; d[at(i, 0)] = i }
  for (let j = 0; j <= b.length; j++) { d[at(-1, j)] = INF; d[at(0, j)] = j }
  /** the last row in which each character of a was seen */
  const lastRow = new Map<string, number>()
  for (let i = 1; i <= a.length; i++) {
    const ca = a[i - 1] as string
    let lastMatchCol = 0
    for (let j = 1; j <= b.length; j++) {
      const cb = b[j - 1] as string
      const i1 = lastRow.get(cb) ?? 0
      const j1 = lastMatchCol
      const cost = ca === cb ? 0 : 1
      if (cost === 0) lastMatchCol = j
      d[at(i, j)] = Math.min(
        (d[at(i - 1, j - 1)] as number) + cost,
        (d[at(i, j - 1)] as number) + 1,
        (d[at(i - 1, j)] as number) + 1,
        (d[at(i1 - 1, j1 - 1)] as number) + (i - i1 - 1) + 1 + (j - j1 - 1)
      )
    }
    lastRow.set(ca, i)
  }
  return d[at(a.length, b.length)] as number
}

/**
 * How many edits still count as a typo of a word this long: none for one
 * letter, one up to four letters, two up to seven, three beyond.
 */
export function typoBudget (length: number): number {
  return Math.min(3, Math.floor((length + 1) / 3))
}

export interface SuggestOptions {
  /** at most this many suggestions (default 3) */
  limit?: number
}

/**
 * Candidates close to `input`, best first: typos by increasing distance, then
 * candidates the input begins (at least three letters typed), shortest first.
 * Comparison ignores case. Empty when nothing is close.
 */
export function suggest (input: string, candidates: Iterable<string>, options: SuggestOptions = {}): string[] {
  const limit = options.limit ?? 3
  const typed = input.toLowerCase()
  if (typed === '') return []
  const budget = typoBudget(typed.length)
  const scored: Array<{ name: string, score: number }> = []
  const seen = new Set<string>()
  for (const name of candidates) {
    if (seen.has(name)) continue
    seen.add(name)
    const lower = name.toLowerCase()
    if (lower === typed) continue
    const distance = damerauLevenshtein(typed, lower)
    if (distance <= budget) scored.push({ name, score: distance })
    else if (typed.length >= 3 && lower.startsWith(typed)) scored.push({ name, score: budget + 1 + lower.length / 1000 })
  }
  return scored
    .sort((x, y) => x.score - y.score || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
    .slice(0, limit)
    .map(s => s.name)
}
