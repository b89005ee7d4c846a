import { describe, expect, it } from 'vitest'
import { base64url } from 'multiformats/bases/base64'
import { carriesFileKey, History } from '../../src/console/history.ts'
import type { HistoryStore } from '../../src/console/index.ts'
import { makeSealedShareLink, makeShareLink } from '../../src/app/runtime/share-link.ts'
import { manifestCid } from '../../src/core/manifest.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { harness } from './fakes.ts'

await initBlake3()

function memoryStore (initial: unknown = []): HistoryStore & { saved: string[][] } {
  let entries = initial
  const saved: string[][] = []
  return {
    saved,
    load: () => entries as string[],
    save: e => { entries = [...e]; saved.push([...e]) }
  }
}

describe('history', () => {
  it('keeps lines in order and saves after each', () => {
    const store = memoryStore()
    const h = new History(store)
    h.add('ls')
    h.add('info a')
    expect(h.entries).toEqual(['ls', 'info a'])
    expect(store.saved.at(-1)).toEqual(['ls', 'info a'])
  })

  it('skips blank lines, lines starting with a space, and repeats of the newest', () => {
    const h = new History(memoryStore())
    h.add('ls')
    h.add('ls')
    h.add('   ')
    h.add(' secret stuff')
    h.add('pwd')
    h.add('ls')
    expect(h.entries).toEqual(['ls', 'pwd', 'ls'])
  })

  it('is bounded: the oldest go first', () => {
    const h = new History(memoryStore(), { limit: 3 })
    for (const l of ['a', 'b', 'c', 'd', 'e']) h.add(l)
    expect(h.entries).toEqual(['c', 'd', 'e'])
  })

  it('survives a reload through its store, and ignores damaged contents', () => {
    const store = memoryStore()
    new History(store).add('health')
    expect(new History(store).entries).toEqual(['health'])
    expect(new History(memoryStore('not a list')).entries).toEqual([])
    expect(new History(memoryStore(['ok', 3, null, '', 'fine'])).entries).toEqual(['ok', 'fine'])
    const failing: HistoryStore = { load: () => { throw new Error('broken') }, save: () => { throw new Error('full') } }
    const h = new History(failing)
    h.add('still works')
    expect(h.entries).toEqual(['still works'])
  })

  it('keeps only the newest entries of a long stored history', () => {
    const many = Array.from({ length: 600 }, (_, i) => `cmd ${i}`)
    const h = new History(memoryStore(many))
    expect(h.entries).toHaveLength(500)
    expect(h.entries[0]).toBe('cmd 100')
  })

  it('walks up and down, keeping the line being typed', () => {
    const h = new History(memoryStore(['one', 'two', 'three']))
    expect(h.down()).toBeUndefined()
    expect(h.up('draft')).toBe('three')
    expect(h.up('three')).toBe('two')
    expect(h.up('two')).toBe('one')
    expect(h.up('one')).toBeUndefined() // the oldest: stays
    expect(h.down()).toBe('two')
    expect(h.down()).toBe('three')
    expect(h.down()).toBe('draft') // back to what was being typed
    expect(h.down()).toBeUndefined()
  })

  it('starts from the newest again after a line runs', () => {
    const h = new History(memoryStore(['one', 'two']))
    h.up('')
    h.up('')
    h.add('three')
    expect(h.up('')).toBe('three')
  })

  it('can be cleared', () => {
    const store = memoryStore(['a'])
    const h = new History(store)
    h.clear()
    expect(h.entries).toEqual([])
    expect(store.load()).toEqual([])
    expect(h.up('x')).toBeUndefined()
  })

  describe('never keeps a file key', () => {
    const key = manifestCid(new Uint8Array([1, 2, 3])).toString()
    const fileKey = new Uint8Array(32).map((_, i) => i * 7)
    const raw = base64url.baseEncode(fileKey)

    async function secretLines (): Promise<string[]> {
      const open = await makeShareLink('https://mesh.example', { key, fileKey })
      const password = await makeShareLink('https://mesh.example', { key, fileKey }, 'pw', { allowWeak: true })
      const sealed = makeSealedShareLink('https://mesh.example', key, new Uint8Array(80).fill(3))
      return [
        `get ${open}`,
        `info "${open}"`,
        `get '${password}' --password`,
        `get ${sealed}`,
        `get ${open.slice(open.indexOf('#'))}`,
        `get ${open.slice(open.indexOf('#') + 1)}`,
        `get ${raw}`,
        `put a.txt --key=${raw}`,
        `${raw}`
      ]
    }

    it('refuses lines with a share link of any form or a raw 32-byte key', async () => {
      const store = memoryStore()
      const h = new History(store)
      for (const line of await secretLines()) {
        expect(carriesFileKey(line), line).toBe(true)
        h.add(line)
      }
      h.add('ls')
      expect(h.entries).toEqual(['ls'])
      expect(JSON.stringify(store.saved)).not.toContain(raw)
      expect(JSON.stringify(store.saved)).not.toContain('/s/')
    })

    it('keeps ordinary lines, file keys (CIDs) and public keys', () => {
      for (const line of ['ls', `info ${key}`, 'share report.pdf --to z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', 'find --type image/png', `get ${'a'.repeat(42)}`, `get ${'a'.repeat(44)}`]) {
        expect(carriesFileKey(line), line).toBe(false)
      }
    })

    it('drops such lines from a store written earlier, and saves the store without them', async () => {
      const store = memoryStore(['ls', ...await secretLines(), 'pwd'])
      const h = new History(store)
      expect(h.entries).toEqual(['ls', 'pwd'])
      expect(store.load()).toEqual(['ls', 'pwd'])
    })

    it('holds for lines run by the console', async () => {
      const t = harness()
      const [line] = await secretLines()
      await t.run(line as string)
      await t.run('help')
      expect(t.console.history.entries).toEqual(['help'])
      expect(t.host.stored).toEqual(['help'])
    })
  })
})
