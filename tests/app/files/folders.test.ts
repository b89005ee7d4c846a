import { describe, expect, it } from 'vitest'
import { droppedEntries, pickedFiles, relativeName, walkEntries, type EntryLike } from '../../../src/app/files/folders.ts'

/** a fake tree of entries; a directory hands its children out `batch` at a time, like Chromium's 100 */
function fileEntry (path: string, content = path, fail = false): EntryLike {
  const name = path.slice(path.lastIndexOf('/') + 1)
  return {
    isFile: true,
    isDirectory: false,
    name,
    fullPath: path,
    file: (ok: (f: File) => void, err?: (e: unknown) => void) => {
      setTimeout(() => { if (fail) err?.(new Error('unreadable')); else ok(new File([content], name)) }, 0)
    }
  } as EntryLike
}
function dirEntry (path: string, children: EntryLike[], batch = 2): EntryLike {
  return {
    isFile: false,
    isDirectory: true,
    name: path.slice(path.lastIndexOf('/') + 1),
    fullPath: path,
    createReader: () => {
      let at = 0
      return {
        readEntries: (ok: (e: EntryLike[]) => void) => {
          const out = children.slice(at, at + batch)
          at += batch
          setTimeout(() => { ok(out) }, 0)
        }
      }
    }
  } as EntryLike
}

describe('walkEntries', () => {
  it('names every file of a dropped folder by its relative path, reading every batch', async () => {
    const tree = dirEntry('/photos', [
      fileEntry('/photos/b.jpg'),
      dirEntry('/photos/2024', [fileEntry('/photos/2024/a.jpg'), fileEntry('/photos/2024/c.jpg'), fileEntry('/photos/2024/b.jpg')]),
      fileEntry('/photos/a.jpg'),
      dirEntry('/photos/empty', [])
    ])
    const { files, skipped } = await walkEntries([tree, fileEntry('/loose.txt', 'hello')])
    expect(files.map(f => f.name)).toEqual(['photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/2024/c.jpg', 'photos/a.jpg', 'photos/b.jpg', 'loose.txt'])
    expect(skipped).toEqual([])
    expect(await files[5]?.file.text()).toBe('hello')
  })

  it('skips what cannot be read and goes on', async () => {
    const { files, skipped } = await walkEntries([fileEntry('/bad', 'x', true), fileEntry('/good')])
    expect(files.map(f => f.name)).toEqual(['good'])
    expect(skipped).toEqual(['bad'])
  })

  it('an entry that is neither file nor folder is skipped', async () => {
    const odd = { isFile: false, isDirectory: false, name: 'odd', fullPath: '/odd' }
    expect(await walkEntries([odd])).toEqual({ files: [], skipped: ['odd'] })
  })
})

describe('relativeName', () => {
  it('drops the leading slashes, falls back on the name', () => {
    expect(relativeName('/a/b.txt', 'b.txt')).toBe('a/b.txt')
    expect(relativeName('', 'b.txt')).toBe('b.txt')
    expect(relativeName('/', 'b.txt')).toBe('b.txt')
  })
})

describe('pickedFiles', () => {
  it('uses the relative path of a folder picker, else the name', () => {
    const plain = new File(['x'], 'a.txt')
    const inFolder = new File(['y'], 'b.txt')
    Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'docs/sub/b.txt' })
    expect(pickedFiles([plain, inFolder]).map(p => p.name)).toEqual(['a.txt', 'docs/sub/b.txt'])
  })
})

describe('droppedEntries', () => {
  const list = <T>(items: T[]): T[] & { item: (i: number) => T | null } => Object.assign([...items], { item: (i: number) => items[i] ?? null })

  it('takes the entries of the file items', () => {
    const entry = fileEntry('/a')
    const data = {
      items: list([{ kind: 'string', webkitGetAsEntry: () => null }, { kind: 'file', webkitGetAsEntry: () => entry }]),
      files: list([new File(['a'], 'a')])
    } as unknown as DataTransfer
    expect(droppedEntries(data)).toEqual({ entries: [entry], files: [] })
  })

  it('falls back to the plain files without webkitGetAsEntry', () => {
    const f = new File(['a'], 'a')
    const data = { items: list([{ kind: 'file' }]), files: list([f]) } as unknown as DataTransfer
    expect(droppedEntries(data)).toEqual({ entries: [], files: [f] })
  })
})
