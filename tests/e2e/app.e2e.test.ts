/**
 * The app driven as a person would, in real Chromium against a relay with six
 * storage peers: the setup wizard, uploads by picker and by drop with
 * progress, search and tags, a share link opened in a fresh browser (plain
 * and password-protected), the console with a typo, the network view, the
 * offline app shell after a reload and the install criteria.
 *
 * Screenshots of the main screens are kept in test-results/screenshots.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { startHarness, type Harness } from './harness.ts'

const SHOTS = join(process.cwd(), 'test-results', 'screenshots')
const PASSWORD = 'plum orchard lantern 42 quietly'
const MiB = 1024 * 1024

let h: Harness
let owner: BrowserContext
let page: Page

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
/** deterministic bytes that do not compress */
function bytes (size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  let x = seed * 2654435761 >>> 0
  for (let i = 0; i < size; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
  return out
}
const files = {
  notes: { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Shopping: plums, lanterns.\n'.repeat(400)) },
  photo: { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: bytes(6 * MiB + 321, 7) },
  dropped: { name: 'dropped.bin', mimeType: 'application/octet-stream', buffer: bytes(200_000, 9) }
}

async function shot (p: Page, name: string): Promise<void> {
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}
const row = (p: Page, name: string) => p.locator('[data-testid="file-row"]', { has: p.locator('[data-testid="file-name"]', { hasText: name }) })
async function names (p: Page): Promise<string[]> {
  return (await p.locator('[data-testid="file-row"] [data-testid="file-name"]').allTextContents()).map(s => s.trim())
}

/** A fresh browser profile without the File System Access save picker: downloads then go through the service worker or a Blob, both observable. */
async function visitor (): Promise<Page> {
  const context = await h.newContext()
  await context.addInitScript(() => { Object.defineProperty(window, 'showSaveFilePicker', { value: undefined }) })
  const p = await context.newPage()
  p.on('pageerror', e => { process.stderr.write(`visitor page error: ${e.message}\n`) })
  return p
}

/** Click a download button and return the saved bytes. */
async function download (p: Page, button: string): Promise<Buffer> {
  const [saved] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.getByTestId(button).click()])
  return await readFile(await saved.path())
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true })
  h = await startHarness({ storagePeers: 6 })
  owner = await h.newContext()
  page = await owner.newPage()
  page.on('pageerror', e => { process.stderr.write(`page error: ${e.message}\n`) })
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(h.url)
}, 120_000)
afterAll(async () => { await h?.close() })

describe('the app', () => {
  it('walks a first-time visitor through the setup wizard into the files view', async () => {
    await expect.poll(async () => await page.getByTestId('wizard-step').textContent(), { timeout: 30_000 }).toMatch(/1 of 4/)
    await shot(page, 'wizard-node')
    await page.getByTestId('wizard-node-browser').check()
    await page.getByTestId('wizard-next').click()
    await expect.poll(async () => await page.getByTestId('wizard-step').textContent()).toMatch(/2 of 4/)
    await page.getByTestId('wizard-relay-default').check()
    await page.getByTestId('wizard-next').click()
    await expect.poll(async () => await page.getByTestId('wizard-step').textContent()).toMatch(/3 of 4/)
    await page.getByTestId('wizard-keys-create').check()
    // a weak password blocks the step until it is strong (or explicitly accepted)
    await page.getByTestId('wizard-password').fill('password1')
    await page.getByTestId('wizard-password-confirm').fill('password1')
    await expect.poll(async () => await page.getByTestId('wizard-next').isDisabled()).toBe(true)
    await page.getByTestId('wizard-password').fill(PASSWORD)
    await page.getByTestId('wizard-password-confirm').fill(PASSWORD)
    await expect.poll(async () => await page.getByTestId('wizard-strength').textContent()).toMatch(/strong/i)
    await shot(page, 'wizard-keys')
    await page.getByTestId('wizard-next').click()
    await expect.poll(async () => await page.getByTestId('wizard-step').textContent()).toMatch(/4 of 4/)
    await page.getByTestId('wizard-start').click()
    await page.getByTestId('wizard-done').waitFor({ timeout: 30_000 })
    // the encrypted key backup is offered as a file
    const backup = await download(page, 'wizard-backup-download')
    expect(backup.byteLength).toBeGreaterThan(64)
    expect(backup.includes(Buffer.from(PASSWORD))).toBe(false)
    await page.getByTestId('wizard-done').click()
    await page.getByTestId('storage-stats').waitFor()
    expect(await page.evaluate(async () => await window.datamesh.status())).toMatchObject({ setUp: true, unlocked: true })
    // wait for the six storage peers so puts reach full durability
    await page.waitForFunction(() => window.datamesh.connections().filter(p => p.role === 'storage').length >= 6, undefined, { timeout: 30_000 })
    await shot(page, 'files-empty')
  })

  it('uploads several files with the picker and one by drag and drop, with progress', async () => {
    await page.getByTestId('upload-input').setInputFiles([files.notes, files.photo])
    await page.getByTestId('upload-queue').waitFor()
    // progress is shown while the photo (two stripes) is stored
    await expect.poll(async () => await page.locator('[data-testid="upload-item"] progress').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    await expect.poll(async () => (await names(page)).sort(), { timeout: 60_000 }).toEqual(['notes.txt', 'photo.jpg'])
    await expect.poll(async () => await page.locator('[data-testid="upload-item"][data-status="done"]').count(), { timeout: 30_000 }).toBe(2)

    await page.evaluate(async ({ name, type, data }) => {
      const dt = new DataTransfer()
      dt.items.add(new File([new Uint8Array(data)], name, { type }))
      const target = document.querySelector('main') as HTMLElement
      for (const kind of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }))
    }, { name: files.dropped.name, type: files.dropped.mimeType, data: [...files.dropped.buffer] })
    await expect.poll(async () => (await names(page)).sort(), { timeout: 60_000 }).toEqual(['dropped.bin', 'notes.txt', 'photo.jpg'])
    const listed = await page.evaluate(async () => await window.datamesh.list())
    expect(listed.map(f => [f.name, f.size]).sort()).toEqual([['dropped.bin', 200_000], ['notes.txt', files.notes.buffer.byteLength], ['photo.jpg', files.photo.buffer.byteLength]])
    await shot(page, 'files')
  })

  it('searches by text and regular expression, and tags a file', async () => {
    await page.getByTestId('search').fill('photo')
    await expect.poll(async () => await names(page)).toEqual(['photo.jpg'])
    await page.getByTestId('search').fill('/\\.(txt|bin)$/')
    await expect.poll(async () => (await names(page)).sort()).toEqual(['dropped.bin', 'notes.txt'])
    await page.getByTestId('search').fill('/[unclosed/')
    await page.getByTestId('search-error').waitFor()
    await page.getByTestId('search').fill('')
    await expect.poll(async () => (await names(page)).length).toBe(3)

    await row(page, 'notes.txt').getByTestId('file-more').click()
    await row(page, 'notes.txt').getByTestId('file-tags').click()
    await page.getByTestId('tags-input').fill('groceries')
    await page.getByTestId('tags-save').click()
    await expect.poll(async () => (await page.evaluate(async () => await window.datamesh.list({ tag: 'groceries' }))).map(f => f.name)).toEqual(['notes.txt'])
    await page.locator('[data-testid="tag-filter"][data-tag="groceries"]').click()
    await expect.poll(async () => await names(page)).toEqual(['notes.txt'])
    await page.locator('[data-testid="tag-filter"][data-tag="groceries"]').click()
    await expect.poll(async () => (await names(page)).length).toBe(3)
  })

  let plainLink = ''
  let passwordLink = ''

  it('makes share links: the key only in the fragment, a QR code, a password-protected form', async () => {
    await row(page, 'photo.jpg').getByTestId('file-share').click()
    await page.getByTestId('share-dialog').waitFor()
    await expect.poll(async () => await page.getByTestId('share-link').inputValue(), { timeout: 20_000 }).toMatch(/#\/s\//)
    plainLink = await page.getByTestId('share-link').inputValue()
    expect(new URL(plainLink).search).toBe('')
    await page.getByTestId('share-qr').waitFor()
    await shot(page, 'share')
    await page.getByTestId('share-password').fill('for my friend only')
    await expect.poll(async () => await page.getByTestId('share-link').inputValue(), { timeout: 20_000 }).toContain('/p/')
    passwordLink = await page.getByTestId('share-link').inputValue()
    await page.getByTestId('share-close').click()
  })

  it('opens the share link in a fresh browser and saves the identical file', async () => {
    const v = await visitor()
    await v.goto(plainLink)
    await expect.poll(async () => await v.getByTestId('receive-name').textContent(), { timeout: 60_000 }).toContain('photo.jpg')
    // one way of writing sizes: the share page says what the owner's list says (SI: 6 MiB + 321 B is 6.29 MB)
    const listedSize = (await row(page, 'photo.jpg').getByTestId('file-size').textContent())?.trim()
    expect(listedSize).toBe('6.29 MB')
    expect((await v.getByTestId('receive-size').textContent())?.trim()).toBe(listedSize)
    expect(await v.getByTestId('wizard-step').count()).toBe(0)
    await shot(v, 'receive')
    const saved = await download(v, 'receive-download')
    expect(sha256(saved)).toBe(sha256(files.photo.buffer))
    await v.getByTestId('receive-done').waitFor({ timeout: 30_000 })
    expect(Number(await v.getByTestId('receive-bytes').textContent())).toBe(files.photo.buffer.byteLength)
    await v.context().close()
  })

  it('asks for the password of a protected link: the wrong one is refused, the right one opens it', async () => {
    const v = await visitor()
    await v.goto(passwordLink)
    await v.getByTestId('receive-password').fill('not the password', { timeout: 60_000 })
    await v.getByTestId('receive-unlock').click()
    await expect.poll(async () => await v.getByTestId('receive-error').textContent(), { timeout: 30_000 }).toMatch(/wrong password/i)
    await v.getByTestId('receive-password').fill('for my friend only')
    await v.getByTestId('receive-unlock').click()
    await expect.poll(async () => await v.getByTestId('receive-name').textContent(), { timeout: 30_000 }).toContain('photo.jpg')
    const saved = await download(v, 'receive-download')
    expect(sha256(saved)).toBe(sha256(files.photo.buffer))
    await v.context().close()
  })

  it('runs console commands, suggests a fix for a typo and recalls history', async () => {
    await page.getByTestId('nav-console').click()
    const input = page.getByTestId('console-input')
    await input.fill('lsit')
    await input.press('Enter')
    await expect.poll(async () => await page.getByTestId('console-output').textContent()).toMatch(/did you mean 'list'/i)
    await input.fill('ls')
    await input.press('Enter')
    await expect.poll(async () => await page.getByTestId('console-output').textContent()).toContain('dropped.bin')
    // and the console too
    expect(await page.getByTestId('console-output').textContent()).toContain('6.29 MB')
    await input.fill('help search')
    await input.press('Enter')
    await expect.poll(async () => await page.getByTestId('console-output').textContent()).toMatch(/example/i)
    await input.fill('')
    await input.press('ArrowUp')
    expect(await input.inputValue()).toBe('help search')
    await input.press('ArrowUp')
    expect(await input.inputValue()).toBe('ls')
    await shot(page, 'console')
  })

  it('shows peers, health and the topology in the network view', async () => {
    await page.getByTestId('nav-network').click()
    await expect.poll(async () => await page.getByTestId('peer-row').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(6)
    await page.getByTestId('health').waitFor()
    // round trips are measured (ping) and shown
    await expect.poll(async () => (await page.getByTestId('peer-latency').allTextContents()).filter(t => /\d+\s*ms/.test(t)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(6)
    // the graph's description names what this tab is connected to
    await expect.poll(async () => await page.locator('[data-testid="topology"]').getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/^Network graph: this tab is connected to 1 relay, 6 storage peers\b/)
    await shot(page, 'network')
    await page.getByTestId('nav-settings').click()
    await page.getByTestId('keys-table').waitFor()
    await shot(page, 'settings')
  })

  it('meets the install criteria and reloads offline into the app shell', async () => {
    const manifest = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href
      return href === undefined ? undefined : await (await fetch(href)).json() as { name: string, start_url: string, display: string, icons: Array<{ sizes: string, purpose?: string, type?: string }> }
    })
    expect(manifest).toMatchObject({ name: 'DataMesh', start_url: '/', display: 'standalone' })
    const icons = manifest?.icons ?? []
    expect(icons.some(i => i.sizes === '192x192')).toBe(true)
    expect(icons.some(i => i.sizes === '512x512' && (i.purpose ?? 'any').includes('any'))).toBe(true)
    expect(icons.some(i => i.sizes === '512x512' && (i.purpose ?? '').includes('maskable'))).toBe(true)
    // the service worker controls the page and has the shell cached
    await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active !== null && navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 })
    // precaching finished: the shell is in the service worker's cache
    await expect.poll(async () => await page.evaluate(async () => {
      for (const name of await caches.keys()) {
        if (name.includes('precache') && (await (await caches.open(name)).keys()).some(r => new URL(r.url).pathname === '/index.html')) return true
      }
      return false
    }), { timeout: 30_000 }).toBe(true)

    await owner.setOffline(true)
    try {
      await page.reload()
      await page.getByTestId('unlock-password').waitFor({ timeout: 20_000 })
      expect(await page.title()).toBe('DataMesh')
      await shot(page, 'offline-unlock')
    } finally {
      await owner.setOffline(false)
    }
  })

  it('fits a phone-sized screen', async () => {
    await page.reload()
    await page.getByTestId('unlock-password').fill(PASSWORD)
    await page.getByTestId('unlock-password').press('Enter')
    await page.setViewportSize({ width: 360, height: 740 })
    await page.goto(`${h.url}#/files`)
    await page.getByTestId('storage-stats').waitFor({ timeout: 30_000 })
    await expect.poll(async () => (await names(page)).length, { timeout: 30_000 }).toBe(3)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await shot(page, 'files-phone')
  })
})
