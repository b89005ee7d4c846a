/**
 * Files across real tabs: put in one tab, read in another browser profile
 * through a share link, survive lost holders, keys and index across a
 * reload and a fresh device.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Page } from 'playwright-core'
import { startHarness, type Harness } from './harness.ts'

const MiB = 1024 * 1024
let h: Harness
let a: Page
let key: string
let digest: string

beforeAll(async () => {
  h = await startHarness({ storagePeers: 6 })
  a = await h.openTab()
  await a.evaluate(async () => { await window.datamesh.setup({ password: 'correct horse battery staple', allowWeak: false }) })
}, 120_000)
afterAll(async () => { await h?.close() })

/** SHA-256 of a Blob in the page, hex. */
async function pageDigest (page: Page, expr: (api: Window['datamesh']) => Promise<Blob>): Promise<string> {
  return await page.evaluate(async (src) => {
    const fn = new Function('api', `return (${src})(api)`) as (api: unknown) => Promise<Blob>
    const blob = await fn(window.datamesh)
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))
    return Array.from(d, b => b.toString(16).padStart(2, '0')).join('')
  }, expr.toString())
}

describe('files across tabs', () => {
  it('puts 32 MiB in tab A and reads it byte for byte in a fresh browser through a share link', async () => {
    const put = await a.evaluate(async (size) => {
      const data = new Uint8Array(size)
      for (let o = 0; o < size; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536))
      const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
      const progress: number[] = []
      const r = await window.datamesh.put(new Blob([data]), { name: 'big.bin', tags: ['test'], onProgress: e => { if (e.type === 'put:encoded') progress.push(e.bytesDone) } })
      return { ...r, digest: Array.from(d, b => b.toString(16).padStart(2, '0')).join(''), lastProgress: progress.at(-1) }
    }, 32 * MiB)
    key = put.key
    digest = put.digest
    expect(put.lastProgress).toBe(32 * MiB)
    const listed = await a.evaluate(async () => await window.datamesh.list({ tag: 'test' }))
    expect(listed.map(f => f.name)).toEqual(['big.bin'])
    const link = await a.evaluate(async (k) => await window.datamesh.shareLink(k), key)
    expect(link).toMatch(/#\/s\//)
    expect(new URL(link).search).toBe('')
    const c = await h.openTab()
    await c.evaluate((l) => { (globalThis as any).__link = l.slice(l.indexOf('#')) }, link)
    expect(await pageDigest(c, async (api) => await api.get((globalThis as any).__link))).toBe(digest)
    // and by name in the owner's tab
    expect(await pageDigest(a, async (api) => await api.get('big.bin'))).toBe(digest)
  })
})
