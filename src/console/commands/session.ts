/** help, history, clear, pwd, quit: the console itself. */
import { didYouMean, UnknownCommandError, UnknownSubcommandError } from '../errors.ts'
import { showCommand, showOverview } from '../help.ts'
import { findSubcommand } from '../parse.ts'
import { suggest } from '../suggest.ts'
import type { Command } from '../types.ts'

export const help: Command = {
  name: 'help',
  aliases: ['?', 'man'],
  group: 'Console',
  summary: 'Every command, or one command\'s usage, flags and examples',
  args: [
    { name: 'command', summary: 'A command to explain', optional: true, complete: 'command' },
    { name: 'subcommand', summary: 'One of its subcommands', optional: true }
  ],
  examples: [
    { line: 'help', says: 'list every command' },
    { line: 'help search', says: 'how to search' },
    { line: 'help keys export', says: 'how to back up your keys' }
  ],
  run: async (ctx, p) => {
    const name = p.arg('command')
    if (name === undefined) { showOverview(ctx.registry, ctx.out); return }
    const command = ctx.registry.find(name)
    if (command === undefined) {
      const suggestions = suggest(name, ctx.registry.names())
      throw new UnknownCommandError(`Unknown command '${name}'.${didYouMean(suggestions)}`, { suggestions })
    }
    const subName = p.arg('subcommand')
    const sub = subName !== undefined ? findSubcommand(command, subName) : undefined
    if (subName !== undefined && sub === undefined) {
      const names = (command.subcommands ?? []).flatMap(s => [s.name, ...(s.aliases ?? [])])
      const suggestions = suggest(subName, names)
      throw new UnknownSubcommandError(names.length === 0
        ? `${command.name} has no subcommands`
        : `Unknown subcommand '${subName}' for ${command.name}.${didYouMean(suggestions)}`, { suggestions })
    }
    showCommand(command, sub, ctx.out)
  }
}

export const history: Command = {
  name: 'history',
  group: 'Console',
  summary: 'The commands run before (↑ and ↓ walk them)',
  description: 'Kept on this device across reloads. Passwords are never in it: they are always asked for separately. A line starting with a space is not kept.',
  flags: [
    { name: 'clear', type: 'boolean', summary: 'Forget them all' },
    { name: 'limit', type: 'count', short: 'n', value: 'n', summary: 'Only the last n' }
  ],
  examples: [
    { line: 'history -n 20', says: 'the last 20 commands' },
    { line: 'history --clear', says: 'forget the history' }
  ],
  run: async (ctx, p) => {
    if (p.bool('clear')) { ctx.history.clear(); ctx.out.text('History cleared.', 'ok'); return }
    const all = ctx.history.entries
    const limit = p.count('limit') ?? all.length
    const from = Math.max(0, all.length - limit)
    if (all.length === 0) { ctx.out.text('No history yet.', 'muted'); return }
    ctx.out.table(['#', 'Command'], all.slice(from).map((line, i) => [String(from + i + 1), line]))
  }
}

export const clear: Command = {
  name: 'clear',
  aliases: ['cls'],
  group: 'Console',
  summary: 'Empty the screen (the history stays)',
  examples: [{ line: 'clear', says: 'start with an empty screen' }],
  run: async (ctx) => { ctx.host.clear() }
}

export const pwd: Command = {
  name: 'pwd',
  aliases: ['whoami'],
  group: 'Console',
  summary: 'Where you are: this app\'s address and the key in use',
  examples: [{ line: 'pwd', says: 'show the address and the key' }],
  run: async (ctx) => {
    const pairs: Array<[string, string]> = [['Location', ctx.host.location()]]
    try {
      const status = await ctx.backend.status()
      if (status.publicKey === undefined) {
        pairs.push(['Key', status.setUp ? 'locked' : 'none yet'])
      } else {
        const key = (await ctx.backend.keys()).find(k => k.publicKeyString === status.publicKey)
        pairs.push(['Key', key?.name ?? 'unnamed'], ['Public key', status.publicKey])
      }
    } catch { /* the node is not ready: the location is all there is */ }
    ctx.out.pairs(pairs)
  }
}

export const quit: Command = {
  name: 'quit',
  aliases: ['q', 'exit'],
  group: 'Console',
  summary: 'Leave the console',
  examples: [{ line: 'q', says: 'back to your files' }],
  run: async (ctx) => { ctx.host.quit() }
}
