/**
 * Splitting a command line into words, shell-style, and quoting words so they
 * split back unchanged.
 *
 * - Whitespace separates words; it is kept inside quotes.
 * - '…' keeps everything literally up to the next single quote.
 * - "…" keeps everything, except that \" and \\ stand for " and \.
 * - Outside quotes a backslash makes the next character literal.
 * - Adjacent pieces join: a'b c'"d" is one word, "ab cd".
 */
import { UnterminatedQuoteError } from './errors.ts'

export interface Word {
  /** the word after quotes and escapes are removed */
  text: string
  /** offset of the word's first character in the line */
  start: number
  /** offset just past its last character */
  end: number
  /** some part of it was quoted or escaped: never a flag */
  quoted: boolean
}

const SPACE = /\s/

export interface TokenizeOptions {
  /**
   * accept a line that ends inside a quote or after a backslash (for
   * completion while typing) instead of throwing UnterminatedQuoteError
   */
  partial?: boolean
}

export function tokenize (line: string, options: TokenizeOptions = {}): Word[] {
  const words: Word[] = []
  let i = 0
  while (i < line.length) {
    while (i < line.length && SPACE.test(line[i] ?? '')) i++
    if (i >= line.length) break
    const start = i
    let text = ''
    let quoted = false
    while (i < line.length && !SPACE.test(line[i] ?? '')) {
      const c = line[i] as string
      if (c === "'") {
        quoted = true
        const close = line.indexOf("'", i + 1)
        if (close === -1) {
          if (options.partial !== true) throw new UnterminatedQuoteError("The line ends inside a ' quote: close it with another '")
          text += line.slice(i + 1)
          i = line.length
          break
        }
        text += line.slice(i + 1, close)
        i = close + 1
      } else if (c === '"') {
        quoted = true
        i++
        let closed = false
        while (i < line.length) {
          const d = line[i] as string
          if (d === '"') { closed = true; i++; break }
          if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) { text += line[i + 1] as string; i += 2; continue }
          text += d
          i++
        }
        if (!closed && options.partial !== true) throw new UnterminatedQuoteError('The line ends inside a " quote: close it with another "')
      } else if (c === '\\') {
        quoted = true
        if (i + 1 >= line.length) {
          if (options.partial !== true) throw new UnterminatedQuoteError('The line ends with a backslash: it must escape a character')
          i++
          break
        }
        text += line[i + 1] as string
        i += 2
      } else {
        text += c
        i++
      }
    }
    words.push({ text, start, end: i, quoted })
  }
  return words
}

/** The words of a line, quotes and escapes removed. */
export function splitWords (line: string): string[] {
  return tokenize(line).map(w => w.text)
}

/** Words that need no quoting: they split back to themselves and never read as flags. */
const PLAIN = /^[A-Za-z0-9_.,:/@%+=^~][A-Za-z0-9_.,:/@%+=^~-]*$/

/** A word as typed so that `tokenize` gives it back: bare when safe, else in single quotes. */
export function quote (word: string): string {
  if (PLAIN.test(word)) return word
  return `'${word.replaceAll("'", "'\\''")}'`
}

/** Words joined into a line that splits back into the same words. */
export function joinWords (words: readonly string[]): string {
  return words.map(quote).join(' ')
}
