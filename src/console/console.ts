/**
 * The console: one command at a time from a typed line to structured output,
 * with history, completion and cancellation. It knows the node only through
 * a ConsoleBackend and its surroundings only through a ConsoleHost, so the
 * app and a terminal share it.
 */
import { COMMANDS } from './commands/index.ts'
import { applyCompletion, complete, type Completion } from './complete.ts'
import { AbortedError } from '../core/errors.ts'
import { ConsoleUsageError } from './errors.ts'
import { showCommand } from './help.ts'
import { History } from './history.ts'
import { Output, type Block, type Sink } from './output.ts'
import { createRegistry, parseLine, usageLine } from './parse.ts'
import type { Command, CommandContext, ConsoleBackend, ConsoleHost, Parsed, Registry, SessionCounters, Spec } from './types.ts'

export interface ConsoleInit {
  backend: ConsoleBackend
  host: ConsoleHost
  /** the clock (tests) */
  now?: () => number
  /** history entries kept (default 500) */
  historyLimit?: number
  /** the command set (default: all of them) */
  commands?: readonly Command[]
}

/** What to do about an error, by its name. */
const HINTS: Record<string, string> = {
  BadPasswordError: 'The password is wrong; nothing was changed. Try again.',
  WeakPasswordError: 'Choose a longer password: several unrelated words work well.',
  QuotaExceededError: 'There is no room left for it: delete files you no longer need (rm), or try again when more storage peers are connected.',
  NotFoundError: 'list shows your files (names are exact); a share link must be pasted whole.',
  AlreadyExistsError: 'That name is taken: choose another.',
  InsufficientPeersError: 'Too few peers are connected to store it safely: discover looks for more, network shows the relays.',
  TooFewShardsError: 'Too few holders of this file are online right now: try again later, or discover more peers.',
  LockedError: 'Unlock your keys first.',
  NotAllowedError: 'Only the file\'s owner can do this.',
  TimeoutError: 'A peer took too long to answer: try again.',
  RateLimitedError: 'A peer is busy: wait a moment and try again.',
  WrongKeyError: 'The link or key does not open this file: check it was copied whole.',
  TamperedManifestError: 'The file\'s description failed its checks: the link may be damaged.',
  MalformedDataError: 'The data is not in the expected format: check the link or file.',
  UnknownCommandError: 'help lists every command.'
}

/** Hints that depend on why, by `name:details.reason`; they win over the name's own hint. */
const REASON_HINTS: Record<string, string> = {
  'NotFoundError:no-record': 'Your files are not deleted: open DataMesh on a device that lists them (it publishes the list when unlocked), then index restore again.',
  'NotFoundError:backup-unreachable': 'The list was found but no peer holding it is online right now: try index restore again later.'
}

function reasonOf (err: unknown): string | undefined {
  const reason = (err as { details?: { reason?: unknown } } | undefined)?.details?.reason
  return typeof reason === 'string' ? reason : undefined
}

/** A structured error block for anything thrown: its name, message and a hint; never a stack. */
export function describeError (err: unknown, usage?: string): Extract<Block, { kind: 'error' }> {
  const name = err instanceof Error ? err.name : 'Error'
  const message = err instanceof Error ? err.message : String(err)
  // a signal's own reason (AbortError) or the default AbortedError: just "Cancelled."; an AbortedError with a reason keeps it
  if (name === 'AbortError' || (name === 'AbortedError' && message === new AbortedError().message)) return { kind: 'error', name: 'AbortedError', message: 'Cancelled.' }
  const line = err instanceof ConsoleUsageError ? err.usage ?? usage : undefined
  const hint = line !== undefined ? `Usage: ${line}\nhelp ${line.split(' ')[0] ?? ''} shows examples.` : REASON_HINTS[`${name}:${reasonOf(err) ?? ''}`] ?? HINTS[name]
  return hint !== undefined ? { kind: 'error', name, message, hint } : { kind: 'error', name, message }
}

export class Console {
  readonly registry: Registry
  readonly history: History
  readonly counters: SessionCounters
  readonly #backend: ConsoleBackend
  readonly #host: ConsoleHost
  readonly #now: () => number
  #running = false

  constructor (init: ConsoleInit) {
    this.#backend = init.backend
    this.#host = init.host
    this.#now = init.now ?? Date.now
    this.registry = createRegistry(init.commands ?? COMMANDS)
    this.history = new History(init.host.history, init.historyLimit !== undefined ? { limit: init.historyLimit } : {})
    this.counters = { startedAt: this.#now(), commands: 0, failed: 0, bytesPut: 0, bytesGot: 0 }
  }

  /** a command is running (the next waits for it) */
  get running (): boolean {
    return this.#running
  }

  /**
   * Run one line, writing its output to `sink`. Resolves true when it
   * succeeded, false when it failed (the error was written as a block);
   * never rejects.
   */
  async run (line: string, sink: Sink, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.#running) {
      sink({ kind: 'error', name: 'BusyError', message: 'A command is still running.', hint: 'Wait for it, or cancel it with Esc or Ctrl+C.' })
      return false
    }
    if (line.trim() === '') return true
    this.history.add(line)
    this.#running = true
    this.counters.commands++
    const out = new Output(sink)
    let usage: string | undefined
    try {
      const parsed = parseLine(line, this.registry, this.#now())
      if (parsed.kind === 'empty') return true
      if (parsed.kind === 'help') { showCommand(parsed.command, parsed.sub, out); return true }
      usage = usageLine(parsed.command, parsed.spec === parsed.command ? undefined : parsed.spec)
      await this.#invoke(parsed.command, parsed.spec, out, options.signal, parsed.parsed)
      return true
    } catch (err) {
      this.counters.failed++
      sink(describeError(options.signal?.aborted === true ? options.signal.reason ?? err : err, usage))
      return false
    } finally {
      this.#running = false
    }
  }

  async #invoke (command: Command, spec: Spec, out: Output, signal: AbortSignal | undefined, parsed: Parsed): Promise<void> {
    if (spec.run === undefined) { showCommand(command, undefined, out); return }
    const ctx: CommandContext = {
      backend: this.#backend,
      host: this.#host,
      out,
      signal: signal ?? new AbortController().signal,
      now: this.#now,
      registry: this.registry,
      history: this.history,
      counters: this.counters
    }
    await spec.run(ctx, parsed)
  }

  /** What Tab offers at `cursor`. */
  async complete (line: string, cursor: number = line.length): Promise<Completion> {
    return await complete(line, cursor, this.registry, this.#backend)
  }

  /** Tab pressed: the new line and cursor, and the candidates to show when several remain. */
  async tab (line: string, cursor: number = line.length): Promise<{ line: string, cursor: number, shown: string[] }> {
    return applyCompletion(line, await this.complete(line, cursor))
  }
}
