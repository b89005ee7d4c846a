import { describe, expect, it } from 'vitest'
import type { PutOptions } from '../../src/mesh/index.ts'
import { harness, only } from './fakes.ts'

const file = (name: string, text: string, type = 'text/plain'): File => new File([text], name, { type })

describe('put', () => {
  it('stores each picked file with its name, type and the given tags, showing progress', async () => {
    const h = harness()
    h.host.picks.push([file('a.txt', 'hello'), file('b.bin', 'xyz', '')])
    const { ok, blocks } = await h.run("put --tags 'work,,2025, work'")
    expect(ok).toBe(true)
    const puts = h.backend.callsOf('put')
    expect(puts.map(([, o]) => (o as PutOptions).name)).toEqual(['a.txt', 'b.bin'])
    expect(puts[0]?.[1]).toMatchObject({ type: 'text/plain', tags: ['work', '2025'] })
    expect((puts[1]?.[1] as PutOptions).type).toBeUndefined()
    expect((puts[0]?.[1] as PutOptions).signal).toBeInstanceOf(AbortSignal)
    const progress = blocks.filter(b => b.kind === 'progress')
    expect(progress[0]).toEqual({ kind: 'progress', id: 'put-0', label: 'Storing a.txt', done: 0, total: 5 })
    expect(progress.filter(b => b.kind === 'progress' && b.id === 'put-0').at(-1)).toMatchObject({ done: 5, total: 5, detail: '6 shards stored' })
    const stored = blocks.filter(b => b.kind === 'pairs')
    expect(stored[0]).toEqual({ kind: 'pairs', pairs: [['Stored', 'a.txt'], ['Size', '5 B'], ['Key', 'bafknew5']] })
    expect(blocks).toContainEqual({ kind: 'text', text: 'Stored on 2 peers instead of 6', tone: 'warn' })
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: '2 files stored.', tone: 'ok' })
    expect(h.console.counters.bytesPut).toBe(8)
  })

  it('names a single file with --name and a type with --type', async () => {
    const h = harness()
    h.host.picks.push([file('x', '1')])
    await h.run("put --name 'Q1 report.pdf' --type application/pdf")
    expect(h.backend.callsOf('put')[0]?.[1]).toMatchObject({ name: 'Q1 report.pdf', type: 'application/pdf' })
  })

  it('refuses --name for several files, and stores nothing when none is chosen', async () => {
    const h = harness()
    h.host.picks.push([file('a', '1'), file('b', '2')])
    const several = await h.run('put --name one')
    expect(several.ok).toBe(false)
    expect(only(several.blocks, 'error')).toMatchObject({ name: 'InvalidValueError', message: '--name names one file, but 2 were chosen' })
    expect(only(several.blocks, 'error').hint).toMatch(/^Usage: put /)
    const none = await h.run('put')
    expect(none.ok).toBe(true)
    expect(none.blocks).toEqual([{ kind: 'text', text: 'No file chosen: nothing was stored.', tone: 'muted' }])
    expect(h.backend.callsOf('put')).toHaveLength(0)
  })

  it('reports a taken name as AlreadyExistsError with what to do', async () => {
    const h = harness()
    h.host.picks.push([file('notes.txt', 'again')])
    const { ok, blocks } = await h.run('put')
    expect(ok).toBe(false)
    expect(only(blocks, 'error')).toEqual({ kind: 'error', name: 'AlreadyExistsError', message: 'A file named notes.txt exists', hint: 'That name is taken: choose another.' })
  })

  it('is cancelled through the AbortSignal', async () => {
    const h = harness()
    h.backend.putGate = new Promise(() => {})
    h.host.picks.push([file('big.bin', 'x'.repeat(1000))])
    const controller = new AbortController()
    const running = h.run('put', controller.signal)
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(h.console.running).toBe(true)
    controller.abort()
    const { ok, blocks } = await running
    expect(ok).toBe(false)
    expect(blocks.at(-1)).toEqual({ kind: 'error', name: 'AbortedError', message: 'Cancelled.' })
    expect(h.backend.files.some(f => f.name === 'big.bin')).toBe(false)
    expect(h.console.running).toBe(false)
  })

  it('reports QuotaExceededError and InsufficientPeersError with hints', async () => {
    const h = harness()
    for (const name of ['QuotaExceededError', 'InsufficientPeersError']) {
      h.host.picks.push([file('a', '1')])
      h.backend.failures.set('put', Object.assign(new Error('no'), { name }))
      const error = only((await h.run('put')).blocks, 'error')
      expect(error.name).toBe(name)
      expect(error.hint).toBeTruthy()
    }
  })
})

describe('get', () => {
  it('streams the file to the host under its name, type and size', async () => {
    const h = harness()
    const { ok, blocks } = await h.run('get notes.txt')
    expect(ok).toBe(true)
    expect(h.backend.callsOf('getStream')[0]?.[0]).toBe('notes.txt')
    expect(h.host.saved).toHaveLength(1)
    expect(h.host.saved[0]).toMatchObject({ name: 'notes.txt', type: 'text/plain', size: 1200 })
    expect(h.host.saved[0]?.bytes).toHaveLength(1200)
    expect(blocks.filter(b => b.kind === 'progress').at(-1)).toMatchObject({ id: 'get', label: 'Fetching notes.txt', done: 1200, total: 1200 })
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: 'Saved notes.txt (1.2 kB).', tone: 'ok' })
    expect(h.backend.callsOf('info')).toHaveLength(0) // the owner's own file: no manifest round trip
    expect(h.console.counters.bytesGot).toBe(1200)
  })

  it('saves under another name when given one', async () => {
    const h = harness()
    await h.run("get report.pdf 'copy of report.pdf'")
    expect(h.host.saved[0]?.name).toBe('copy of report.pdf')
  })

  it('asks for the password of a password link, and passes it on', async () => {
    const h = harness()
    h.backend.failures.set('list', Object.assign(new Error('Unlock your keys first'), { name: 'LockedError' }))
    h.host.passwords.push('open sesame')
    const link = 'https://mesh.test/#/s/bafknotestxt/p/sealedkey'
    const { ok } = await h.run(`get '${link}'`)
    expect(ok).toBe(true)
    expect(h.host.prompted).toEqual(['Password of the share link'])
    expect(h.backend.callsOf('info')[0]).toEqual([link, expect.objectContaining({ password: 'open sesame' })])
    expect(h.backend.callsOf('getStream')[0]?.[1]).toMatchObject({ password: 'open sesame' })
    // a line carrying a share link is never kept (src/console/history.ts)
    expect(h.console.history.entries.join('\n')).not.toContain(link)
    expect(h.console.history.entries.join('\n')).not.toContain('open sesame')
  })

  it('stops when the password prompt is cancelled', async () => {
    const h = harness()
    h.host.passwords.push(undefined)
    const { ok, blocks } = await h.run('get notes.txt --password')
    expect(ok).toBe(false)
    expect(only(blocks, 'error')).toMatchObject({ name: 'AbortedError', message: 'Cancelled: no password given' })
    expect(h.backend.callsOf('getStream')).toHaveLength(0)
  })

  it('explains a file that is not there', async () => {
    const h = harness()
    const { blocks } = await h.run('get nothing.txt')
    expect(only(blocks, 'error')).toMatchObject({ name: 'NotFoundError', hint: expect.stringContaining('list shows your files') })
  })
})

describe('list', () => {
  it('shows a table of files with a summary', async () => {
    const h = harness()
    const { blocks } = await h.run('ls')
    const table = only(blocks, 'table')
    expect(table.columns).toEqual(['Name', 'Size', 'Type', 'Tags', 'Added'])
    expect(table.rows[0]).toEqual(['report.pdf', '2.5 MB', 'application/pdf', 'work, 2025', '2025-03-14 12:00'])
    expect(table.rows).toHaveLength(5)
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: '5 files, 87 MB', tone: 'muted' })
  })

  it('filters by tag and shows keys', async () => {
    const h = harness()
    const { blocks } = await h.run('list --tag photos -k')
    expect(h.backend.callsOf('list')[0]).toEqual([{ tag: 'photos' }])
    const table = only(blocks, 'table')
    expect(table.columns.at(-1)).toBe('Key')
    expect(table.rows.map(r => r.at(-1))).toEqual(['bafkholidayjpg', 'bafkimg0001jpg'])
  })

  it('says so when there is nothing', async () => {
    const h = harness()
    h.backend.files = []
    expect((await h.run('ls')).blocks).toEqual([{ kind: 'text', text: 'No files yet: put stores one.', tone: 'muted' }])
    expect((await h.run('ls --tag x')).blocks).toEqual([{ kind: 'text', text: 'No file is tagged x.', tone: 'muted' }])
  })
})

describe('info', () => {
  it('shows the manifest summary and recognises the owner', async () => {
    const h = harness()
    const { blocks } = await h.run('info report.pdf')
    const pairs = Object.fromEntries(only(blocks, 'pairs').pairs)
    expect(pairs).toMatchObject({
      Name: 'report.pdf',
      Key: 'bafkreportpdf',
      Size: '2.5 MB (2500000 bytes)',
      Tags: 'work, 2025',
      Coding: '4 data + 2 parity shards per stripe (any 4 rebuild it)',
      Owner: 'you (key default)',
      'Manifest on': '2 peers'
    })
  })

  it('shows a foreign owner by key', async () => {
    const h = harness()
    h.backend.keyList = []
    const pairs = Object.fromEntries(only((await h.run('info report.pdf')).blocks, 'pairs').pairs)
    expect(pairs.Owner).toBe(`${'65'.repeat(8)}… (Ed25519)`)
  })
})

describe('rename, duplicate', () => {
  it('renames', async () => {
    const h = harness()
    const { blocks } = await h.run("mv notes.txt 'my notes.txt'")
    expect(h.backend.callsOf('rename')).toEqual([['notes.txt', 'my notes.txt']])
    expect(blocks).toEqual([{ kind: 'text', text: 'Renamed notes.txt to my notes.txt.', tone: 'ok' }])
  })

  it('copies with progress and the new key', async () => {
    const h = harness()
    const { blocks } = await h.run('cp notes.txt notes2.txt')
    const [ref, name, options] = h.backend.callsOf('duplicate')[0] ?? []
    expect([ref, name]).toEqual(['notes.txt', 'notes2.txt'])
    expect(options).toMatchObject({ signal: expect.any(AbortSignal) })
    expect(blocks.filter(b => b.kind === 'progress').at(-1)).toMatchObject({ id: 'copy', done: 1200, total: 1200 })
    expect(only(blocks, 'pairs').pairs).toEqual([['Copied', 'notes.txt → notes2.txt'], ['Key', 'bafkcopy5']])
  })
})

describe('tags', () => {
  it('lists every tag with its count', async () => {
    const { blocks } = await harness().run('tags')
    expect(only(blocks, 'table')).toEqual({ kind: 'table', columns: ['Tag', 'Files'], rows: [['archive', '2'], ['photos', '2'], ['work', '2'], ['2025', '1']] })
  })

  it('shows one file\'s tags', async () => {
    expect((await harness().run('tags report.pdf')).blocks).toEqual([{ kind: 'text', text: 'work, 2025' }])
    expect((await harness().run('tags show old.zip')).blocks).toEqual([{ kind: 'text', text: 'archive' }])
  })

  it('adds tags without repeating any', async () => {
    const h = harness()
    await h.run('tags add report.pdf work q1 q1')
    expect(h.backend.callsOf('setTags')).toEqual([['bafkreportpdf', ['work', '2025', 'q1']]])
  })

  it('removes tags and says which were not there', async () => {
    const h = harness()
    const { blocks } = await h.run('tags remove report.pdf 2025 nope')
    expect(h.backend.callsOf('setTags')).toEqual([['bafkreportpdf', ['work']]])
    expect(blocks).toEqual([
      { kind: 'text', text: 'report.pdf: work', tone: 'ok' },
      { kind: 'text', text: 'It did not have: nope', tone: 'muted' }
    ])
    const none = await h.run('tags rm report.pdf nope')
    expect(none.blocks).toEqual([{ kind: 'text', text: 'report.pdf has none of these tags: nothing changed.', tone: 'warn' }])
    expect(h.backend.callsOf('setTags')).toHaveLength(1)
  })

  it('reports an unknown file', async () => {
    const { ok, blocks } = await harness().run('tags add nothing x')
    expect(ok).toBe(false)
    expect(only(blocks, 'error')).toMatchObject({ name: 'NotFoundError', message: "No file named 'nothing' in your list" })
  })
})

describe('rm', () => {
  it('asks first and deletes nothing when told no', async () => {
    const h = harness()
    h.host.confirms.push(false)
    const { ok, blocks } = await h.run('rm old.zip')
    expect(ok).toBe(true)
    expect(h.host.asked).toEqual(['Delete old.zip from every peer? This cannot be undone.'])
    expect(h.backend.callsOf('delete')).toHaveLength(0)
    expect(blocks).toEqual([{ kind: 'text', text: 'Nothing was deleted.', tone: 'muted' }])
  })

  it('deletes after a yes', async () => {
    const h = harness()
    h.host.confirms.push(true)
    const { blocks } = await h.run('delete old.zip notes.txt')
    expect(h.host.asked).toEqual(['Delete 2 files from every peer? This cannot be undone.'])
    expect(h.backend.callsOf('delete')).toEqual([['old.zip'], ['notes.txt']])
    expect(blocks[0]).toEqual({ kind: 'text', text: 'Deleted old.zip: 6 shard copies removed.', tone: 'ok' })
  })

  it('does not ask with --yes', async () => {
    const h = harness()
    await h.run('rm -y old.zip')
    expect(h.host.asked).toEqual([])
    expect(h.backend.callsOf('delete')).toEqual([['old.zip']])
  })
})

describe('index', () => {
  it('backs up and restores the file list', async () => {
    const h = harness()
    expect(only((await h.run('index backup')).blocks, 'pairs').pairs).toEqual([['Files', '5'], ['Version', '7'], ['Held by', '3 peers']])
    expect((await h.run('index restore')).blocks).toEqual([{ kind: 'text', text: 'Restored version 7: 2 files added, 7 in your list.', tone: 'ok' }])
    expect(h.backend.callsOf('backupIndex')).toHaveLength(1)
    expect(h.backend.callsOf('restoreIndex')).toHaveLength(1)
  })
})
