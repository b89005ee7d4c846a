/**
 * Tab completion: command names first, then subcommands, flags, and the
 * values an argument takes (file names, key names, peer ids, command names).
 */
import { findSubcommand } from './parse.ts'
import type { CompleteKind, ConsoleBackend, Registry, Spec } from './types.ts'
import { quote, tokenize } from './words.ts'

export interface Completion {
  /** the word being completed spans [start, end) of the line */
  start: number
  end: number
  /** the word as typed so far (quotes removed) */
  prefix: string
  /** full values that complete it, sorted */
  candidates: string[]
}

async function valuesOf (kind: CompleteKind, backend: ConsoleBackend, registry: Registry): Promise<string[]> {
  try {
    switch (kind) {
      case 'file': return (await backend.list()).map(f => f.name)
      case 'key': return (await backend.keys()).map(k => k.name)
      case 'peer': return [...new Set(backend.connections().map(c => c.peerId))]
      case 'command': return registry.names()
    }
  } catch {
    return [] // locked or not ready: nothing to offer
  }
}

/** What may complete the word under the cursor of `line`. */
export async function complete (line: string, cursor: number, registry: Registry, backend: ConsoleBackend): Promise<Completion> {
  const head = line.slice(0, cursor)
  const words = tokenize(head, { partial: true })
  const last = words.at(-1)
  const fresh = last === undefined || last.end < head.length // the cursor follows a space: a new word
  const current = fresh ? { text: '', start: cursor, end: cursor, quoted: false } : last
  const before = fresh ? words : words.slice(0, -1)
  const result = (values: Iterable<string>): Completion => ({
    start: current.start,
    end: cursor,
    prefix: current.text,
    candidates: [...new Set(values)].filter(v => v.startsWith(current.text)).sort()
  })
  if (before.length === 0) return result(registry.names().filter(n => /^[a-z]/.test(n)))
  const command = registry.find(before[0]?.text ?? '')
  if (command === undefined) return result([])
  let spec: Spec = command
  let rest = before.slice(1)
  if (command.subcommands !== undefined) {
    const named = rest[0] !== undefined ? findSubcommand(command, rest[0].text) : undefined
    if (named !== undefined) {
      spec = named
      rest = rest.slice(1)
    } else {
      const fallback = command.default !== undefined ? findSubcommand(command, command.default) : undefined
      if (rest.length === 0) {
        // the first word after the command: a subcommand, or what the default subcommand takes
        const firstArg = fallback?.args?.[0]?.complete
        const extra = firstArg !== undefined && !current.text.startsWith('-') ? await valuesOf(firstArg, backend, registry) : []
        return result([...command.subcommands.map(s => s.name), ...extra])
      }
      if (fallback === undefined) return result([])
      spec = fallback
    }
  }
  if (!current.quoted && current.text.startsWith('-')) return result((spec.flags ?? []).map(f => `--${f.name}`))
  // which argument the word is: skip flags and the values they take
  let index = 0
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]
    if (w === undefined) break
    if (!w.quoted && w.text.startsWith('-')) {
      const flag = (spec.flags ?? []).find(f => `--${f.name}` === w.text || `-${f.short ?? ''}` === w.text)
      if (flag !== undefined && flag.type !== 'boolean') i++
      continue
    }
    index++
  }
  const args = spec.args ?? []
  const arg = args[index] ?? (args.at(-1)?.variadic === true ? args.at(-1) : undefined)
  return result(arg?.complete !== undefined ? await valuesOf(arg.complete, backend, registry) : [])
}

function commonPrefix (values: readonly string[]): string {
  let prefix = values[0] ?? ''
  for (const v of values) while (!v.startsWith(prefix)) prefix = prefix.slice(0, -1)
  return prefix
}

/**
 * The line after pressing Tab: a single candidate replaces the word (quoted
 * as needed, then a space); several extend it to their common beginning and
 * are returned to be shown.
 */
export function applyCompletion (line: string, completion: Completion): { line: string, cursor: number, shown: string[] } {
  const { start, end, candidates } = completion
  const splice = (text: string): { line: string, cursor: number } => ({ line: line.slice(0, start) + text + line.slice(end), cursor: start + text.length })
  if (candidates.length === 0) return { line, cursor: end, shown: [] }
  if (candidates.length === 1) return { ...splice(`${quote(candidates[0] as string)} `), shown: [] }
  const common = commonPrefix(candidates)
  if (common.length <= completion.prefix.length) return { line, cursor: end, shown: candidates }
  const quoted = quote(common)
  // an unfinished quoted word stays open so typing continues inside the quotes
  return { ...splice(quoted === common ? common : quoted.slice(0, -1)), shown: candidates }
}
