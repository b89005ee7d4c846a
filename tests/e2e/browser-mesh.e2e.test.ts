/**
 * A mesh of browser tabs only (no storage peers): shards travel tab to tab
 * over direct WebRTC connections and survive tabs closing, before and
 * during a put.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Page } from 'playwright-core'
import { startHarness, type Harness } from './harness.ts'

let h: Harness
let tabs: Page[]
let ids: string[]

beforeAll(async () => {
  h = await startHarness({ storagePeers: 0 })
  tabs = []
  for (let i = 0; i < 7; i++) tabs.push(await h.openTab())
  ids = await Promise.all(tabs.map(async t => await t.evaluate(() => window.datamesh.peerId as string)))
  await tabs[0]!.evaluate(async () => { await window.datamesh.setup({ password: 'tabs only, no servers 42' }) })
}, 120_000)
afterAll(async () => { await h?.close() })

async function connectAll (from: Page, to: string[]): Promise<void> {
  await from.evaluate(async (peers) => { await Promise.all(peers.map(async p => await window.datamesh.connect(p))) }, to)
}

async function putRandom (page: Page, size: number, name: string): Promise<{ key: string, digest: string, warnings: string[] }> {
  return await page.evaluate(async ({ size, name }) => {
    const data = new Uint8Array(size)
    for (let o = 0; o < size; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536))
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
    const r = await window.datamesh.put(new Blob([data]), { name })
    return { key: r.key, warnings: r.warnings, digest: Array.from(d, b => b.toString(16).padStart(2, '0')).join('') }
  }, { size, name })
}

async function readDigest (page: Page, link: string): Promise<string> {
  return await page.evaluate(async (l) => {
    const blob = await window.datamesh.get(l.slice(l.indexOf('#')))
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))
    return Array.from(d, b => b.toString(16).padStart(2, '0')).join('')
  }, link)
}

describe('a browser-only mesh of 7 tabs', () => {
  it('stores shards on six distinct tabs over WebRTC and reads them from another tab after two holders closed', async () => {
    await connectAll(tabs[0]!, ids.slice(1))
    const conns = await tabs[0]!.evaluate(() => window.datamesh.connections().filter(c => c.role === 'peer'))
    // distinct peers: discovery and connect() racing may briefly open two connections to one tab
    expect(new Set(conns.filter(c => c.direct && c.transport === 'webrtc').map(c => c.peerId)).size).toBe(6)
    const put = await putRandom(tabs[0]!, 8 * 1024 * 1024, 'tabs.bin')
    expect(put.warnings).toEqual([])
    const placement = await tabs[0]!.evaluate(async (k) => await window.datamesh.distribution(k), put.key)
    for (let stripe = 0; stripe <= Math.max(...placement.map(p => p.stripe)); stripe++) {
      const holders = placement.filter(p => p.stripe === stripe).map(p => p.hint)
      expect(new Set(holders).size).toBe(6)
    }
    // every stripe loses the shards held by two tabs
    const holderTabs = [...new Set(placement.map(p => p.hint))].filter(id => id !== ids[0] && id !== ids[6])
    const gone = holderTabs.slice(0, 2)
    for (const id of gone) await tabs[ids.indexOf(id)]!.close()
    const reader = tabs[6]!
    const alive = ids.filter((id, i) => i !== 6 && !gone.includes(id))
    await connectAll(reader, alive)
    const link = await tabs[0]!.evaluate(async (k) => await window.datamesh.shareLink(k), put.key)
    expect(await readDigest(reader, link)).toBe(put.digest)
  })

  it('loses nothing when a holder tab closes in the middle of a put', async () => {
    const writer = tabs[0]!
    const open = ids.filter((_, i) => i > 0 && !tabs[i]!.isClosed())
    const victim = open[0]!
    const victimTab = tabs[ids.indexOf(victim)]!
    const shardsOf = async (page: Page): Promise<number> => await page.evaluate(async () => (await window.datamesh.storage()).shards)
    const before = await shardsOf(victimTab)
    // the put reads a stream the test feeds and can pause: it cannot finish while paused before the end
    await writer.evaluate((size) => {
      const data = new Uint8Array(size)
      for (let o = 0; o < size; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536))
      const g = globalThis as any
      g.__fed = 0
      g.__paused = false
      g.__done = false
      g.__resumed = new Promise<void>(resolve => { g.__resume = resolve })
      const stream = new ReadableStream<Uint8Array>({
        async pull (controller) {
          if (g.__paused === true) await g.__resumed
          const end = Math.min(size, g.__fed + 1024 * 1024)
          controller.enqueue(data.slice(g.__fed, end))
          g.__fed = end
          if (end === size) controller.close()
        }
      }, { highWaterMark: 0 })
      g.__put = (async () => {
        const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
        const r = await window.datamesh.put(stream, { name: 'midput.bin' })
        return { key: r.key, digest: Array.from(d, b => b.toString(16).padStart(2, '0')).join('') }
      })().finally(() => { g.__done = true })
    }, 64 * 1024 * 1024)
    // once the tab about to close holds shards it did not hold before, the feeding stops
    for (let waitedMs = 0; await shardsOf(victimTab) <= before; waitedMs += 100) {
      if (waitedMs > 60_000) throw new Error('no shard of the put reached the tab')
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const paused = await writer.evaluate(() => { const g = globalThis as any; g.__paused = true; return { fed: g.__fed as number, done: g.__done as boolean } })
    expect(paused.done).toBe(false)
    expect(paused.fed).toBeLessThan(64 * 1024 * 1024) // the put is still reading its bytes
    await victimTab.close()
    await writer.evaluate(() => { const g = globalThis as any; g.__paused = false; g.__resume() })
    const put = await writer.evaluate(async () => await ((globalThis as any).__put as Promise<{ key: string, digest: string }>))
    // the closed tab held shards of this very file: a read has to do without them
    const placement = await writer.evaluate(async (k) => await window.datamesh.distribution(k), put.key)
    expect(placement.filter(p => p.hint === victim).length).toBeGreaterThan(0)
    expect(placement.filter(p => p.hint === victim).every(p => p.holders.length === 0)).toBe(true)
    const link = await writer.evaluate(async (k) => await window.datamesh.shareLink(k), put.key)
    const reader = tabs.find((t, i) => i > 0 && !t.isClosed() && ids[i] !== victim)!
    await connectAll(reader, ids.filter((id, i) => !tabs[i]!.isClosed() && id !== ids[tabs.indexOf(reader)]))
    expect(await readDigest(reader, link)).toBe(put.digest)
    expect((await writer.evaluate(async () => await window.datamesh.list())).map(f => f.name)).toContain('midput.bin')
  })
})
