/**
 * The console view's state, and the browser host the command language runs
 * in: the scrollback, the question being asked (a password, a yes/no, files
 * to put), the running command and its cancellation. File picks, passwords
 * and confirmations are answered by the view; downloads go through
 * saveStream; history lives in localStorage.
 */
import { Console as CommandConsole, type BenchmarkResult, type Block, type ConsoleHost, type HistoryStore, type Metric, type SaveMeta } from '../../../console/index.ts'
import { saveStream } from '../../pwa/save.ts'
import type { AppState } from '../../state.svelte.ts'
import { onePer } from '../../ui/one-per.ts'

/** where the history is kept across reloads */
export const HISTORY_KEY = 'datamesh-console-history'
/** entries kept on screen (older ones scroll away for good) */
const MAX_ENTRIES = 300
/** crypto.getRandomValues fills at most 64 KiB a call */
const RANDOM_CHUNK = 65_536

/** One command line and what it printed (no line: output of the console itself). */
export interface Entry {
  id: number
  line?: string
  blocks: Block[]
}

export type Ask =
  | { kind: 'password', label: string, resolve: (password: string | undefined) => void }
  | { kind: 'confirm', question: string, resolve: (yes: boolean) => void }
  | { kind: 'files', resolve: (files: File[]) => void }

const localHistory: HistoryStore = {
  load: () => {
    const parsed: unknown = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]')
    return Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string') : []
  },
  save: entries => { localStorage.setItem(HISTORY_KEY, JSON.stringify(entries)) }
}

export class ConsoleSession implements ConsoleHost {
  entries = $state<Entry[]>([])
  /** what the console is asking the person right now */
  ask = $state.raw<Ask | undefined>()
  running = $state(false)
  /** bumped on every change of the output, so the view can follow it */
  version = $state(0)
  readonly history: HistoryStore = localHistory
  readonly commands: CommandConsole
  readonly #app: AppState
  #controller?: AbortController
  #id = 0

  constructor (app: AppState) {
    this.#app = app
    this.commands = new CommandConsole({ backend: app.api, host: this })
    this.print({ kind: 'text', text: 'DataMesh console. Type help for the commands, help <command> for examples.', tone: 'muted' })
  }

  /** Run a line; its output goes into a new entry. */
  async run (line: string): Promise<void> {
    if (this.running) return
    const entry = this.#add({ id: ++this.#id, line, blocks: [] })
    this.#controller = new AbortController()
    this.running = true
    try {
      await this.commands.run(line, block => { this.#write(entry, block) }, { signal: this.#controller.signal })
    } finally {
      this.running = false
      this.#controller = undefined
    }
  }

  /** Stop the running command (Esc, Ctrl+C, the Cancel button), answering any open question with no. */
  cancel (): void {
    this.#controller?.abort()
    this.#answerNo()
  }

  /** Output of the console itself (completions, ^C), not of a command. */
  print (...blocks: Block[]): void {
    this.#add({ id: ++this.#id, blocks })
  }

  /** A line abandoned with Ctrl+C. */
  abandon (line: string): void {
    this.#add({ id: ++this.#id, line: `${line}^C`, blocks: [] })
  }

  answerPassword (password: string | undefined): void {
    const ask = this.ask
    if (ask?.kind !== 'password') return
    this.ask = undefined
    ask.resolve(password)
  }

  answerConfirm (yes: boolean): void {
    const ask = this.ask
    if (ask?.kind !== 'confirm') return
    this.ask = undefined
    ask.resolve(yes)
  }

  answerFiles (files: File[]): void {
    const ask = this.ask
    if (ask?.kind !== 'files') return
    this.ask = undefined
    ask.resolve(files)
  }

  #answerNo (): void {
    const ask = this.ask
    if (ask?.kind === 'password') this.answerPassword(undefined)
    else if (ask?.kind === 'confirm') this.answerConfirm(false)
    else if (ask?.kind === 'files') this.answerFiles([])
  }

  #add (entry: Entry): Entry {
    this.entries.push(entry)
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES)
    this.version++
    return this.entries[this.entries.length - 1] as Entry // the reactive copy
  }

  /** A block into an entry; a progress block replaces the earlier one with its id. */
  #write (entry: Entry, block: Block): void {
    const at = block.kind === 'progress' ? entry.blocks.findIndex(b => b.kind === 'progress' && b.id === block.id) : -1
    if (at >= 0) entry.blocks[at] = block
    else entry.blocks.push(block)
    this.version++
  }

  // ConsoleHost

  async pickFiles (): Promise<File[]> {
    return await new Promise(resolve => { this.ask = { kind: 'files', resolve } })
  }

  async save (stream: ReadableStream<Uint8Array>, meta: SaveMeta, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    return await saveStream(stream, meta, options.signal !== undefined ? { signal: options.signal } : {})
  }

  clear (): void {
    this.entries = []
    this.version++
  }

  quit (): void {
    this.#app.go('files')
  }

  location (): string {
    return `${location.origin}${location.pathname}#/console`
  }

  async benchmark (size: number): Promise<BenchmarkResult> {
    const chunks: Array<Uint8Array<ArrayBuffer>> = []
    for (let done = 0; done < size; done += RANDOM_CHUNK) {
      chunks.push(crypto.getRandomValues(new Uint8Array(Math.min(RANDOM_CHUNK, size - done))))
    }
    // the pipeline and its workers load only when a benchmark runs
    const { SelfTest } = await import('../../SelfTest.svelte.ts')
    const test = new SelfTest()
    await test.run(new File(chunks, 'benchmark.bin'))
    if (test.error !== undefined) throw new Error(test.error)
    const r = test.result
    if (r === undefined) throw new Error('The benchmark gave no result')
    return { size: r.size, stripes: r.stripes, shards: r.shards, encodeMBps: r.encodeMBps, decodeMBps: r.decodeMBps, identical: r.identical }
  }

  async metrics (): Promise<Metric[]> {
    const out: Metric[] = [
      { name: 'page.uptime', value: Math.round(performance.now()), unit: 'ms' },
      { name: 'device.cores', value: navigator.hardwareConcurrency, unit: 'count' }
    ]
    // Chromium only: the page's JavaScript heap
    const memory = (performance as Performance & { memory?: { usedJSHeapSize: number, jsHeapSizeLimit: number } }).memory
    if (memory !== undefined) out.push({ name: 'page.heap.used', value: memory.usedJSHeapSize, unit: 'bytes' }, { name: 'page.heap.limit', value: memory.jsHeapSizeLimit, unit: 'bytes' })
    try {
      const estimate = await navigator.storage.estimate()
      if (estimate.usage !== undefined) out.push({ name: 'origin.storage.used', value: estimate.usage, unit: 'bytes' })
      if (estimate.quota !== undefined) out.push({ name: 'origin.storage.quota', value: estimate.quota, unit: 'bytes' })
    } catch { /* no storage estimate in this browser */ }
    return out
  }

  async promptPassword (label: string): Promise<string | undefined> {
    return await new Promise(resolve => { this.ask = { kind: 'password', label, resolve } })
  }

  async confirm (question: string): Promise<boolean> {
    return await new Promise(resolve => { this.ask = { kind: 'confirm', question, resolve } })
  }
}

/** The app's one console session: leaving the view and coming back keeps the scrollback, a running command and its question. */
export const sessionFor = onePer((app: AppState) => new ConsoleSession(app))
