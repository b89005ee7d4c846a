/**
 * From a typed line to a command and its converted arguments.
 *
 * A line is words (words.ts). The first names a command or an alias; for
 * commands with subcommands the second may name one (else the default
 * subcommand runs). Then flags and arguments, in any order:
 *
 *   --name value   --name=value   --yes (boolean)   -y (short form)
 *   --             everything after it is an argument
 *   --help, -h     the command's help instead of running it
 *
 * A quoted word is never a flag. Every mistake throws a typed
 * ConsoleUsageError carrying the usage line and, for unknown names, the
 * closest known ones.
 */
import type { Command, FlagSpec, Parsed, Registry, Spec } from './types.ts'
import { didYouMean, InvalidValueError, MissingArgumentError, TooManyArgumentsError, UnknownCommandError, UnknownFlagError, UnknownSubcommandError } from './errors.ts'
import { suggest } from './suggest.ts'
import { parseDate, parseSize, type DateBound } from './units.ts'
import { tokenize, type Word } from './words.ts'

export function createRegistry (commands: readonly Command[]): Registry {
  const byName = new Map<string, Command>()
  for (const c of commands) {
    for (const n of [c.name, ...(c.aliases ?? [])]) {
      if (byName.has(n)) throw new Error(`Two commands are called ${n}`)
      byName.set(n, c)
    }
  }
  return {
    commands,
    find: name => byName.get(name.toLowerCase()),
    names: () => [...byName.keys()]
  }
}

/** A subcommand by name or alias. */
export function findSubcommand (command: Command, name: string): Spec | undefined {
  const n = name.toLowerCase()
  return command.subcommands?.find(s => s.name === n || (s.aliases ?? []).includes(n))
}

function flagUsage (f: FlagSpec): string {
  return f.type === 'boolean' ? `[--${f.name}]` : `[--${f.name} <${f.value ?? f.name}>]`
}

/** "put [--name <name>] [--tags <tags>]", "tags add <file> <tag>..." */
export function usageLine (command: Command, sub?: Spec): string {
  const spec = sub ?? command
  const head = sub === undefined ? command.name : `${command.name} ${sub.name}`
  if (sub === undefined && command.subcommands !== undefined) {
    const names = command.subcommands.map(s => s.name).join('|')
    return command.default !== undefined ? `${head} [${names}] …` : `${head} ${names} …`
  }
  const args = (spec.args ?? []).map(a => {
    const inner = `${a.name}${a.variadic === true ? '...' : ''}`
    return a.optional === true ? `[${inner}]` : `<${a.name}>${a.variadic === true ? '...' : ''}`
  })
  return [head, ...args, ...(spec.flags ?? []).map(flagUsage)].join(' ')
}

export type ParsedLine =
  | { kind: 'empty' }
  /** `--help` (or -h) was given: show help for this command or subcommand */
  | { kind: 'help', command: Command, sub?: Spec }
  | { kind: 'run', command: Command, spec: Spec, parsed: Parsed }

/** Parse a whole line against the registry; `now` dates relative words such as "3d". */
export function parseLine (line: string, registry: Registry, now: number = Date.now()): ParsedLine {
  const words = tokenize(line)
  const first = words[0]
  if (first === undefined) return { kind: 'empty' }
  const command = registry.find(first.text)
  if (command === undefined) {
    const suggestions = suggest(first.text, registry.names())
    throw new UnknownCommandError(`Unknown command '${first.text}'.${didYouMean(suggestions)}`, { suggestions })
  }
  let rest = words.slice(1)
  let sub: Spec | undefined
  let explicit = false
  if (command.subcommands !== undefined) {
    const second = rest[0]
    const isFlag = second !== undefined && !second.quoted && second.text.startsWith('-')
    const named = second !== undefined && !isFlag ? findSubcommand(command, second.text) : undefined
    if (named !== undefined) {
      sub = named
      explicit = true
      rest = rest.slice(1)
    } else {
      const unknown = (): UnknownSubcommandError => {
        const names = (command.subcommands ?? []).flatMap(s => [s.name, ...(s.aliases ?? [])])
        if (second === undefined || isFlag) return new UnknownSubcommandError(`${command.name} needs a subcommand: ${names.join(', ')}`, { usage: usageLine(command) })
        const suggestions = suggest(second.text, names)
        return new UnknownSubcommandError(`Unknown subcommand '${second.text}' for ${command.name}.${didYouMean(suggestions)}`, { usage: usageLine(command), suggestions })
      }
      sub = command.default !== undefined ? findSubcommand(command, command.default) : undefined
      if (sub === undefined) {
        if (second !== undefined && isHelp(second)) return { kind: 'help', command }
        throw unknown()
      }
      // a word naming no subcommand is the default's argument, unless the default cannot take it
      try {
        const parsed = parseArgs(command, sub, rest, now, true)
        return parsed === 'help' ? { kind: 'help', command } : { kind: 'run', command, spec: sub, parsed }
      } catch (err) {
        if ((err as Error).name === 'TooManyArgumentsError') throw unknown()
        throw err
      }
    }
  }
  const parsed = parseArgs(command, sub, rest, now, false)
  if (parsed === 'help') return explicit ? { kind: 'help', command, sub } : { kind: 'help', command }
  return { kind: 'run', command, spec: sub ?? command, parsed }
}

function isHelp (w: Word): boolean {
  return !w.quoted && (w.text === '--help' || w.text === '-h')
}

/** Flags and arguments of one (sub)command. `implicit`: the default subcommand ran without its name. */
function parseArgs (command: Command, sub: Spec | undefined, words: Word[], now: number, implicit: boolean): Parsed | 'help' {
  const spec = sub ?? command
  const usage = usageLine(command, sub)
  const label = sub === undefined || implicit ? command.name : `${command.name} ${sub.name}`
  const flags = new Map<string, boolean | string | number | DateBound>()
  const positional: string[] = []
  const specs = spec.flags ?? []
  let onlyArgs = false
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word
    if (onlyArgs || w.quoted || !w.text.startsWith('-') || w.text === '-') { positional.push(w.text); continue }
    if (w.text === '--') { onlyArgs = true; continue }
    if (isHelp(w)) return 'help'
    const long = w.text.startsWith('--')
    const eq = long ? w.text.indexOf('=') : -1
    const name = long ? w.text.slice(2, eq === -1 ? undefined : eq) : w.text.slice(1)
    const flag = long ? specs.find(f => f.name === name) : specs.find(f => f.short === name)
    if (flag === undefined) {
      const suggestions = long ? suggest(name, specs.map(f => f.name)).map(n => `--${n}`) : []
      const known = specs.length === 0 ? ` (${label} takes no flags)` : ''
      throw new UnknownFlagError(`Unknown flag '${long ? `--${name}` : w.text}' for ${label}.${known}${didYouMean(suggestions)}`, { usage, suggestions })
    }
    if (flags.has(flag.name)) throw new InvalidValueError(`--${flag.name} is given twice`, { usage })
    if (flag.type === 'boolean') {
      if (eq !== -1) throw new InvalidValueError(`--${flag.name} takes no value`, { usage })
      flags.set(flag.name, true)
      continue
    }
    let value: string
    if (eq !== -1) {
      value = w.text.slice(eq + 1)
    } else {
      const next = words[i + 1]
      if (next === undefined || (!next.quoted && next.text.startsWith('--') && next.text.length > 2)) {
        throw new MissingArgumentError(`--${flag.name} needs a value: <${flag.value ?? flag.name}>`, { usage })
      }
      value = next.text
      i++
    }
    flags.set(flag.name, convert(flag, value, now, usage))
  }
  const args = new Map<string, string[]>()
  const argSpecs = spec.args ?? []
  let at = 0
  for (const a of argSpecs) {
    const taken = a.variadic === true ? positional.slice(at) : positional.slice(at, at + 1)
    at += taken.length
    if (taken.length === 0 && a.optional !== true) {
      throw new MissingArgumentError(`${label} needs <${a.name}>: ${a.summary.charAt(0).toLowerCase()}${a.summary.slice(1)}`, { usage })
    }
    args.set(a.name, taken)
  }
  if (at < positional.length) {
    const extra = positional.slice(at)
    throw new TooManyArgumentsError(`${label} takes ${argSpecs.length === 0 ? 'no arguments' : `at most ${argSpecs.length} argument${argSpecs.length === 1 ? '' : 's'}`}: '${extra.join("', '")}' ${extra.length === 1 ? 'is' : 'are'} too many`, { usage })
  }
  return parsedOf([command.name, ...(sub !== undefined ? [sub.name] : [])], args, flags)
}

function convert (flag: FlagSpec, value: string, now: number, usage: string): string | number | DateBound {
  const wrap = <T>(f: () => T): T => {
    try { return f() } catch (err) {
      throw new InvalidValueError(`--${flag.name}: ${(err as Error).message}`, { usage })
    }
  }
  switch (flag.type) {
    case 'size': return wrap(() => parseSize(value))
    case 'date': return wrap(() => parseDate(value, now))
    case 'count':
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidValueError(`--${flag.name}: '${value}' is not a whole number`, { usage })
      return Number(value)
    default:
      if (flag.choices !== undefined && !flag.choices.includes(value)) {
        const suggestions = suggest(value, flag.choices)
        throw new InvalidValueError(`--${flag.name} is one of ${flag.choices.join(', ')}, not '${value}'.${didYouMean(suggestions)}`, { usage, suggestions })
      }
      return value
  }
}

function parsedOf (path: string[], args: Map<string, string[]>, flags: Map<string, boolean | string | number | DateBound>): Parsed {
  const typed = <T>(name: string, check: (v: unknown) => v is T): T | undefined => {
    const v = flags.get(name)
    return v !== undefined && check(v) ? v : undefined
  }
  return {
    path,
    arg: name => args.get(name)?.[0],
    rest: name => [...(args.get(name) ?? [])],
    bool: name => flags.get(name) === true,
    string: name => typed(name, (v): v is string => typeof v === 'string'),
    size: name => typed(name, (v): v is number => typeof v === 'number'),
    count: name => typed(name, (v): v is number => typeof v === 'number'),
    date: name => typed(name, (v): v is DateBound => typeof v === 'object' && v !== null)
  }
}
