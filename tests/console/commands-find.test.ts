import { describe, expect, it } from 'vitest'
import { harness, only } from './fakes.ts'

async function names (line: string): Promise<string[]> {
  const { ok, blocks } = await harness().run(line)
  if (!ok) throw new Error(JSON.stringify(blocks))
  const table = blocks.find(b => b.kind === 'table')
  return table?.kind === 'table' ? table.rows.map(r => r[0] as string) : []
}

describe('search', () => {
  it('matches text in names and tags, ignoring case', async () => {
    expect(await names('search REPORT')).toEqual(['report.pdf'])
    expect(await names('search photo')).toEqual(['holiday.jpg', 'IMG_0001.JPG'])
  })

  it('matches a /regular expression/ against names', async () => {
    expect(await names("search '/^img_\\d+\\.jpe?g$/i'")).toEqual(['IMG_0001.JPG'])
    expect(await names('search /^img/')).toEqual([])
    expect(await names('search /\\.(pdf|zip)$/')).toEqual(['report.pdf', 'old.zip'])
  })

  it('refuses a broken regular expression', async () => {
    const { ok, blocks } = await harness().run('search /([a/')
    expect(ok).toBe(false)
    expect(only(blocks, 'error')).toMatchObject({ name: 'InvalidValueError', message: expect.stringMatching(/^'\/\(\[a\/' is not a valid regular expression/) })
  })

  it('filters by type: a MIME type, its kind, or an extension', async () => {
    expect(await names('search --type image')).toEqual(['holiday.jpg', 'IMG_0001.JPG'])
    expect(await names('search --type application/pdf')).toEqual(['report.pdf'])
    expect(await names('search --type zip')).toEqual(['old.zip'])
    expect(await names('search --type .txt')).toEqual(['notes.txt'])
  })

  it('filters by tag, size and date, all together', async () => {
    expect(await names('search --tag archive')).toEqual(['IMG_0001.JPG', 'old.zip'])
    expect(await names('search --min 1MB')).toEqual(['report.pdf', 'holiday.jpg', 'old.zip'])
    expect(await names('search --max 500KB')).toEqual(['IMG_0001.JPG', 'notes.txt'])
    expect(await names('search --since 7d')).toEqual(['report.pdf', 'holiday.jpg'])
    expect(await names('search --until 2025-03-05')).toEqual(['IMG_0001.JPG', 'notes.txt', 'old.zip']) // the whole day counts
    expect(await names('search --since 2025-03-06 --until 2025-03-13')).toEqual(['holiday.jpg'])
    expect(await names('search --until yesterday')).toEqual(['report.pdf', 'holiday.jpg', 'IMG_0001.JPG', 'notes.txt', 'old.zip'])
    expect(await names('search --type image --min 1MB --since 7d')).toEqual(['holiday.jpg'])
  })

  it('summarises the matches and says when there are none', async () => {
    const { blocks } = await harness().run('search work')
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: '2 files, 2.5 MB of 5 match.', tone: 'muted' })
    expect((await harness().run('search nothing-like-it')).blocks).toEqual([{ kind: 'text', text: 'No file matches.', tone: 'muted' }])
  })

  it('needs a query or a filter', async () => {
    const { ok, blocks } = await harness().run('search')
    expect(ok).toBe(false)
    expect(only(blocks, 'error')).toMatchObject({ name: 'MissingArgumentError', hint: expect.stringMatching(/^Usage: search \[query\]/) })
  })

  it('explains bad sizes and dates with the usage line', async () => {
    for (const line of ['search --min 10XB', 'search --since soonish']) {
      const error = only((await harness().run(line)).blocks, 'error')
      expect(error.name).toBe('InvalidValueError')
      expect(error.hint).toMatch(/^Usage: search/)
    }
  })
})

describe('recent and popular', () => {
  it('recent: newest first, limited, optionally since a date', async () => {
    expect(await names('recent')).toEqual(['report.pdf', 'holiday.jpg', 'IMG_0001.JPG', 'notes.txt', 'old.zip'])
    expect(await names('recent -n 2')).toEqual(['report.pdf', 'holiday.jpg'])
    expect(await names('recent --since 2025-03-01')).toEqual(['report.pdf', 'holiday.jpg', 'IMG_0001.JPG'])
    expect((await harness().run('recent --since today')).blocks).toEqual([{ kind: 'text', text: 'No file was added in that time.', tone: 'muted' }])
  })

  it('popular: by opens on this device, only opened files', async () => {
    const { blocks } = await harness().run('popular')
    const table = only(blocks, 'table')
    expect(table.columns.at(-1)).toBe('Opens')
    expect(table.rows.map(r => [r[0], r.at(-1)])).toEqual([['notes.txt', '9'], ['report.pdf', '5'], ['holiday.jpg', '2']])
    expect(await names('popular --limit 1')).toEqual(['notes.txt'])
    const h = harness()
    h.backend.files.forEach(f => { f.opens = 0 })
    expect((await h.run('popular')).blocks[0]).toMatchObject({ kind: 'text', tone: 'muted' })
  })
})

describe('stats', () => {
  it('adds up files, storage and connections', async () => {
    const h = harness()
    const pairs = Object.fromEntries(only((await h.run('stats')).blocks, 'pairs').pairs)
    expect(pairs).toEqual({
      Files: '5 files, 87 MB',
      Tags: '4',
      Contribution: '10 MB of 1 GB used (1%)',
      'Shards held': '12',
      Persistent: 'no (the browser may clear it under pressure)',
      Connections: '2 (1 direct, 1 relayed)'
    })
    expect(h.backend.callsOf('storage')).toHaveLength(1)
  })
})
