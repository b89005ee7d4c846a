/**
 * The built app under the relay's Content-Security-Policy, walked as a new
 * user would in real Chromium: the wizard, uploads (the coding workers and
 * their wasm), a share link with a QR code and a password (Argon2id in its
 * worker), the receive view's preview and download (the service worker),
 * the console, network and settings views, lock and unlock, a reload served
 * by the service worker (also from a shell cached without the headers, which
 * gets today's). Not one `securitypolicyviolation` may fire, in any page,
 * frame or worker; a control page shows the listener does hear one.
 *
 * The same walk then looks at the files view on a phone (360 x 740): the
 * filters panel starts closed, closes when a wide window narrows, and the
 * list is above the fold.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { startHarness, type Harness } from '../e2e/harness.ts'
import { CONTENT_SECURITY_POLICY } from '../../relay/http.ts'

const PASSWORD = 'plum orchard lantern 42 quietly'
const LINK_PASSWORD = 'velvet-quarry-7-lantern-obtuse'
/** a 1 x 1 PNG */
const DOT_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
const files = [
  { name: 'dot.png', mimeType: 'image/png', buffer: DOT_PNG },
  { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Plums and lanterns.\n'.repeat(50)) },
  { name: 'data.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(300_000, 7) }
]

let h: Harness
let context: BrowserContext
let page: Page
/** every violation or CSP complaint heard, with where */
const violations: string[] = []

const row = (p: Page, name: string) => p.locator('[data-testid="file-row"]', { has: p.locator('[data-testid="file-name"]', { hasText: name }) })

/** Hear violations in every page, frame and worker of `c`: the DOM event (mirrored to the console) and the browser's own console reports. */
async function listen (c: BrowserContext, into: string[]): Promise<void> {
  await c.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', e => {
      console.error(`CSP-VIOLATION ${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`)
    })
  })
  const hear = (where: string, text: string): void => {
    if (/CSP-VIOLATION|Content[ -]Security[ -]Policy|Refused to/i.test(text)) into.push(`${where}: ${text}`)
  }
  const watch = (p: Page): void => {
    p.on('console', m => { hear(p.url(), m.text()) })
    p.on('pageerror', e => { hear(p.url(), e.message) })
    p.on('worker', w => { w.on('console', m => { hear(`worker ${w.url()}`, m.text()) }) })
  }
  c.on('page', watch)
  for (const p of c.pages()) watch(p)
}

beforeAll(async () => {
  h = await startHarness({ storagePeers: 6 })
  context = await h.newContext()
  await context.addInitScript(() => { Object.defineProperty(window, 'showSaveFilePicker', { value: undefined }) })
  await listen(context, violations)
  page = await context.newPage()
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(h.url)
}, 120_000)
afterAll(async () => { await h?.close() })

describe('the app under its Content-Security-Policy', () => {
  it('the listener hears a violation (control)', async () => {
    const heard: string[] = []
    const control = await h.newContext()
    try {
      await listen(control, heard)
      const p = await control.newPage()
      await p.goto(h.url)
      await p.evaluate(() => {
        const img = document.createElement('img')
        img.src = 'https://blocked.invalid/x.png'
        document.body.append(img)
        try { new Worker(URL.createObjectURL(new Blob(['1'], { type: 'text/javascript' }))) } catch { /* refused */ }
      })
      await expect.poll(() => heard.join('\n'), { timeout: 10_000 }).toMatch(/img-src/)
      expect(heard.join('\n')).toMatch(/worker-src|script-src/)
    } finally {
      await control.close()
    }
  })

  it('runs the wizard', async () => {
    await expect.poll(async () => await page.getByTestId('wizard-step').textContent(), { timeout: 30_000 }).toMatch(/1 of 4/)
    await page.getByTestId('wizard-node-browser').check()
    await page.getByTestId('wizard-next').click()
    await page.getByTestId('wizard-relay-default').check()
    await page.getByTestId('wizard-next').click()
    await page.getByTestId('wizard-keys-create').check()
    await page.getByTestId('wizard-password').fill(PASSWORD)
    await page.getByTestId('wizard-password-confirm').fill(PASSWORD)
    await expect.poll(async () => await page.getByTestId('wizard-strength').textContent()).toMatch(/strong/i)
    await page.getByTestId('wizard-next').click()
    await page.getByTestId('wizard-start').click()
    await page.getByTestId('wizard-done').waitFor({ timeout: 30_000 })
    await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('wizard-backup-download').click()])
    await page.getByTestId('wizard-done').click()
    await page.getByTestId('storage-stats').waitFor()
    await page.waitForFunction(() => window.datamesh.connections().filter(p => p.role === 'storage').length >= 6, undefined, { timeout: 30_000 })
  })

  it('uploads through the coding workers', async () => {
    await page.getByTestId('upload-input').setInputFiles(files)
    await expect.poll(async () => await page.locator('[data-testid="file-row"]').count(), { timeout: 60_000 }).toBe(files.length)
  })

  let link = ''
  let passwordLink = ''
  it('makes share links with a QR code and a password', async () => {
    await row(page, 'dot.png').getByTestId('file-share').click()
    await expect.poll(async () => await page.getByTestId('share-link').inputValue(), { timeout: 20_000 }).toMatch(/#\/s\//)
    link = await page.getByTestId('share-link').inputValue()
    await page.getByTestId('share-qr').waitFor()
    expect(await page.getByTestId('share-qr').evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
    await page.getByTestId('share-password').fill(LINK_PASSWORD)
    await expect.poll(async () => await page.getByTestId('share-link').inputValue(), { timeout: 20_000 }).toContain('/p/')
    passwordLink = await page.getByTestId('share-link').inputValue()
    await page.getByTestId('share-close').click()
  })

  it('previews and downloads on the receive page, through the service worker', async () => {
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 })
    const p = await context.newPage()
    await p.goto(passwordLink)
    await p.getByTestId('receive-password').fill(LINK_PASSWORD, { timeout: 60_000 })
    await p.getByTestId('receive-unlock').click()
    await expect.poll(async () => await p.getByTestId('receive-name').textContent(), { timeout: 60_000 }).toBe('dot.png')
    await p.goto(link)
    await p.getByTestId('receive-preview').click()
    const img = p.locator('[data-testid="receive-preview-content"] img')
    await expect.poll(async () => await img.evaluate(i => (i as HTMLImageElement).naturalWidth).catch(() => 0), { timeout: 30_000 }).toBe(1)
    const responses: boolean[] = []
    p.on('response', r => { if (r.url().includes('/__download/')) responses.push(r.fromServiceWorker()) })
    const [saved] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.getByTestId('receive-download').click()])
    expect(saved.suggestedFilename()).toBe('dot.png')
    expect(responses).toEqual([true])
    await p.close()
  })

  it('runs the console, network and settings views', async () => {
    await page.getByTestId('nav-console').click()
    await page.getByTestId('console-input').fill('ls')
    await page.getByTestId('console-input').press('Enter')
    await expect.poll(async () => await page.getByTestId('console-output').textContent()).toContain('dot.png')
    await page.getByTestId('nav-network').click()
    await page.getByTestId('health').waitFor()
    await expect.poll(async () => await page.getByTestId('peer-row').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(6)
    await page.getByTestId('nav-settings').click()
    await page.getByTestId('keys-table').waitFor()
  })

  it('locks, reloads through the service worker and unlocks (Argon2id in its worker)', async () => {
    await page.getByTestId('lock').click()
    const response = await page.reload()
    expect(response?.fromServiceWorker()).toBe(true)
    await page.getByTestId('unlock-password').fill(PASSWORD)
    await page.getByTestId('unlock-password').press('Enter')
    await page.getByTestId('nav-files').click()
    await expect.poll(async () => await page.locator('[data-testid="file-row"]').count(), { timeout: 30_000 }).toBe(files.length)
  })

  it('a shell cached without the headers is served with today\'s', async () => {
    const replaced = await page.evaluate(async () => {
      for (const name of await caches.keys()) {
        if (!name.includes('precache')) continue
        const cache = await caches.open(name)
        for (const request of await cache.keys()) {
          if (new URL(request.url).pathname !== '/index.html') continue
          const old = await cache.match(request)
          // as an earlier version cached it: the same bytes, none of the security headers
          await cache.put(request, new Response(await old?.text(), { headers: { 'content-type': 'text/html' } }))
          return true
        }
      }
      return false
    })
    expect(replaced).toBe(true)
    const response = await page.reload()
    expect(response?.fromServiceWorker()).toBe(true)
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    expect(response?.headers()['x-content-type-options']).toBe('nosniff')
    await page.getByTestId('unlock-password').fill(PASSWORD)
    await page.getByTestId('unlock-password').press('Enter')
    await page.getByTestId('storage-stats').waitFor({ timeout: 30_000 })
  })

  it('heard no violation anywhere', () => {
    expect(violations).toEqual([])
  })
})

describe('the files view on a phone', () => {
  async function listOnPhone (p: Page): Promise<{ filtersOpen: boolean, firstRowBottom: number, overflow: number }> {
    await expect.poll(async () => await p.locator('[data-testid="file-row"]').count(), { timeout: 30_000 }).toBe(files.length)
    return await p.evaluate(() => {
      const row = document.querySelector('[data-testid="file-row"]')?.getBoundingClientRect()
      return {
        filtersOpen: (document.querySelector('[data-testid="filters"]') as HTMLDetailsElement | null)?.open ?? true,
        firstRowBottom: row === undefined ? Infinity : row.bottom + window.scrollY,
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth
      }
    })
  }

  it('opened on a phone: the filters start closed and the list is above the fold', async () => {
    const p = await context.newPage()
    await p.setViewportSize({ width: 360, height: 740 })
    await p.goto(`${h.url}#/files`)
    await p.getByTestId('unlock-password').fill(PASSWORD)
    await p.getByTestId('unlock-password').press('Enter')
    const seen = await listOnPhone(p)
    expect(seen.filtersOpen).toBe(false)
    expect(seen.firstRowBottom).toBeLessThanOrEqual(740)
    expect(seen.overflow).toBeLessThanOrEqual(0)
    // still there on demand
    await p.locator('[data-testid="filters"] summary').click()
    expect(await p.getByTestId('filter-type').isVisible()).toBe(true)
    await p.close()
  })

  it('a wide window narrowed to a phone: the open filters close and the list comes back above the fold', async () => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.getByTestId('nav-files').click()
    expect((await listOnPhone(page)).filtersOpen).toBe(true)
    await page.setViewportSize({ width: 360, height: 740 })
    await expect.poll(async () => (await listOnPhone(page)).filtersOpen).toBe(false)
    expect((await listOnPhone(page)).firstRowBottom).toBeLessThanOrEqual(740)
    // and a phone turned sideways (short) keeps them closed
    await page.setViewportSize({ width: 740, height: 360 })
    await page.waitForTimeout(200)
    expect((await listOnPhone(page)).filtersOpen).toBe(false)
  })
})
