import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  activeFilters, compareFiles, EMPTY_QUERY, fileKind, filterFiles, KINDS, parseDay, parseSearch, parseSize, queryFiles, SORT_KEYS,
  sortFiles, tagsInUse, type FileQuery, type QueryFile
} from '../../../src/app/files/query.ts'

const DAY = 24 * 3600 * 1000
const T0 = new Date(2024, 4, 1).getTime()

function file (name: string, over: Partial<QueryFile> = {}): QueryFile {
  return { key: `k-${name}`, name, type: '', size: 100, tags: [], created: T0, opens: 0, ...over }
}

const FILES: QueryFile[] = [
  file('photos/2024/Beach.JPG', { type: 'image/jpeg', size: 3_000_000, tags: ['holiday', 'family'], created: T0 + 2 * DAY, opens: 5 }),
  file('notes.md', { type: 'text/markdown', size: 1200, tags: ['work'], created: T0 + DAY, opens: 1 }),
  file('report final.pdf', { type: 'application/pdf', size: 250_000, tags: ['work', 'tax'], created: T0, opens: 9 }),
  file('song.flac', { size: 40_000_000, created: T0 + 3 * DAY }),
  file('backup.tar.gz', { type: 'application/gzip', size: 900_000_000, tags: ['family'], created: T0 - DAY }),
  file('clip.webm', { type: 'video/webm', size: 12_000_000, created: T0 + 4 * DAY, opens: 2 }),
  file('mystery.bin', { type: 'application/octet-stream', size: 7, created: T0 + 5 * DAY })
]

const q = (over: Partial<FileQuery>): FileQuery => ({ ...EMPTY_QUERY, ...over })
const names = (files: QueryFile[]): string[] => files.map(f => f.name)

describe('fileKind', () => {
  it('goes by MIME type first', () => {
    expect(fileKind({ name: 'x', type: 'image/png' })).toBe('image')
    expect(fileKind({ name: 'x.mp3', type: 'video/mp4' })).toBe('video')
    expect(fileKind({ name: 'x', type: 'audio/ogg; codecs=opus' })).toBe('audio')
    expect(fileKind({ name: 'x', type: 'application/zip' })).toBe('archive')
    expect(fileKind({ name: 'x', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' })).toBe('document')
    expect(fileKind({ name: 'x', type: 'text/plain' })).toBe('document')
  })

  it('falls back to the extension, in any case, after a folder path', () => {
    expect(fileKind({ name: 'a/b/c.JPEG', type: '' })).toBe('image')
    expect(fileKind({ name: 'song.flac', type: 'application/octet-stream' })).toBe('audio')
    expect(fileKind({ name: 'film.MKV', type: '' })).toBe('video')
    expect(fileKind({ name: 'backup.tar.gz', type: '' })).toBe('archive')
    expect(fileKind({ name: 'sheet.xlsx', type: '' })).toBe('document')
    expect(fileKind({ name: 'mystery.bin', type: '' })).toBe('other')
    expect(fileKind({ name: 'README', type: '' })).toBe('other')
    expect(fileKind({ name: '.jpg', type: '' })).toBe('other') // a dotfile, not a picture
  })
})

describe('search', () => {
  it('matches plain words in the name, tags or type, ignoring case', () => {
    expect(names(filterFiles(FILES, q({ text: 'beach' })).files)).toEqual(['photos/2024/Beach.JPG'])
    expect(names(filterFiles(FILES, q({ text: 'WORK' })).files)).toEqual(['notes.md', 'report final.pdf'])
    expect(names(filterFiles(FILES, q({ text: 'image/' })).files)).toEqual(['photos/2024/Beach.JPG'])
    expect(names(filterFiles(FILES, q({ text: 'photos/2024' })).files)).toEqual(['photos/2024/Beach.JPG'])
  })

  it('needs every word to match somewhere', () => {
    expect(names(filterFiles(FILES, q({ text: 'work  pdf' })).files)).toEqual(['report final.pdf'])
    expect(names(filterFiles(FILES, q({ text: 'family gz' })).files)).toEqual(['backup.tar.gz'])
    expect(filterFiles(FILES, q({ text: 'work nothing-like-this' })).files).toEqual([])
  })

  it('empty or blank text matches everything', () => {
    expect(filterFiles(FILES, q({ text: '   ' })).files).toEqual(FILES)
  })

  it('/regex/flags is a regular expression on the name, tags and type', () => {
    expect(names(filterFiles(FILES, q({ text: '/\\.(md|pdf)$/' })).files)).toEqual(['notes.md', 'report final.pdf'])
    expect(names(filterFiles(FILES, q({ text: '/^beach/' })).files)).toEqual([])
    expect(names(filterFiles(FILES, q({ text: '/beach/i' })).files)).toEqual(['photos/2024/Beach.JPG'])
    expect(names(filterFiles(FILES, q({ text: '/^tax$/' })).files)).toEqual(['report final.pdf'])
    expect(names(filterFiles(FILES, q({ text: '/^video\\//' })).files)).toEqual(['clip.webm'])
  })

  it('the g and y flags do not make matches depend on earlier ones', () => {
    const s = parseSearch('/a/g')
    expect(s.ok).toBe(true)
    if (!s.ok) return
    const f = { name: 'a', tags: [], type: '' }
    expect([s.test(f), s.test(f), s.test(f)]).toEqual([true, true, true])
  })

  it('an invalid regular expression gives a message and no files, not an exception', () => {
    for (const text of ['/(/', '/[a-/', '/a/ii', '/*/']) {
      const r = filterFiles(FILES, q({ text }))
      expect(r.files).toEqual([])
      expect(r.error).toMatch(/regular expression/)
    }
    const s = parseSearch('/(/')
    expect(s.ok).toBe(false)
  })

  it('text that only looks a bit like a regex is plain text', () => {
    for (const text of ['/', '//', '/photos/2024']) expect(parseSearch(text)).toMatchObject({ ok: true, regex: false })
    expect(names(filterFiles([file('a/b/c')], q({ text: '/b/c' })).files)).toEqual(['a/b/c'])
    expect(names(filterFiles(FILES, q({ text: '/2024/Beach' })).files)).toEqual(['photos/2024/Beach.JPG'])
  })
})

describe('filters', () => {
  it('by kind (any of several)', () => {
    expect(names(filterFiles(FILES, q({ kinds: ['image'] })).files)).toEqual(['photos/2024/Beach.JPG'])
    expect(names(filterFiles(FILES, q({ kinds: ['audio', 'video'] })).files)).toEqual(['song.flac', 'clip.webm'])
    expect(names(filterFiles(FILES, q({ kinds: ['document'] })).files)).toEqual(['notes.md', 'report final.pdf'])
    expect(names(filterFiles(FILES, q({ kinds: ['archive'] })).files)).toEqual(['backup.tar.gz'])
    expect(names(filterFiles(FILES, q({ kinds: ['other'] })).files)).toEqual(['mystery.bin'])
  })

  it('by size, bounds included', () => {
    expect(names(filterFiles(FILES, q({ minSize: 12_000_000 })).files)).toEqual(['song.flac', 'backup.tar.gz', 'clip.webm'])
    expect(names(filterFiles(FILES, q({ maxSize: 1200 })).files)).toEqual(['notes.md', 'mystery.bin'])
    expect(names(filterFiles(FILES, q({ minSize: 1200, maxSize: 250_000 })).files)).toEqual(['notes.md', 'report final.pdf'])
    expect(filterFiles(FILES, q({ minSize: 10, maxSize: 5 })).files).toEqual([])
  })

  it('by date, whole days included', () => {
    const from = parseDay('2024-05-02')
    const to = parseDay('2024-05-03', true)
    expect(names(filterFiles(FILES, q({ from, to })).files)).toEqual(['photos/2024/Beach.JPG', 'notes.md'])
    expect(names(filterFiles(FILES, q({ to: parseDay('2024-04-30', true) })).files)).toEqual(['backup.tar.gz'])
  })

  it('by tags: a file must carry every chosen tag', () => {
    expect(names(filterFiles(FILES, q({ tags: ['work'] })).files)).toEqual(['notes.md', 'report final.pdf'])
    expect(names(filterFiles(FILES, q({ tags: ['work', 'tax'] })).files)).toEqual(['report final.pdf'])
    expect(filterFiles(FILES, q({ tags: ['work', 'family'] })).files).toEqual([])
  })

  it('combines every filter', () => {
    expect(names(filterFiles(FILES, q({ text: 'a', kinds: ['archive', 'image'], tags: ['family'], maxSize: 5_000_000 })).files)).toEqual(['photos/2024/Beach.JPG'])
  })

  it('counts the filters set', () => {
    expect(activeFilters(EMPTY_QUERY)).toBe(0)
    expect(activeFilters(q({ text: 'x', kinds: ['image'], minSize: 1, to: 5, tags: ['a', 'b'] }))).toBe(5)
  })
})

describe('sorting', () => {
  it('by name, natural order, ignoring case', () => {
    const files = ['b10.txt', 'B2.txt', 'a.txt', 'b1.txt'].map(n => file(n))
    expect(names(sortFiles(files, 'name', 'asc'))).toEqual(['a.txt', 'b1.txt', 'B2.txt', 'b10.txt'])
    expect(names(sortFiles(files, 'name', 'desc'))).toEqual(['b10.txt', 'B2.txt', 'b1.txt', 'a.txt'])
  })

  it('by size, recent and popular', () => {
    expect(names(sortFiles(FILES, 'size', 'desc')).slice(0, 2)).toEqual(['backup.tar.gz', 'song.flac'])
    expect(names(sortFiles(FILES, 'recent', 'desc'))[0]).toBe('mystery.bin')
    expect(names(sortFiles(FILES, 'recent', 'asc'))[0]).toBe('backup.tar.gz')
    expect(names(sortFiles(FILES, 'popular', 'desc')).slice(0, 3)).toEqual(['report final.pdf', 'photos/2024/Beach.JPG', 'clip.webm'])
  })

  it('popular breaks ties by recency', () => {
    const files = [file('old', { opens: 1, created: 1 }), file('new', { opens: 1, created: 2 })]
    expect(names(sortFiles(files, 'popular', 'desc'))).toEqual(['new', 'old'])
  })

  it('does not change its input', () => {
    const copy = [...FILES]
    sortFiles(FILES, 'size', 'asc')
    expect(FILES).toEqual(copy)
  })
})

const arbFile = fc.record({
  key: fc.string({ minLength: 1, maxLength: 8 }),
  name: fc.string({ maxLength: 12 }),
  type: fc.constantFrom('', 'image/png', 'video/mp4', 'audio/ogg', 'text/plain', 'application/zip', 'application/octet-stream'),
  size: fc.nat({ max: 10_000 }),
  tags: fc.array(fc.constantFrom<string>('a', 'b', 'c', 'work'), { maxLength: 3 }),
  created: fc.nat({ max: 1000 }),
  opens: fc.nat({ max: 5 })
})
const arbQuery: fc.Arbitrary<FileQuery> = fc.record({
  text: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('/a|b/', '/^x/i', '/(/', 'work')),
  kinds: fc.subarray([...KINDS]),
  minSize: fc.option(fc.nat({ max: 10_000 }), { nil: undefined }),
  maxSize: fc.option(fc.nat({ max: 10_000 }), { nil: undefined }),
  from: fc.option(fc.nat({ max: 1000 }), { nil: undefined }),
  to: fc.option(fc.nat({ max: 1000 }), { nil: undefined }),
  tags: fc.subarray(['a', 'b', 'c', 'work']),
  sort: fc.constantFrom(...SORT_KEYS),
  direction: fc.constantFrom('asc' as const, 'desc' as const)
}, { requiredKeys: ['text', 'kinds', 'tags', 'sort', 'direction'] })

describe('properties', () => {
  it('the result is a subset of the files, in their order, and every kept file passes every filter', () => {
    fc.assert(fc.property(fc.array(arbFile, { maxLength: 30 }), arbQuery, (files, query) => {
      const { files: kept } = filterFiles(files, query)
      let at = 0
      for (const f of kept) {
        at = files.indexOf(f, at)
        expect(at).toBeGreaterThanOrEqual(0)
        at++
        if (query.minSize !== undefined) expect(f.size).toBeGreaterThanOrEqual(query.minSize)
        if (query.maxSize !== undefined) expect(f.size).toBeLessThanOrEqual(query.maxSize)
        if (query.from !== undefined) expect(f.created).toBeGreaterThanOrEqual(query.from)
        if (query.to !== undefined) expect(f.created).toBeLessThanOrEqual(query.to)
        for (const t of query.tags) expect(f.tags).toContain(t)
        if (query.kinds.length > 0) expect(query.kinds).toContain(fileKind(f))
      }
    }))
  })

  it('a file is dropped only if some filter rejects it', () => {
    fc.assert(fc.property(fc.array(arbFile, { maxLength: 20 }), arbQuery, (files, query) => {
      const { files: kept, error } = filterFiles(files, query)
      if (error !== undefined) return
      const search = parseSearch(query.text)
      for (const f of files) {
        const passes = search.ok && search.test(f) && (query.kinds.length === 0 || query.kinds.includes(fileKind(f))) &&
          f.size >= (query.minSize ?? 0) && f.size <= (query.maxSize ?? Infinity) && f.created >= (query.from ?? 0) &&
          f.created <= (query.to ?? Infinity) && query.tags.every(t => f.tags.includes(t))
        expect(kept.includes(f)).toBe(passes)
      }
    }))
  })

  it('sorting is a permutation, ordered by its key in its direction', () => {
    fc.assert(fc.property(fc.array(arbFile, { maxLength: 30 }), fc.constantFrom(...SORT_KEYS), fc.constantFrom('asc' as const, 'desc' as const), (files, key, direction) => {
      const sorted = sortFiles(files, key, direction)
      expect(sorted).toHaveLength(files.length)
      expect(new Set(sorted)).toEqual(new Set(files))
      for (const f of files) expect(sorted.filter(x => x === f).length).toBe(files.filter(x => x === f).length)
      for (let i = 1; i < sorted.length; i++) {
        const c = compareFiles(sorted[i - 1] as QueryFile, sorted[i] as QueryFile, key)
        if (direction === 'asc') expect(c).toBeLessThanOrEqual(0); else expect(c).toBeGreaterThanOrEqual(0)
      }
    }))
  })

  it('queryFiles is filterFiles then sortFiles', () => {
    fc.assert(fc.property(fc.array(arbFile, { maxLength: 20 }), arbQuery, (files, query) => {
      expect(queryFiles(files, query).files).toEqual(sortFiles(filterFiles(files, query).files, query.sort, query.direction))
    }))
  })
})

describe('tagsInUse', () => {
  it('counts each tag once per file, most used first', () => {
    expect(tagsInUse(FILES)).toEqual([
      { tag: 'family', count: 2 }, { tag: 'work', count: 2 }, { tag: 'holiday', count: 1 }, { tag: 'tax', count: 1 }
    ])
    expect(tagsInUse([{ tags: ['a', 'a'] }])).toEqual([{ tag: 'a', count: 1 }])
    expect(tagsInUse([])).toEqual([])
  })
})

describe('parseSize', () => {
  it('reads sizes the way people type them', () => {
    expect(parseSize('')).toBeUndefined()
    expect(parseSize('  ')).toBeUndefined()
    expect(parseSize('1500')).toBe(1500)
    expect(parseSize('500 kB')).toBe(500_000)
    expect(parseSize('1.5MB')).toBe(1_500_000)
    expect(parseSize('2 g')).toBe(2_000_000_000)
    expect(parseSize('1 KiB')).toBe(1024)
    expect(parseSize('.5 mb')).toBe(500_000)
  })

  it('is NaN for what is not a size', () => {
    for (const t of ['abc', '1.2.3', '-5', '5 parsecs', 'MB']) expect(parseSize(t)).toBeNaN()
  })
})

describe('parseDay', () => {
  it('is the first or last millisecond of a local day', () => {
    expect(parseDay('2024-05-01')).toBe(new Date(2024, 4, 1).getTime())
    expect(parseDay('2024-05-01', true)).toBe(new Date(2024, 4, 2).getTime() - 1)
  })

  it('is undefined for an empty or impossible date', () => {
    expect(parseDay('')).toBeUndefined()
    expect(parseDay('2024-02-30')).toBeUndefined()
    expect(parseDay('2024-13-01')).toBeUndefined()
    expect(parseDay('yesterday')).toBeUndefined()
  })
})
