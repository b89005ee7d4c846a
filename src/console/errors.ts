/**
 * The console's own typed errors: what was typed could not be understood.
 * Each carries the usage line of the command it concerns (when there is one)
 * and, for unknown names, the closest known ones. Callers branch on
 * `err.name`, never on message text.
 */
import { DataMeshError, type ErrorDetails } from '../core/errors.ts'

/** The base of every error about what was typed (not about the mesh). */
export class ConsoleUsageError extends DataMeshError {
  static override name = 'ConsoleUsageError'
  /** the usage line of the command concerned */
  readonly usage?: string
  /** close matches for a mistyped name, best first */
  readonly suggestions: string[]

  constructor (message: string, details: ErrorDetails & { usage?: string, suggestions?: string[] } = {}) {
    super(message, details)
    if (details.usage !== undefined) this.usage = details.usage
    this.suggestions = details.suggestions ?? []
  }
}

/** The line ends inside a quote, or with a lone backslash. */
export class UnterminatedQuoteError extends ConsoleUsageError {
  static override name = 'UnterminatedQuoteError'
}

/** No command has this name or alias. */
export class UnknownCommandError extends ConsoleUsageError {
  static override name = 'UnknownCommandError'
}

/** A command has no subcommand of this name. */
export class UnknownSubcommandError extends ConsoleUsageError {
  static override name = 'UnknownSubcommandError'
}

/** A flag the command does not take. */
export class UnknownFlagError extends ConsoleUsageError {
  static override name = 'UnknownFlagError'
}

/** A required argument, or a flag's value, is missing. */
export class MissingArgumentError extends ConsoleUsageError {
  static override name = 'MissingArgumentError'
}

/** More arguments than the command takes. */
export class TooManyArgumentsError extends ConsoleUsageError {
  static override name = 'TooManyArgumentsError'
}

/** A value that does not read as what it should be (a size, a date, a number, a regular expression, one of a set). */
export class InvalidValueError extends ConsoleUsageError {
  static override name = 'InvalidValueError'
}

/** "'a'", "'a' or 'b'", "'a', 'b' or 'c'" */
export function orList (names: readonly string[]): string {
  const quoted = names.map(n => `'${n}'`)
  if (quoted.length <= 1) return quoted.join('')
  return `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1) ?? ''}`
}

/** "Did you mean 'list'?" or '' when there is nothing close. */
export function didYouMean (suggestions: readonly string[]): string {
  return suggestions.length === 0 ? '' : ` Did you mean ${orList(suggestions)}?`
}
