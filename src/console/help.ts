/** `help`: every command by group; `help <command>` and `<command> --help`: usage, flags, examples. */
import type { Output } from './output.ts'
import { usageLine } from './parse.ts'
import { GROUPS, type Command, type Registry, type Spec } from './types.ts'

function names (spec: Spec): string {
  return [spec.name, ...(spec.aliases ?? [])].join(', ')
}

/** The command list, grouped, one line each. */
export function showOverview (registry: Registry, out: Output): void {
  for (const group of GROUPS) {
    const commands = registry.commands.filter(c => c.group === group)
    if (commands.length === 0) continue
    out.heading(group)
    out.table(['Command', 'What it does'], commands.map(c => [names(c), c.summary]))
  }
  out.text('help <command> shows its flags and examples. Tab completes, ↑ and ↓ walk the history, Esc or Ctrl+C cancels a transfer.', 'muted')
}

/** One command (or one of its subcommands) in full. */
export function showCommand (command: Command, sub: Spec | undefined, out: Output): void {
  const spec = sub ?? command
  out.heading(sub === undefined ? names(command) : `${command.name} ${names(sub)}`)
  out.text(spec.summary)
  if (spec.description !== undefined) out.text(spec.description, 'muted')
  out.text(`Usage: ${usageLine(command, sub)}`)
  if (sub === undefined && command.subcommands !== undefined) {
    out.table(['Subcommand', 'Usage', 'What it does'], command.subcommands.map(s => [
      names(s) + (command.default === s.name ? ' (default)' : ''), usageLine(command, s), s.summary
    ]))
  }
  if ((spec.args ?? []).length > 0) {
    out.table(['Argument', 'Meaning'], (spec.args ?? []).map(a => [a.optional === true ? `[${a.name}]` : `<${a.name}>`, a.summary]))
  }
  if ((spec.flags ?? []).length > 0) {
    out.table(['Flag', 'Meaning'], (spec.flags ?? []).map(f => [
      `${f.short !== undefined ? `-${f.short}, ` : ''}--${f.name}${f.type === 'boolean' ? '' : ` <${f.value ?? f.name}>`}`,
      f.summary + (f.choices !== undefined ? ` (${f.choices.join(', ')})` : '')
    ]))
  }
  const examples = sub === undefined && command.subcommands !== undefined
    ? [...command.examples, ...command.subcommands.flatMap(s => s.examples)]
    : spec.examples
  out.heading('Examples')
  out.table(['Type', 'to'], examples.map(e => [e.line, e.says]))
}
