/**
 * The file list after a relay restart, as a new user meets it: a tab stores
 * a file (its list is backed up to the mesh), the relay process restarts,
 * and a new device that imports the key backup gets the list back and
 * reads the file. Before DHT servers kept their records on disk, the new
 * device saw 0 files and "No file list backup was found".
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Page } from 'playwright-core'
import { startHarness, type Harness } from './harness.ts'

let h: Harness
let a: Page

beforeAll(async () => {
  h = await startHarness({ storagePeers: 6 })
  a = await h.openTab()
  await a.evaluate(async () => { await window.datamesh.setup({ password: 'correct horse battery staple', allowWeak: false }) })
}, 120_000)
afterAll(async () => { await h?.close() })

describe('the file list across a relay restart', () => {
  it('comes back on a new device that imports the keys', async () => {
    const key = await a.evaluate(async () => {
      const { key } = await window.datamesh.put(new Blob([new TextEncoder().encode('still here')]), { name: 'kept.txt' })
      await window.datamesh.backupIndex()
      return key
    })
    const exported = await a.evaluate(async () => Array.from(await window.datamesh.exportKeys('correct horse battery staple', 'export passphrase 2026')))
    await a.close()
    await h.restartMesh()

    const fresh = await h.openTab()
    const restored = await fresh.evaluate(async (bytes) => {
      await window.datamesh.setup({ password: 'new device passphrase 1', importKeys: { data: Uint8Array.from(bytes), password: 'export passphrase 2026' } })
      return await window.datamesh.restoreIndex()
    }, exported)
    expect(restored.total).toBe(1)
    const files = await fresh.evaluate(async () => (await window.datamesh.list()).map(f => ({ key: f.key, name: f.name })))
    expect(files).toEqual([{ key, name: 'kept.txt' }])
    expect(await fresh.evaluate(async () => await (await window.datamesh.get('kept.txt')).text())).toBe('still here')
  })
})
