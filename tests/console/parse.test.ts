import { describe, expect, it } from 'vitest'
import { COMMANDS, createRegistry, parseLine, usageLine, type Command, type ParsedLine } from '../../src/console/index.ts'

const registry = createRegistry(COMMANDS)
const now = new Date(2025, 2, 15, 12, 0).getTime()

function run (line: string): Extract<ParsedLine, { kind: 'run' }> {
  const parsed = parseLine(line, registry, now)
  if (parsed.kind !== 'run') throw new Error(`expected a command to run, got ${parsed.kind}`)
  return parsed
}

function failure (line: string): Error & { usage?: string, suggestions: string[] } {
  try {
    parseLine(line, registry, now)
  } catch (err) {
    return err as Error & { usage?: string, suggestions: string[] }
  }
  throw new Error(`'${line}' parsed without error`)
}

describe('commands and aliases', () => {
  it('finds commands by name or alias, ignoring case', () => {
    expect(run('list').command.name).toBe('list')
    expect(run('ls').command.name).toBe('list')
    expect(run('LS').command.name).toBe('list')
    expect(run('cp a b').command.name).toBe('duplicate')
    expect(run('delete a').command.name).toBe('rm')
    expect(run('q').command.name).toBe('quit')
    expect(run('exit').command.name).toBe('quit')
    expect(run('pwd').command.name).toBe('pwd')
  })

  it('gives nothing to run for a blank line', () => {
    expect(parseLine('   ', registry)).toEqual({ kind: 'empty' })
  })

  it('answers an unknown command with the closest names', () => {
    const err = failure('lsit')
    expect(err.name).toBe('UnknownCommandError')
    expect(err.message).toBe("Unknown command 'lsit'. Did you mean 'list'?")
    expect(err.suggestions).toEqual(['list'])
    expect(failure('xyzzy').message).toBe("Unknown command 'xyzzy'.")
    expect(failure('pers').message).toMatch(/^Unknown command 'pers'\. Did you mean 'peers'( or .*)?\?$/)
  })

  it('never accepts a duplicate name in a registry', () => {
    const a: Command = { name: 'a', group: 'Console', summary: '', examples: [] }
    expect(() => createRegistry([a, { ...a, name: 'b', aliases: ['a'] }])).toThrow(/Two commands are called a/)
  })
})

describe('flags', () => {
  it('takes values as --flag value and --flag=value, in any order with arguments', () => {
    const p = run('search report --tag work --min=10MB --type image').parsed
    expect(p.arg('query')).toBe('report')
    expect(p.string('tag')).toBe('work')
    expect(p.size('min')).toBe(10_000_000)
    expect(p.string('type')).toBe('image')
    expect(run('search --tag=a=b').parsed.string('tag')).toBe('a=b')
  })

  it('reads boolean flags, short forms and quoted values', () => {
    const p = run("rm -y 'my file.txt' other").parsed
    expect(p.bool('yes')).toBe(true)
    expect(p.rest('file')).toEqual(['my file.txt', 'other'])
    expect(run('rm a').parsed.bool('yes')).toBe(false)
    expect(run('put --name "annual report.pdf"').parsed.string('name')).toBe('annual report.pdf')
  })

  it('treats quoted words and everything after -- as arguments', () => {
    expect(run("rm '--yes'").parsed.rest('file')).toEqual(['--yes'])
    expect(run('rm -- -odd --yes').parsed.rest('file')).toEqual(['-odd', '--yes'])
    expect(run('rm -- -odd').parsed.bool('yes')).toBe(false)
  })

  it('converts sizes, dates and counts', () => {
    const p = run('search --since 2025-01-31 --until 3d --max 1.5GiB').parsed
    expect(p.date('since')).toEqual({ from: new Date(2025, 0, 31).getTime(), to: new Date(2025, 1, 1).getTime() })
    expect(p.date('until')).toEqual({ from: now - 3 * 86_400_000, to: now - 3 * 86_400_000 })
    expect(p.size('max')).toBe(1.5 * 1024 ** 3)
    expect(run('recent -n 25').parsed.count('limit')).toBe(25)
  })

  it('answers an unknown flag with the closest flags and the usage line', () => {
    const err = failure('put --nmae x')
    expect(err.name).toBe('UnknownFlagError')
    expect(err.message).toBe("Unknown flag '--nmae' for put. Did you mean '--name'?")
    expect(err.usage).toBe('put [--name <name>] [--tags <tag,tag>] [--type <mime>]')
    expect(failure('pwd --long').message).toBe("Unknown flag '--long' for pwd. (pwd takes no flags)")
    expect(failure('rm -x a').name).toBe('UnknownFlagError')
  })

  it('refuses a flag without its value, a value on a boolean flag, and a repeated flag', () => {
    expect(failure('put --name').name).toBe('MissingArgumentError')
    expect(failure('put --name').message).toBe('--name needs a value: <name>')
    expect(failure('put --name --tags a').name).toBe('MissingArgumentError')
    expect(failure('rm a --yes=no').message).toBe('--yes takes no value')
    expect(failure('put --name a --name b').message).toBe('--name is given twice')
  })

  it('refuses bad sizes, dates and counts, saying which flag and why', () => {
    const size = failure('search --min 10XB')
    expect(size.name).toBe('InvalidValueError')
    expect(size.message).toMatch(/^--min: '10XB' is not a size/)
    expect(size.usage).toMatch(/^search \[query\]/)
    const date = failure('search --since someday')
    expect(date.name).toBe('InvalidValueError')
    expect(date.message).toMatch(/^--since: 'someday' is not a date/)
    expect(failure('recent -n lots').message).toBe("--limit: 'lots' is not a whole number")
  })
})

describe('arguments', () => {
  it('requires what is required and names it', () => {
    const err = failure('rename a')
    expect(err.name).toBe('MissingArgumentError')
    expect(err.message).toBe('rename needs <new-name>: the new name')
    expect(err.usage).toBe('rename <file> <new-name>')
    expect(failure('rm').name).toBe('MissingArgumentError')
  })

  it('refuses extra arguments', () => {
    const err = failure('info a b')
    expect(err.name).toBe('TooManyArgumentsError')
    expect(err.message).toBe("info takes at most 1 argument: 'b' is too many")
    expect(failure('pwd here').message).toBe("pwd takes no arguments: 'here' is too many")
  })

  it('collects variadic arguments', () => {
    expect(run('tags add f a b c').parsed.rest('tag')).toEqual(['a', 'b', 'c'])
  })
})

describe('subcommands', () => {
  it('runs a named subcommand, or the default one', () => {
    expect(run('keys create work').spec.name).toBe('create')
    expect(run('keys').spec.name).toBe('list')
    expect(run('keys -l').parsed.bool('long')).toBe(true)
    expect(run('tags report.pdf').spec.name).toBe('show')
    expect(run('tags report.pdf').parsed.arg('file')).toBe('report.pdf')
    expect(run('tags rm f x').spec.name).toBe('remove')
    expect(run('tags add f x').parsed.path).toEqual(['tags', 'add'])
  })

  it('answers a mistyped subcommand with the closest ones', () => {
    const err = failure('keys lsit')
    expect(err.name).toBe('UnknownSubcommandError')
    expect(err.message).toBe("Unknown subcommand 'lsit' for keys. Did you mean 'list'?")
    expect(failure('tags ad report.pdf work').message).toBe("Unknown subcommand 'ad' for tags. Did you mean 'add'?")
    expect(failure('config st contribution 1GB').message).toBe("Unknown subcommand 'st' for config. Did you mean 'set'?")
    expect(failure('index').name).toBe('UnknownSubcommandError')
    expect(failure('index bakup').message).toBe("Unknown subcommand 'bakup' for index. Did you mean 'backup'?")
  })
})

describe('help flags', () => {
  it('asks for help instead of running, for commands and subcommands', () => {
    expect(parseLine('put --help', registry)).toMatchObject({ kind: 'help', command: { name: 'put' } })
    expect(parseLine('rm -h', registry)).toMatchObject({ kind: 'help', command: { name: 'rm' } })
    expect(parseLine('keys --help', registry)).toEqual({ kind: 'help', command: registry.find('keys') })
    expect(parseLine('keys export --help', registry)).toMatchObject({ kind: 'help', sub: { name: 'export' } })
    expect(parseLine('index --help', registry)).toEqual({ kind: 'help', command: registry.find('index') })
  })

  it('help wins even when arguments are missing', () => {
    expect(parseLine('rename --help', registry).kind).toBe('help')
  })
})

describe('usage lines', () => {
  it('show arguments and flags as typed', () => {
    const find = (name: string): Command => registry.find(name) as Command
    expect(usageLine(find('get'))).toBe('get <file> [save-as] [--password]')
    expect(usageLine(find('rm'))).toBe('rm <file>... [--yes]')
    expect(usageLine(find('keys'))).toBe('keys [list|create|use|rename|export|import|delete|password] …')
    expect(usageLine(find('index'))).toBe('index backup|restore …')
    const tags = find('tags')
    expect(usageLine(tags, tags.subcommands?.[1])).toBe('tags add <file> <tag>...')
  })
})
