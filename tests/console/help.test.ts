import { describe, expect, it } from 'vitest'
import { COMMANDS, createRegistry, GROUPS, parseLine, type Block } from '../../src/console/index.ts'
import { harness, only } from './fakes.ts'

const registry = createRegistry(COMMANDS)

function exampleRows (blocks: Block[]): string[][] {
  const at = blocks.findIndex(b => b.kind === 'heading' && b.text === 'Examples')
  const table = blocks[at + 1]
  return table?.kind === 'table' ? table.rows : []
}

describe('help', () => {
  it('lists every command once, grouped, with a one-line summary', async () => {
    const { run } = harness()
    const { ok, blocks } = await run('help')
    expect(ok).toBe(true)
    const headings = blocks.filter(b => b.kind === 'heading').map(b => b.kind === 'heading' ? b.text : '')
    expect(headings).toEqual(GROUPS.filter(g => COMMANDS.some(c => c.group === g)))
    const rows = blocks.flatMap(b => b.kind === 'table' ? b.rows : [])
    expect(rows.map(r => r[0]?.split(', ')[0])).toEqual(GROUPS.flatMap(g => COMMANDS.filter(c => c.group === g).map(c => c.name)))
    for (const r of rows) expect(r[1]?.length).toBeGreaterThan(10)
  })

  it('has usage and at least one example for every command and subcommand', async () => {
    const { run } = harness()
    for (const c of COMMANDS) {
      const { ok, blocks } = await run(`help ${c.name}`)
      expect(ok, c.name).toBe(true)
      expect(blocks.some(b => b.kind === 'text' && b.text.startsWith(`Usage: ${c.name}`)), c.name).toBe(true)
      expect(exampleRows(blocks).length, c.name).toBeGreaterThan(0)
      for (const s of c.subcommands ?? []) {
        const sub = await run(`help ${c.name} ${s.name}`)
        expect(sub.ok).toBe(true)
        expect(sub.blocks.some(b => b.kind === 'text' && b.text.startsWith(`Usage: ${c.name} ${s.name}`)), `${c.name} ${s.name}`).toBe(true)
        expect(exampleRows(sub.blocks).length, `${c.name} ${s.name}`).toBeGreaterThan(0)
      }
    }
  })

  it('lists every flag and argument of a command', async () => {
    const { run } = harness()
    const { blocks } = await run('help search')
    const rows = blocks.flatMap(b => b.kind === 'table' ? b.rows.map(r => r[0]) : [])
    for (const flag of ['--type <type>', '--tag <tag>', '--min <size>', '--max <size>', '--since <date>', '--until <date>', '-k, --keys', '[query]']) {
      expect(rows).toContain(flag)
    }
  })

  it('gives the same page for <command> --help and help <command>', async () => {
    const { run } = harness()
    for (const [a, b] of [['put --help', 'help put'], ['ls -h', 'help list'], ['keys export --help', 'help keys export'], ['tags --help', 'help tags']] as const) {
      expect((await run(a)).blocks).toEqual((await run(b)).blocks)
    }
  })

  it('every example is a line the parser accepts', () => {
    for (const c of COMMANDS) {
      for (const e of [...c.examples, ...(c.subcommands ?? []).flatMap(s => s.examples)]) {
        expect(() => parseLine(e.line, registry), e.line).not.toThrow()
        expect(e.line.split(' ')[0] === c.name || (c.aliases ?? []).includes(e.line.split(' ')[0] as string), e.line).toBe(true)
      }
    }
  })

  it('suggests the command meant for a mistyped help topic', async () => {
    const { run } = harness()
    const { ok, blocks } = await run('help serach')
    expect(ok).toBe(false)
    expect(only(blocks, 'error')).toMatchObject({ name: 'UnknownCommandError', message: "Unknown command 'serach'. Did you mean 'search'?" })
    expect(only((await run('help keys exprot')).blocks, 'error').message).toBe("Unknown subcommand 'exprot' for keys. Did you mean 'export'?")
    expect(only((await run('help put x')).blocks, 'error').message).toBe('put has no subcommands')
  })
})
