/**
 * Repair while the owner is away, in real Chromium against a relay with
 * eight storage peers whose repair work is compressed (audits every 2 s,
 * lost after 20 s, passes every second): a file put from a tab is taken on
 * by two storage peers; the owner's tab closes; holders lose their copies
 * (the closed tab's own shard, if it kept one, counts as one of the two);
 * the storage peers find out by audit and repair the file with the owner
 * offline; the owner's next visit (a new tab of the same profile, unlocked
 * with the same password) sees check at full health; two more holders lose
 * their shards and the file still reads byte for byte.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { startHarness, type Harness } from './harness.ts'

const PASSWORD = 'durability test passphrase 47'
const STORAGE_PEERS = 8
let h: Harness
let profile: BrowserContext

async function until (ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!await ready()) await new Promise(resolve => setTimeout(resolve, 250))
}

async function joined (tab: Page): Promise<void> {
  await tab.waitForFunction((n) => window.datamesh.connections().filter(c => c.role === 'storage').length === n, STORAGE_PEERS, { timeout: 30_000 })
}

beforeAll(async () => {
  h = await startHarness({ storagePeers: STORAGE_PEERS, relayArgs: ['--audit-interval', '2', '--lost-after', '20', '--repair-interval', '1', '--repair-backoff', '6'] })
  profile = await h.newContext()
}, 120_000)
afterAll(async () => { await h?.close() })

describe('durability', () => {
  it('storage peers repair a file while its owner is away; the owner comes back to full health; the file survives two more losses', async () => {
    const bytes = new Uint8Array(200_000)
    for (let i = 0; i < bytes.length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536))
    const data = Array.from(bytes)
    let tab = await h.openTab(profile)
    await tab.evaluate(async (password) => { await window.datamesh.setup({ password }) }, PASSWORD)
    await joined(tab)
    await tab.evaluate(async (bytes) => { await window.datamesh.put(new Blob([new Uint8Array(bytes)]), { name: 'kept.bin' }) }, data)
    await until(() => h.mesh.storage.filter(s => s.capabilities.size === 1).length === 2)
    const repairers = h.mesh.storage.filter(s => s.capabilities.size === 1).map(s => s.peerId)
    const before = await tab.evaluate(async () => await window.datamesh.check('kept.bin'))
    expect(before).toMatchObject({ k: 4, n: 6, health: 6, state: 'healthy' })
    const self = await tab.evaluate(() => window.datamesh.peerId)
    await tab.close() // the owner goes away

    // two holders lose their copies: the closed tab's shard if it kept one, and storage peers that are not repairers
    const shards = before.stripes[0]!.shards.map(sh => ({ id: sh.id, holder: sh.holders.find(x => x.status === 'ok')!.peerId }))
    const tabHeld = shards.filter(s => s.holder === self).length
    // shards kept by one storage peer only (a store whose answer was late may have left a second copy elsewhere)
    const copies = async (id: string): Promise<number> => (await Promise.all(h.mesh.storage.map(async s => await s.store.has(id)))).filter(Boolean).length
    const single = (await Promise.all(shards.map(async s => await copies(s.id) === 1)))
    const victims = shards.filter((s, i) => single[i] === true && s.holder !== self && !repairers.includes(s.holder)).slice(0, 2 - tabHeld)
    for (const v of victims) await h.mesh.storage.find(s => s.peerId === v.holder)!.store.delete(v.id)
    const lost = [...victims.map(v => v.id), ...shards.filter(s => s.holder === self).map(s => s.id)]
    expect(lost).toHaveLength(2)

    // the storage peers audit and re-create them with the owner offline
    await until(async () => (await Promise.all(lost.map(copies))).every(n => n === 1))
    await until(() => h.mesh.storage.reduce((n, s) => n + s.repairStats.repairs, 0) >= 2)

    // the owner's next visit: the same profile, unlocked with the same password
    tab = await h.openTab(profile)
    await tab.evaluate(async (password) => { await window.datamesh.unlock(password) }, PASSWORD)
    await joined(tab)
    const after = await tab.evaluate(async () => await window.datamesh.check('kept.bin'))
    expect(after).toMatchObject({ health: 6, state: 'healthy' })

    // two more holders lose their shards: the file still reads byte for byte
    const more = after.stripes[0]!.shards
      .map(sh => ({ id: sh.id, holder: sh.holders.find(x => x.status === 'ok')?.peerId }))
      .filter(s => !lost.includes(s.id) && h.mesh.storage.some(p => p.peerId === s.holder))
      .slice(0, 2)
    expect(more).toHaveLength(2)
    for (const m of more) await h.mesh.storage.find(s => s.peerId === m.holder)!.store.delete(m.id)
    const same = await tab.evaluate(async (bytes) => {
      const read = new Uint8Array(await (await window.datamesh.get('kept.bin')).arrayBuffer())
      return read.length === bytes.length && read.every((b, i) => b === bytes[i])
    }, data)
    expect(same).toBe(true)
  }, 300_000)
})
