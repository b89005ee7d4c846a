import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { baseName, copyName, extensionOf, freeName, numbered, parseTags, splitExtension, typeFor } from '../../../src/app/files/names.ts'

describe('splitExtension', () => {
  it('cuts before the last extension of the last path segment', () => {
    expect(splitExtension('a.jpg')).toEqual({ stem: 'a', ext: '.jpg' })
    expect(splitExtension('photos/2024/a.b.jpg')).toEqual({ stem: 'photos/2024/a.b', ext: '.jpg' })
    expect(splitExtension('v1.2/readme')).toEqual({ stem: 'v1.2/readme', ext: '' })
    expect(splitExtension('.bashrc')).toEqual({ stem: '.bashrc', ext: '' })
    expect(splitExtension('dir/.env')).toEqual({ stem: 'dir/.env', ext: '' })
    expect(splitExtension('backup.TAR.GZ')).toEqual({ stem: 'backup', ext: '.TAR.GZ' })
    expect(splitExtension('.tar.gz')).toEqual({ stem: '.tar', ext: '.gz' })
  })

  it('gives back the name when joined', () => {
    fc.assert(fc.property(fc.string(), name => {
      const { stem, ext } = splitExtension(name)
      expect(stem + ext).toBe(name)
    }))
  })
})

describe('freeName', () => {
  it('keeps a free name', () => {
    expect(freeName('a.jpg', new Set(['b.jpg']))).toBe('a.jpg')
  })

  it('numbers a taken one from 2, before the extension', () => {
    expect(freeName('a.jpg', new Set(['a.jpg']))).toBe('a (2).jpg')
    expect(freeName('a.jpg', new Set(['a.jpg', 'a (2).jpg', 'a (3).jpg']))).toBe('a (4).jpg')
    expect(freeName('README', new Set(['README']))).toBe('README (2)')
    expect(freeName('photos/a.jpg', new Set(['photos/a.jpg']))).toBe('photos/a (2).jpg')
    expect(freeName('x.tar.gz', new Set(['x.tar.gz']))).toBe('x (2).tar.gz')
  })

  it('counts on from a name that already has a counter', () => {
    expect(freeName('a (2).jpg', new Set(['a (2).jpg']))).toBe('a (3).jpg')
    expect(freeName('a (9).jpg', new Set(['a (9).jpg', 'a (10).jpg']))).toBe('a (11).jpg')
  })

  it('is never taken, and is the name itself when that is free', () => {
    fc.assert(fc.property(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 12 }), { maxLength: 20 }), (name, list) => {
      const taken = new Set(list)
      const free = freeName(name, taken)
      expect(taken.has(free)).toBe(false)
      if (!taken.has(name)) expect(free).toBe(name)
    }))
  })

  it('a name taken many times over still finds a free one', () => {
    const taken = new Set(['a.txt', ...Array.from({ length: 500 }, (_, i) => numbered('a.txt', i + 2))])
    expect(freeName('a.txt', taken)).toBe('a (502).txt')
  })
})

describe('copyName', () => {
  it('adds " copy" before the extension, numbered when taken', () => {
    expect(copyName('a.jpg')).toBe('a copy.jpg')
    expect(copyName('notes')).toBe('notes copy')
    expect(copyName('dir/x.tar.gz')).toBe('dir/x copy.tar.gz')
    expect(copyName('a.jpg', new Set(['a copy.jpg']))).toBe('a copy (2).jpg')
  })
})

describe('baseName, extensionOf, typeFor', () => {
  it('name parts', () => {
    expect(baseName('photos/2024/a.jpg')).toBe('a.jpg')
    expect(baseName('a.jpg')).toBe('a.jpg')
    expect(extensionOf('A.JPG')).toBe('jpg')
    expect(extensionOf('x.tar.gz')).toBe('gz')
    expect(extensionOf('README')).toBe('')
  })

  it('keeps the browser\'s type, else guesses from the extension', () => {
    expect(typeFor('a.bin', 'application/x-thing')).toBe('application/x-thing')
    expect(typeFor('a.JPG')).toBe('image/jpeg')
    expect(typeFor('notes.md', '')).toBe('text/markdown')
    expect(typeFor('mystery.qqq')).toBe('')
  })
})

describe('parseTags', () => {
  it('splits on commas, trims, drops empties and repeats', () => {
    expect(parseTags('a, b ,,c, a')).toEqual(['a', 'b', 'c'])
    expect(parseTags('  ')).toEqual([])
    expect(parseTags('two words, x')).toEqual(['two words', 'x'])
  })
})
