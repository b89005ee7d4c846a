import { describe, expect, it } from 'vitest'
import { applyCompletion } from '../../src/console/complete.ts'
import { harness, PEERS } from './fakes.ts'

describe('Tab completion', () => {
  it('completes command names and aliases', async () => {
    const { console } = harness()
    expect((await console.complete('he')).candidates).toEqual(['health', 'help'])
    expect(await console.tab('hea')).toEqual({ line: 'health ', cursor: 7, shown: [] })
    expect((await console.complete('')).candidates).toContain('put')
    expect((await console.complete('zz')).candidates).toEqual([])
  })

  it('extends to the common beginning and shows the choices', async () => {
    const { console } = harness()
    expect(await console.tab('re')).toEqual({ line: 're', cursor: 2, shown: ['recent', 'rename', 'repair'] })
    expect(await console.tab('di')).toEqual({ line: 'dis', cursor: 3, shown: ['discover', 'dist', 'distribution'] })
    expect((await console.tab('dis')).line).toBe('dis')
    expect((await console.tab('distr')).line).toBe('distribution ')
  })

  it('completes file names for file arguments, quoting them', async () => {
    const h = harness()
    h.backend.files[0]!.name = 'annual report.pdf'
    expect(await h.console.tab('get ann')).toEqual({ line: "get 'annual report.pdf' ", cursor: 24, shown: [] })
    expect(await h.console.tab("get 'ann")).toEqual({ line: "get 'annual report.pdf' ", cursor: 24, shown: [] })
    expect((await h.console.complete('info ')).candidates).toHaveLength(5)
    expect((await h.console.complete('rm notes.txt o')).candidates).toEqual(['old.zip']) // variadic
    expect((await h.console.complete('rename notes.txt n')).candidates).toEqual([]) // the new name is free text
  })

  it('skips flags and their values when counting arguments', async () => {
    const h = harness()
    expect((await h.console.complete('distribution --password no')).candidates).toEqual(['notes.txt'])
    expect((await h.console.complete('get --password notes.txt x')).candidates).toEqual([])
  })

  it('completes flags, subcommands, key names and peer ids', async () => {
    const h = harness()
    expect((await h.console.complete('put --t')).candidates).toEqual(['--tags', '--type'])
    expect((await h.console.complete('keys u')).candidates).toEqual(['use'])
    expect((await h.console.complete('keys use ')).candidates).toEqual(['default', 'work'])
    expect((await h.console.complete('tags ')).candidates).toEqual(expect.arrayContaining(['add', 'remove', 'show', 'report.pdf']))
    expect((await h.console.complete('bandwidth 12D3KooWA')).candidates).toEqual([PEERS.A])
    expect((await h.console.complete('help ke')).candidates).toEqual(['keys'])
  })

  it('completes in the middle of a line', async () => {
    const { console } = harness()
    expect(await console.tab('hea --x', 3)).toEqual({ line: 'health  --x', cursor: 7, shown: [] })
  })

  it('offers nothing when the node cannot list (locked keys)', async () => {
    const h = harness()
    h.backend.failures.set('list', Object.assign(new Error('Unlock your keys first'), { name: 'LockedError' }))
    expect((await h.console.complete('get ')).candidates).toEqual([])
  })

  it('leaves a common beginning that needs quotes open for more typing', () => {
    expect(applyCompletion('get my', { start: 4, end: 6, prefix: 'my', candidates: ['my file a', 'my file b'] }))
      .toEqual({ line: "get 'my file ", cursor: 13, shown: ['my file a', 'my file b'] })
  })
})
