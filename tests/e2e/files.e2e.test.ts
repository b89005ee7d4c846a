/**
 * Files across real tabs: put in one tab, read in another browser profile
 * through a share link, survive lost holders, keys and index across a
 * reload and a fresh device.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Page } from 'playwright-core'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startHarness, type Harness } from './harness.ts'
import { shardPath } from '../../src/store/fs.ts'

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

  it('opens a password-protected link only with the right password', async () => {
    const link = await a.evaluate(async (k) => await window.datamesh.shareLink(k, { password: 'open sesame' }), key)
    expect(link).toMatch(/#\/s\/[a-z0-9]+\/p\//)
    const d = await h.openTab()
    const wrong = await d.evaluate(async (l) => await window.datamesh.get(l.slice(l.indexOf('#')), { password: 'wrong' }).then(() => 'opened', (e: Error) => e.name), link)
    expect(wrong).toBe('BadPasswordError')
    await d.evaluate((l) => { (globalThis as any).__link = l.slice(l.indexOf('#')) }, link)
    expect(await pageDigest(d, async (api) => await api.get((globalThis as any).__link, { password: 'open sesame' }))).toBe(digest)
  })

  it('detects a corrupted shard on a holder and rebuilds from the others', async () => {
    const placement = await a.evaluate(async (k) => await window.datamesh.distribution(k), key)
    const storage = h.mesh.storage
    // shard 0 of every stripe whose copy the put placed on a storage peer: a read asks that peer first (data shards first, hinted holder first)
    const damaged: Array<{ id: string, holder: number }> = []
    for (const p of placement.filter(x => x.shard === 0)) {
      const holder = storage.findIndex(s => s.peerId === p.hint && p.holders.includes(s.peerId))
      if (holder < 0) continue
      const path = shardPath(join(h.dataDir, `storage-${holder}`, 'shards'), p.id)
      const bytes = await readFile(path)
      // a byte of the shard itself, at the end of the file (the header before it carries labels, size and outboard)
      const at = bytes.byteLength - 100
      bytes[at] = (bytes[at] ?? 0) ^ 0xff
      await writeFile(path, bytes)
      damaged.push({ id: p.id, holder })
    }
    expect(damaged.length).toBeGreaterThan(0)
    expect(await pageDigest(a, async (api) => await api.get('big.bin'))).toBe(digest)
    // the holders found the damage when asked, and dropped their bad copies
    for (const { id, holder } of damaged) expect(await storage[holder]!.store.has(id)).toBe(false)
    const after = await a.evaluate(async (k) => await window.datamesh.distribution(k), key)
    for (const { id, holder } of damaged) expect(after.find(x => x.id === id)!.holders).not.toContain(storage[holder]!.peerId)
  })

  it('refuses a delete by someone who is not the owner, even holding the share link', async () => {
    const b = await h.openTab()
    await b.evaluate(async () => { await window.datamesh.setup({ password: 'another long passphrase here' }) })
    const link = await a.evaluate(async (k) => await window.datamesh.shareLink(k), key)
    const refused = await b.evaluate(async (l) => await window.datamesh.delete(l.slice(l.indexOf('#'))).then(() => 'deleted', (e: Error) => e.name), link)
    expect(refused).toBe('NotAllowedError')
    expect(await pageDigest(a, async (api) => await api.get('big.bin'))).toBe(digest)
  })

  it('keeps keys, index and identity across a reload (keys locked until the password is given)', async () => {
    const before = await a.evaluate(() => window.datamesh.peerId)
    await a.reload()
    await a.waitForFunction(() => window.datamesh !== undefined)
    await a.evaluate(async () => { await window.datamesh.ready })
    expect(await a.evaluate(() => window.datamesh.peerId)).toBe(before)
    expect(await a.evaluate(async () => await window.datamesh.status())).toMatchObject({ setUp: true, unlocked: false })
    const wrong = await a.evaluate(async () => await window.datamesh.unlock('not it').then(() => 'unlocked', (e: Error) => e.name))
    expect(wrong).toBe('BadPasswordError')
    await a.evaluate(async () => { await window.datamesh.unlock('correct horse battery staple') })
    expect((await a.evaluate(async () => await window.datamesh.list())).map(f => f.key)).toEqual([key])
  })

  it('restores the file list in a fresh browser from exported keys', async () => {
    // no explicit backup: the tab backed its index up by itself after the put
    // the keystore password is asked again: a wrong one exports nothing
    expect(await a.evaluate(async () => await window.datamesh.exportKeys('not it', 'export passphrase 2026').then(() => 'exported', (e: Error) => e.name))).toBe('BadPasswordError')
    const exported = await a.evaluate(async () => Array.from(await window.datamesh.exportKeys('correct horse battery staple', 'export passphrase 2026')))
    const fresh = await h.openTab()
    await fresh.evaluate(async (bytes) => {
      await window.datamesh.setup({ password: 'new device passphrase 1', importKeys: { data: Uint8Array.from(bytes), password: 'export passphrase 2026' } })
      await window.datamesh.restoreIndex()
    }, exported)
    expect((await fresh.evaluate(async () => await window.datamesh.list())).map(f => f.name)).toEqual(['big.bin'])
    expect(await pageDigest(fresh, async (api) => await api.get('big.bin'))).toBe(digest)
  })

  it('still reads a file after two of its holders are gone', async () => {
    // a file of its own: the corruption test above already cost shard 0 of every stripe of big.bin
    const fresh = await a.evaluate(async () => {
      const data = crypto.getRandomValues(new Uint8Array(65536))
      const big = new Uint8Array(8 * 1024 * 1024)
      for (let o = 0; o < big.length; o += data.length) big.set(data, o)
      const { key } = await window.datamesh.put(new Blob([big]), { name: 'second.bin' })
      const d = new Uint8Array(await crypto.subtle.digest('SHA-256', big))
      return { key, digest: Array.from(d, b => b.toString(16).padStart(2, '0')).join('') }
    })
    const placement = await a.evaluate(async (k) => await window.datamesh.distribution(k), fresh.key)
    // stop two storage peers holding data shards of the first stripe: a read has to rebuild it from parity
    const victims = [...new Set(placement.filter(p => p.stripe === 0 && p.shard < 4).map(p => h.mesh.storage.findIndex(s => p.holders.includes(s.peerId))).filter(i => i >= 0))].slice(0, 2)
    expect(victims).toHaveLength(2)
    for (const i of victims) await h.mesh.storage[i]!.stop()
    const c = await h.openTab()
    const link = await a.evaluate(async (k) => await window.datamesh.shareLink(k), fresh.key)
    await c.evaluate((l) => { (globalThis as any).__link = l.slice(l.indexOf('#')) }, link)
    expect(await pageDigest(c, async (api) => await api.get((globalThis as any).__link))).toBe(fresh.digest)
  })
})
