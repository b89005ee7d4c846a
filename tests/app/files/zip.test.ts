import { describe, expect, it } from 'vitest'
import { zipFiles, zipPath, type ZipSource } from '../../../src/app/files/zip.ts'
import { readAll, streamOf } from './byte-streams.ts'

/** the names of a ZIP's central directory entries (signature 0x02014b50) */
function centralNames (zip: Uint8Array): string[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  const names: string[] = []
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue
    const len = view.getUint16(i + 28, true)
    names.push(new TextDecoder().decode(zip.subarray(i + 46, i + 46 + len)))
  }
  return names
}

describe('zipPath', () => {
  it('keeps folders, drops what could escape the archive', () => {
    expect(zipPath('photos/2024/a.jpg')).toBe('photos/2024/a.jpg')
    expect(zipPath('/etc/passwd')).toBe('etc/passwd')
    expect(zipPath('../../x')).toBe('x')
    expect(zipPath('a\\..\\b')).toBe('a/b')
    expect(zipPath('./')).toBe('file')
  })
})

describe('zipFiles', () => {
  it('streams every file into an archive of exactly the predicted size, opening them one at a time', async () => {
    const contents = [new TextEncoder().encode('hello world'), new Uint8Array(5000).fill(7), new Uint8Array(0)]
    const opened: number[] = []
    let open = 0
    let maxOpen = 0
    const files: ZipSource[] = ['docs/a.txt', 'b.bin', 'docs/a.txt'].map((name, i) => ({
      name,
      size: contents[i]?.length ?? 0,
      created: Date.UTC(2024, 0, 1),
      open: async () => {
        opened.push(i)
        open++
        maxOpen = Math.max(maxOpen, open)
        const s = streamOf(contents[i] ?? new Uint8Array(), 7)
        return s.pipeThrough(new TransformStream({ flush () { open-- } }))
      }
    }))
    const { stream, size } = zipFiles(files)
    expect(opened).toEqual([]) // nothing is fetched before the archive is read
    const zip = await readAll(stream)
    expect(zip.length).toBe(size)
    expect(opened).toEqual([0, 1, 2])
    expect(maxOpen).toBe(1)
    expect(centralNames(zip)).toEqual(['docs/a.txt', 'b.bin', 'docs/a (2).txt'])
    // stored, not compressed: the bytes are in there as they are
    const text = new TextDecoder().decode(zip)
    expect(text).toContain('hello world')
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    const files: ZipSource[] = [0, 1].map(i => ({
      name: `f${i}`,
      size: 3,
      created: 0,
      open: async () => { controller.abort(); return streamOf(new Uint8Array(3), 7) }
    }))
    const { stream } = zipFiles(files, { signal: controller.signal })
    await expect(readAll(stream)).rejects.toThrow()
  })
})
