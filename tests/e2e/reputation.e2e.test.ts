/**
 * Reputation in a real tab against a relay with six storage peers: the
 * storage peers the relay lists are trusted from the start, peers() and the
 * network view show each score, a peer blocked in Settings gets no shard of
 * a new file and shows as blocked, and the book is kept in IndexedDB when
 * the page goes away.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Page } from 'playwright-core'
import { startHarness, type Harness } from './harness.ts'
import { ReputationBook } from '../../src/net/reputation.ts'

let h: Harness

/** The bytes of the tab's reputation book in IndexedDB. */
async function storedBook (page: Page): Promise<Uint8Array | undefined> {
  const bytes = await page.evaluate(async () => await new Promise<number[] | undefined>((resolve, reject) => {
    const open = indexedDB.open('datamesh-reputation')
    open.onerror = () => { reject(open.error) }
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('blobs')) { db.close(); resolve(undefined); return }
      const get = db.transaction('blobs').objectStore('blobs').get('reputation')
      get.onsuccess = () => { db.close(); resolve(get.result instanceof Uint8Array ? Array.from(get.result) : undefined) }
      get.onerror = () => { reject(get.error) }
    }
  }))
  return bytes === undefined ? undefined : Uint8Array.from(bytes)
}
let tab: Page
beforeAll(async () => {
  h = await startHarness({ storagePeers: 6 })
  tab = await h.openTab()
  await tab.evaluate(async () => { await window.datamesh.setup({ password: 'reputation test passphrase 9' }) })
  await tab.waitForFunction(() => window.datamesh.connections().filter(c => c.role === 'storage').length === 6, undefined, { timeout: 20_000 })
}, 120_000)
afterAll(async () => { await h?.close() })

describe('reputation in the app', () => {
  it('trusts the relay\'s storage peers from the start, and shows every score', async () => {
    const storage = h.mesh.storage.map(s => s.peerId)
    const peers = await tab.evaluate(async () => await window.datamesh.peers())
    for (const id of storage) {
      const p = peers.find(x => x.peerId === id)
      expect(p?.trust).toBe('trusted')
      expect(p?.reputation).toBeGreaterThanOrEqual(75)
    }
    // the relay itself: known, not trusted by a tab
    const relay = peers.find(x => x.peerId === h.mesh.relay.peerId.toString())
    expect(relay?.trust).toBeUndefined()
    expect(typeof relay?.reputation).toBe('number')
    await tab.getByTestId('nav-network').click()
    await expect.poll(async () => (await tab.getByTestId('peer-reputation').allTextContents()).filter(t => /^\d+ · trusted$/.test(t.trim())).length, { timeout: 20_000 }).toBe(6)
  })

  it('places no shard on a peer blocked in Settings, and shows it as blocked', async () => {
    const blocked = h.mesh.storage[2]!.peerId
    await tab.getByTestId('nav-settings').click()
    await tab.getByTestId('settings-denied-peers').fill(`${blocked}\n`)
    await tab.getByTestId('settings-peers-save').click()
    expect(await tab.evaluate(() => window.datamesh.settings().deniedPeers)).toEqual([blocked])
    // a typo is named and saves nothing
    await tab.getByTestId('settings-denied-peers').fill(`${blocked}\nnot-a-peer`)
    await expect.poll(async () => await tab.getByTestId('settings-peers-problem').textContent()).toMatch(/"not-a-peer" is not a peer id/)
    expect(await tab.getByTestId('settings-peers-save').isDisabled()).toBe(true)

    const placed = await tab.evaluate(async () => {
      const data = crypto.getRandomValues(new Uint8Array(60_000))
      await window.datamesh.put(new Blob([data, data, data, data]), { name: 'spread.bin' })
      return (await window.datamesh.distribution('spread.bin')).map(s => s.hint)
    })
    expect(placed.length).toBeGreaterThan(0)
    expect(placed).not.toContain(blocked)
    expect((await tab.evaluate(async () => await window.datamesh.peers())).find(p => p.peerId === blocked)?.trust).toBe('denied')
    await tab.getByTestId('nav-network').click()
    await expect.poll(async () => await tab.locator(`[data-testid="peer-row"][data-peer-id="${blocked}"] [data-testid="peer-reputation"]`).textContent(), { timeout: 20_000 }).toBe('blocked')
  })

  it('keeps the book in IndexedDB: what was observed before a reload counts after it', async () => {
    // reads of the file: every holder that serves a verified shard gains a little
    const holders = await tab.evaluate(async () => {
      for (let i = 0; i < 20; i++) await window.datamesh.get('spread.bin')
      // a read fetches the k = 4 data shards; the parity holders are not asked
      return (await window.datamesh.distribution('spread.bin')).filter(s => s.shard < 4).map(s => s.hint)
    })
    const storage = h.mesh.storage.map(s => s.peerId).filter(id => holders.includes(id))
    expect(storage.length).toBeGreaterThan(0)
    const scores = async (): Promise<number[]> => {
      const peers = await tab.evaluate(async () => await window.datamesh.peers())
      return storage.map(id => peers.find(p => p.peerId === id)?.reputation ?? 0)
    }
    const before = await scores()
    // a trusted peer that served nothing scores 80, plus at most 2 for a fast link
    for (const s of before) expect(s).toBeGreaterThan(86)
    // saved a few seconds after each change: the stored book holds what was observed
    await expect.poll(async () => {
      const stored = await ReputationBook.open({ storage: { load: async () => await storedBook(tab), save: async () => {} } })
      return storage.every((id, i) => Math.round(stored.score(id)) >= (before[i] as number) - 1)
    }, { timeout: 30_000, interval: 1000 }).toBe(true)
    await tab.reload()
    await tab.waitForFunction(() => window.datamesh !== undefined)
    await tab.evaluate(async () => { await window.datamesh.ready })
    // peers() lists peers once the reloaded tab has dialled them again
    await expect.poll(async () => {
      const peers = await tab.evaluate(async () => await window.datamesh.peers())
      return storage.every(id => peers.some(p => p.peerId === id))
    }, { timeout: 20_000 }).toBe(true)
    const after = await scores()
    // a fresh book would give them 80 to 82 again
    for (const [i, s] of after.entries()) {
      expect(s).toBeGreaterThan(84)
      expect(s).toBeGreaterThanOrEqual((before[i] as number) - 4)
    }
  })
})
