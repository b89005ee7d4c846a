/**
 * Proofs of storage in the app, in real Chromium against a relay with six
 * storage peers: window.datamesh.check and audit, and the file's info panel
 * showing its state as a badge, healthy, then at risk once two holders have
 * lost their shards.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startHarness, type Harness } from './harness.ts'

const SHOTS = join(process.cwd(), 'test-results', 'screenshots')
let h: Harness
let tab: Page

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true })
  h = await startHarness({ storagePeers: 6 })
  tab = await h.openTab()
  await tab.setViewportSize({ width: 1280, height: 900 })
  await tab.evaluate(async () => { await window.datamesh.setup({ password: 'audit test passphrase 31' }) })
  await tab.waitForFunction(() => window.datamesh.connections().filter(c => c.role === 'storage').length === 6, undefined, { timeout: 20_000 })
}, 120_000)
afterAll(async () => { await h?.close() })

describe('audits in the app', () => {
  it('check and audit prove every holder of a new file; the info panel says healthy, then at risk after two losses', async () => {
    await tab.evaluate(async () => {
      const data = crypto.getRandomValues(new Uint8Array(60_000))
      await window.datamesh.put(new Blob([data]), { name: 'proof.bin' })
    })
    const first = await tab.evaluate(async () => await window.datamesh.check('proof.bin'))
    expect(first).toMatchObject({ k: 4, n: 6, health: 6, state: 'healthy' })
    const run = await tab.evaluate(async () => await window.datamesh.audit('proof.bin'))
    expect(run.audits.filter(a => a.outcome === 'pass').length).toBeGreaterThanOrEqual(6)

    const infoButton = tab.locator('[data-testid="file-row"]', { has: tab.locator('[data-testid="file-name"]', { hasText: 'proof.bin' }) }).locator('button.name')
    await infoButton.click()
    await expect.poll(async () => await tab.getByTestId('info-check').getAttribute('data-state'), { timeout: 30_000 }).toBe('healthy')
    expect(await tab.getByTestId('info-check-state').textContent()).toBe('Healthy')

    // two holders lose their shard: one more loss and the file cannot be read
    for (const shard of first.stripes[0]!.shards.slice(0, 2)) {
      const holder = h.mesh.storage.find(s => s.peerId === shard.holders.find(x => x.status === 'ok')?.peerId)
      await holder!.store.delete(shard.id)
    }
    await tab.getByTestId('info-check-again').click()
    await expect.poll(async () => await tab.getByTestId('info-check').getAttribute('data-state'), { timeout: 30_000 }).toBe('at-risk')
    expect(await tab.getByTestId('info-check-state').textContent()).toBe('At risk')
    expect(await tab.getByTestId('info-check').getByRole('alert').textContent()).toMatch(/one more loss and it cannot be read/)
    // the placement view, refreshed with it, no longer finds the two shards either
    await expect.poll(async () => await tab.getByTestId('shard-missing').count(), { timeout: 30_000 }).toBe(2)
    await tab.screenshot({ path: join(SHOTS, 'info-at-risk.png') })
  })
})
