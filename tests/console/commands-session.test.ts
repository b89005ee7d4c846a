import { describe, expect, expectTypeOf, it } from 'vitest'
import type { DataMeshApi } from '../../src/app/runtime/api.ts'
import { NotFoundError } from '../../src/core/errors.ts'
import { Console, describeError, renderAll, type Block, type ConsoleBackend } from '../../src/console/index.ts'
import { FakeBackend, FakeHost, harness, only } from './fakes.ts'

describe('history, clear, pwd, quit', () => {
  it('history lists what ran, numbered, and can be cleared', async () => {
    const h = harness()
    await h.run('ls')
    await h.run('pwd')
    const { blocks } = await h.run('history')
    expect(only(blocks, 'table').rows).toEqual([['1', 'ls'], ['2', 'pwd'], ['3', 'history']])
    expect(only((await h.run('history -n 1')).blocks, 'table').rows).toEqual([['4', 'history -n 1']])
    await h.run('history --clear')
    expect(h.console.history.entries).toEqual([])
    expect(h.host.stored).toEqual([])
  })

  it('history persists through the host store into a new console', async () => {
    const h = harness()
    await h.run('ls')
    await h.run('health')
    const next = new Console({ backend: new FakeBackend(), host: Object.assign(new FakeHost(), { stored: h.host.stored }) })
    expect(next.history.entries).toEqual(['ls', 'health'])
  })

  it('clear and quit go to the host', async () => {
    const h = harness()
    await h.run('clear')
    await h.run('q')
    await h.run('exit')
    expect(h.host.cleared).toBe(1)
    expect(h.host.quits).toBe(2)
  })

  it('pwd: where and which key', async () => {
    const { blocks } = await harness().run('pwd')
    expect(only(blocks, 'pairs').pairs.slice(0, 2)).toEqual([['Location', 'https://mesh.test/#/console'], ['Key', 'default']])
  })
})

describe('running lines', () => {
  it('runs one command at a time', async () => {
    const h = harness()
    h.backend.putGate = new Promise(() => {})
    h.host.picks.push([new File(['x'], 'x')])
    const controller = new AbortController()
    const first = h.run('put', controller.signal)
    await new Promise(resolve => setTimeout(resolve, 5))
    const second = await h.run('ls')
    expect(second.ok).toBe(false)
    expect(only(second.blocks, 'error').name).toBe('BusyError')
    controller.abort()
    expect((await first).ok).toBe(false)
    expect((await h.run('ls')).ok).toBe(true)
  })

  it('does nothing for a blank line and keeps it out of the history', async () => {
    const h = harness()
    expect(await h.run('   ')).toEqual({ ok: true, blocks: [], text: '' })
    expect(h.console.history.entries).toEqual([])
  })

  it('keeps failed lines in the history, like a shell', async () => {
    const h = harness()
    await h.run('lsit')
    expect(h.console.history.entries).toEqual(['lsit'])
  })

  it('never shows a stack, whatever is thrown', async () => {
    const h = harness()
    const err = new TypeError('something broke')
    h.backend.failures.set('health', err)
    const { text, blocks } = await h.run('health')
    expect(only(blocks, 'error')).toEqual({ kind: 'error', name: 'TypeError', message: 'something broke' })
    expect(text).not.toContain('at ')
    expect(describeError('a string')).toEqual({ kind: 'error', name: 'Error', message: 'a string' })
  })

  it('hints by the reason where the name alone would mislead: a missing list backup is not a missing file', () => {
    const noRecord = describeError(new NotFoundError('No current backup', { reason: 'no-record' }))
    expect(noRecord.hint).toMatch(/not deleted/)
    expect(describeError(new NotFoundError('gone', { reason: 'backup-unreachable' })).hint).toMatch(/try index restore again later/)
    expect(describeError(new NotFoundError('No file named x')).hint).toMatch(/^list shows your files/)
  })

  it('renders blocks as plain text for a terminal', () => {
    const blocks: Block[] = [
      { kind: 'heading', text: 'Files' },
      { kind: 'table', columns: ['Name', 'Size'], rows: [['a.txt', '1 kB'], ['long name.bin', '2 MB']] },
      { kind: 'pairs', pairs: [['Key', 'bafk'], ['Size', '1 kB']] },
      { kind: 'progress', id: 'p', label: 'Storing a', done: 0, total: 2000 },
      { kind: 'progress', id: 'p', label: 'Storing a', done: 1000, total: 2000, detail: '3 shards stored' },
      { kind: 'error', name: 'X', message: 'Bad.', hint: 'Usage: x\nhelp x' }
    ]
    expect(renderAll(blocks)).toBe([
      'Files',
      'Name           Size',
      'a.txt          1 kB',
      'long name.bin  2 MB',
      'Key:  bafk',
      'Size: 1 kB',
      'Storing a: 50% (1 kB of 2 kB), 3 shards stored',
      'Bad.',
      'Usage: x',
      'help x'
    ].join('\n'))
  })
})

it('window.datamesh (DataMeshApi) is a ConsoleBackend as it is', () => {
  expectTypeOf<DataMeshApi>().toExtend<ConsoleBackend>()
})
