/**
 * What commands print: structured blocks, not strings glued together. The
 * app's console renders them (tables as tables), a terminal prints them as
 * text (render-text.ts).
 */

export type Tone = 'plain' | 'muted' | 'ok' | 'warn'

export type Block =
  /** one line (or paragraph) of text */
  | { kind: 'text', text: string, tone?: Tone }
  /** a section title (help groups, subsections) */
  | { kind: 'heading', text: string }
  /** rows of cells under column names; every row has one cell per column */
  | { kind: 'table', columns: string[], rows: string[][] }
  /** name: value lines */
  | { kind: 'pairs', pairs: Array<[string, string]> }
  /** what went wrong (err.name and its message), and what to do about it */
  | { kind: 'error', name: string, message: string, hint?: string }
  /**
   * a running transfer; a later progress block with the same id replaces
   * it (`total` undefined while unknown)
   */
  | { kind: 'progress', id: string, label: string, done: number, total?: number, detail?: string }

/** Where a command writes its blocks. */
export type Sink = (block: Block) => void

/** A small writer over a sink, so commands read as what they print. */
export class Output {
  readonly #sink: Sink

  constructor (sink: Sink) {
    this.#sink = sink
  }

  block (block: Block): void {
    this.#sink(block)
  }

  text (text: string, tone: Tone = 'plain'): void {
    this.#sink(tone === 'plain' ? { kind: 'text', text } : { kind: 'text', text, tone })
  }

  heading (text: string): void {
    this.#sink({ kind: 'heading', text })
  }

  table (columns: string[], rows: string[][]): void {
    this.#sink({ kind: 'table', columns, rows })
  }

  pairs (pairs: Array<[string, string]>): void {
    this.#sink({ kind: 'pairs', pairs })
  }

  error (name: string, message: string, hint?: string): void {
    this.#sink(hint === undefined ? { kind: 'error', name, message } : { kind: 'error', name, message, hint })
  }

  progress (id: string, label: string, done: number, total?: number, detail?: string): void {
    this.#sink({ kind: 'progress', id, label, done, ...(total !== undefined ? { total } : {}), ...(detail !== undefined ? { detail } : {}) })
  }
}
