/** A full quota: a clear typed error, and no half-stored file left in the list or on the holders. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startHarness, type Harness } from './harness.ts'

let h: Harness
beforeAll(async () => { h = await startHarness({ storagePeers: 6, ownerQuota: 1024 * 1024 }) }, 120_000)
afterAll(async () => { await h?.close() })

describe('quotas', () => {
  it('refuses a put that does not fit with QuotaExceededError and leaves nothing behind', async () => {
    const tab = await h.openTab()
    await tab.evaluate(async () => { await window.datamesh.setup({ password: 'quota test passphrase 7' }) })
    await expect.poll(async () => await tab.evaluate(() => window.datamesh.connections().filter(c => c.role === 'storage').length), { timeout: 15_000 }).toBe(6)
    const outcome = await tab.evaluate(async () => {
      const data = crypto.getRandomValues(new Uint8Array(65536))
      const big = new Uint8Array(16 * 1024 * 1024)
      for (let o = 0; o < big.length; o += data.length) big.set(data, o)
      return await window.datamesh.put(new Blob([big]), { name: 'too-big.bin' }).then(() => 'stored', (e: Error) => `${e.name}: ${e.message}`)
    })
    expect(outcome).toMatch(/^QuotaExceededError: /)
    expect(await tab.evaluate(async () => await window.datamesh.list())).toEqual([])
    for (const s of h.mesh.storage) expect((await s.store.usage()).bytes).toBe(0)
    expect((await tab.evaluate(async () => await window.datamesh.storage())).used).toBe(0)
  })
})
