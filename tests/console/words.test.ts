import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { joinWords, quote, splitWords, tokenize } from '../../src/console/words.ts'

describe('splitting a line into words', () => {
  it('splits on any run of whitespace and ignores it at both ends', () => {
    expect(splitWords('  put   --name\tx  ')).toEqual(['put', '--name', 'x'])
    expect(splitWords('')).toEqual([])
    expect(splitWords('   ')).toEqual([])
  })

  it('keeps everything inside single quotes literally', () => {
    expect(splitWords("get 'my file.txt'")).toEqual(['get', 'my file.txt'])
    expect(splitWords("x 'a \\n \"b\" $c'")).toEqual(['x', 'a \\n "b" $c'])
  })

  it('reads \\" and \\\\ inside double quotes, and keeps other backslashes', () => {
    expect(splitWords('x "say \\"hi\\" \\\\ \\n"')).toEqual(['x', 'say "hi" \\ \\n'])
  })

  it('makes the next character literal after a backslash outside quotes', () => {
    expect(splitWords('get my\\ file.txt a\\\'b')).toEqual(['get', 'my file.txt', "a'b"])
  })

  it('joins adjacent quoted and bare pieces into one word', () => {
    expect(splitWords("a'b c'\"d e\"f")).toEqual(['ab cd ef'])
  })

  it('gives empty words for empty quotes', () => {
    expect(splitWords("x '' \"\"")).toEqual(['x', '', ''])
  })

  it('reports where each word is and whether it was quoted', () => {
    expect(tokenize("ls 'a b' --k")).toEqual([
      { text: 'ls', start: 0, end: 2, quoted: false },
      { text: 'a b', start: 3, end: 8, quoted: true },
      { text: '--k', start: 9, end: 12, quoted: false }
    ])
  })

  it('throws UnterminatedQuoteError for an open quote or a trailing backslash', () => {
    for (const line of ["get 'abc", 'get "abc', 'get abc\\', 'x "a\\"']) {
      expect(() => splitWords(line)).toThrow(expect.objectContaining({ name: 'UnterminatedQuoteError' }))
    }
  })

  it('accepts an unfinished line when asked (for completion)', () => {
    expect(tokenize("get 'my fi", { partial: true }).map(w => w.text)).toEqual(['get', 'my fi'])
    expect(tokenize('get "my fi', { partial: true }).map(w => w.text)).toEqual(['get', 'my fi'])
    expect(tokenize('get my\\', { partial: true }).map(w => w.text)).toEqual(['get', 'my'])
  })
})

describe('quoting', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(quote('report.pdf')).toBe('report.pdf')
    expect(quote('a/b:c@d,e=f+g%h')).toBe('a/b:c@d,e=f+g%h')
    expect(quote('my file')).toBe("'my file'")
    expect(quote('')).toBe("''")
    expect(quote("it's")).toBe("'it'\\''s'")
    expect(quote('--name')).toBe("'--name'")
  })

  it('quoted words split back to the same words (property)', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { maxLength: 8 }), words => {
      expect(splitWords(joinWords(words))).toEqual(words)
    }), { numRuns: 500 })
    fc.assert(fc.property(fc.array(fc.string({ unit: fc.constantFrom("'", '"', '\\', ' ', '\t', '\n', 'a', '-', '$') }), { maxLength: 8 }), words => {
      expect(splitWords(joinWords(words))).toEqual(words)
    }), { numRuns: 500 })
  })

  it('a quoted word is never read as a flag (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), word => {
      const [w] = tokenize(quote(`-${word}`))
      expect(w?.quoted).toBe(true)
    }))
  })
})
