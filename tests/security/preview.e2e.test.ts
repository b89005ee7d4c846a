/**
 * A shared file's type is written by whoever stored it (they sign their own
 * manifest). One tab stores an HTML/XHTML/SVG polyglot under every type
 * trick we know; another browser profile opens each share link, previews
 * what the app offers to preview and downloads it. The payload, wherever it
 * runs, writes a marker to the app origin's localStorage, to `top`, and
 * requests /__pwned; none may appear, and no document made of the sender's
 * markup may be rendered in the app's origin (even one whose scripts the
 * CSP then blocks). A positive control (the same payloads in
 * an unsandboxed frame of a page served without the CSP) proves each
 * payload does run when given the chance, so silence means something.
 *
 * Also: the receive view follows the fragment (a second link pasted into the
 * same tab shows the second file, never the first one's download button),
 * and every response of the app carries the CSP, nosniff and no-referrer.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import type { BrowserContext, Page } from 'playwright-core'
import { startHarness, type Harness } from '../e2e/harness.ts'
import { CONTENT_SECURITY_POLICY } from '../../relay/http.ts'

const MARKER_KEY = 'datamesh-pwned'
const BEACON = '/__pwned'
/** the sandbox policy of the service worker's download responses */
const DOWNLOAD_CSP = "default-src 'none'; sandbox"

/** Records where it ran: localStorage of its origin and of `top`, `top`/`parent` globals, and a request to `beacon`. No `<` or `&` (XML). */
const mark = (where: string, beacon: string): string => `(function(){var m='${where} '+document.contentType+' '+location.origin+' datamesh:'+(function(){try{return typeof top.datamesh}catch(e){return 'blocked'}})();` +
  `try{localStorage.setItem('${MARKER_KEY}',m)}catch(e){}try{top.localStorage.setItem('${MARKER_KEY}',m)}catch(e){}` +
  `try{top.__pwned=m}catch(e){}try{parent.__pwned=m}catch(e){}try{fetch('${beacon}?'+encodeURIComponent(m))}catch(e){}})()`

/**
 * Well-formed XML (XHTML root, SVG inside) that is also HTML: it runs as
 * text/html, application/xhtml+xml and XML types; and an SVG document.
 * `beacon` is an absolute URL (a blob: document has no base for a relative one).
 */
function payloads (beacon: string): { html: string, svg: string } {
  return {
    html: `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title><script>${mark('script', beacon)}</script></head>` +
      `<body><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="${mark('svg-onload', beacon)}"><script>${mark('svg-script', beacon)}</script></svg>` +
      `<img src="x-broken:" onerror="${mark('img-onerror', beacon)}"/></body></html>`,
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="${mark('svg-root-onload', beacon)}"><script>${mark('svg-root-script', beacon)}</script></svg>`
  }
}

/** Types a sender may write, each trying to get the bytes rendered as a document. */
const TRICKS: string[] = [
  'text/html', 'TEXT/HTML', 'Text/Html', ' text/html', 'text/html ', 'text/html; charset=utf-8', 'text/html;', 'text/html\t',
  'application/xhtml+xml', 'image/svg+xml', 'IMAGE/SVG+XML', 'image/svg+xml; charset=utf-8', 'text/xml', 'application/xml', 'text/xsl', 'application/rdf+xml',
  // the Fetch "extract a MIME type" rules read the last type after a comma
  'application/pdf;x=,text/html', 'application/pdf,text/html', 'application/pdf;x=",text/html', 'application/pdf;x=,image/svg+xml',
  'application/pdf;x=,application/xhtml+xml', 'image/png;x=,text/html', 'image/png,image/svg+xml', 'image/svg+xml;x=image/png',
  'video/mp4;x=,text/html', 'audio/mpeg,text/html', 'text/plain;x=,text/html', 'text/plain,application/xhtml+xml', 'application/json,text/html',
  'multipart/x-mixed-replace;boundary=x', 'multipart/mixed; boundary=x', 'message/rfc822', 'text/html\u0000image/png',
  '', 'application/octet-stream', 'unknown/unknown',
  // previewed types, holding the payload instead of what they claim: the preview must stay inert
  'text/plain', 'image/png', 'video/mp4', 'audio/mpeg', 'application/pdf'
]

let h: Harness
let payload: { html: string, svg: string }
let sender: Page
let visitor: BrowserContext
let page: Page
const links = new Map<string, { link: string, name: string, body: string }>()
const beacons: string[] = []
/** every response of the app's origin the visitor's browser saw */
const responses: Array<{ url: string, status: number, headers: Record<string, string>, fromServiceWorker: boolean }> = []

async function markers (context: BrowserContext): Promise<string[]> {
  const found: string[] = []
  for (const p of context.pages()) {
    if (!p.url().startsWith(h.url) && !p.url().startsWith(`blob:${h.url}`)) continue
    const m = await p.evaluate((key) => [localStorage.getItem(key), (window as unknown as { __pwned?: string }).__pwned], MARKER_KEY).catch(() => [])
    for (const v of m) if (typeof v === 'string') found.push(v)
  }
  return found
}

/**
 * Documents in the app's origin, other than the app itself, made of the
 * sender's markup (whether or not a policy then stopped its scripts). The
 * browser's own PDF viewer page, which embeds the bytes, is not one.
 */
async function senderDocuments (context: BrowserContext): Promise<string[]> {
  const origin = new URL(h.url).origin
  const found: string[] = []
  for (const p of context.pages()) {
    for (const f of p.frames()) {
      if (f === p.mainFrame() && f.url().startsWith(h.url)) continue
      const d = await Promise.race([
        f.evaluate((key) => ({ origin: location.origin, type: document.contentType, url: location.href, payload: document.documentElement?.outerHTML.includes(key) ?? false }), MARKER_KEY).catch(() => undefined),
        new Promise<undefined>(resolve => { setTimeout(() => { resolve(undefined) }, 2000) })
      ])
      if (d !== undefined && d.origin === origin && d.payload) found.push(`${d.type} at ${d.url}`)
    }
  }
  return found
}

async function clearMarkers (context: BrowserContext): Promise<void> {
  for (const p of context.pages()) {
    await p.evaluate((key) => { localStorage.removeItem(key); delete (window as unknown as { __pwned?: string }).__pwned }, MARKER_KEY).catch(() => {})
  }
}

async function openLink (p: Page, link: string, name: string): Promise<void> {
  await p.goto(link)
  await expect.poll(async () => await p.getByTestId('receive-name').textContent().catch(() => null), { timeout: 60_000 }).toBe(name)
}

beforeAll(async () => {
  h = await startHarness({ storagePeers: 6 })
  payload = payloads(new URL(BEACON, h.url).href)
  sender = await h.openTab()
  await sender.evaluate(async () => { await window.datamesh.setup({ password: 'velvet-quarry-7-lantern-obtuse' }) })
  await sender.waitForFunction(() => window.datamesh.connections().filter(p => p.role === 'storage').length >= 6, undefined, { timeout: 30_000 })
  const stored = await sender.evaluate(async ({ tricks, html, svg }) => {
    const out: Array<{ type: string, key: string, link: string, name: string, body: string }> = []
    for (const [i, type] of tricks.entries()) {
      const body = /svg/i.test(type) && !/html/i.test(type) ? svg : html
      const name = `trick-${String(i).padStart(2, '0')}.html`
      const { key } = await window.datamesh.put(new Blob([body]), { name, type })
      out.push({ type, key, link: await window.datamesh.shareLink(key), name, body })
    }
    return out
  }, { tricks: TRICKS, ...payload })
  for (const s of stored) links.set(s.type, s)

  visitor = await h.newContext()
  // no File System Access picker: downloads go through the service worker (or a Blob), both observable
  await visitor.addInitScript(() => { Object.defineProperty(window, 'showSaveFilePicker', { value: undefined }) })
  visitor.on('request', r => { if (r.url().includes(BEACON)) beacons.push(r.url()) })
  visitor.on('response', r => {
    if (r.url().startsWith(h.url)) responses.push({ url: r.url(), status: r.status(), headers: r.headers(), fromServiceWorker: r.fromServiceWorker() })
  })
  page = await visitor.newPage()
  page.on('pageerror', e => { process.stderr.write(`visitor page error: ${e.message}\n`) })
  await page.goto(h.url)
  // downloads then take the service worker's /__download/ way
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 })
}, 240_000)
afterAll(async () => { await h?.close() })

describe('a file\'s type cannot run script in the app', () => {
  it('positive control: each payload runs when framed unsandboxed in a page without the CSP', async () => {
    const control = await h.browser.newContext({ serviceWorkers: 'block' })
    try {
      await control.route(`${h.url}**`, async route => {
        const response = await route.fetch()
        const headers = { ...response.headers() }
        delete headers['content-security-policy']
        await route.fulfill({ response, headers })
      })
      const p = await control.newPage()
      await p.goto(h.url)
      await p.waitForFunction(() => window.datamesh !== undefined, undefined, { timeout: 30_000 })
      const beacons: string[] = []
      control.on('request', r => { if (r.url().includes(BEACON)) beacons.push(r.url()) })
      for (const [type, body] of [['application/pdf;x=,text/html', payload.html], ['application/xhtml+xml', payload.html], ['image/svg+xml', payload.svg], ['text/xml', payload.html]] as const) {
        await p.evaluate((key) => { localStorage.removeItem(key) }, MARKER_KEY)
        await p.evaluate(({ type, body }) => {
          const frame = document.createElement('iframe')
          frame.src = URL.createObjectURL(new Blob([body], { type }))
          document.body.append(frame)
        }, { type, body })
        await expect.poll(async () => await p.evaluate((key) => localStorage.getItem(key), MARKER_KEY), { timeout: 10_000, message: type }).toMatch(/datamesh:object/)
      }
      // and the request marker is heard too
      await expect.poll(() => beacons.length, { timeout: 10_000 }).toBeGreaterThan(0)
    } finally {
      await control.unrouteAll({ behavior: 'ignoreErrors' })
      await control.close()
    }
  })

  for (const type of TRICKS) {
    it(`type ${JSON.stringify(type)}: preview and download stay inert`, async () => {
      const s = links.get(type)
      if (s === undefined) throw new Error(`not stored: ${type}`)
      await openLink(page, s.link, s.name)
      const offered = await page.getByTestId('receive-preview').count() > 0
      if (offered) {
        await page.getByTestId('receive-preview').click()
        await page.getByTestId('receive-preview-content').or(page.locator('.preview .error-text')).first().waitFor({ timeout: 30_000 })
        const open = page.getByTestId('receive-preview-open')
        if (await open.count() > 0) {
          const [tab] = await Promise.all([visitor.waitForEvent('page'), open.click()])
          await tab.waitForLoadState('load').catch(() => {})
          // the browser's PDF viewer gets a moment to read the bytes
          await tab.waitForTimeout(1000)
        }
      }
      const [saved] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('receive-download').click()])
      await page.getByTestId('receive-done').waitFor({ timeout: 30_000 })
      expect(saved.suggestedFilename()).toBe(s.name)
      expect((await readFile(await saved.path())).toString()).toBe(s.body)
      // a script would have had its chance by now
      await page.waitForTimeout(500)
      const result = { markers: await markers(visitor), beacons: [...beacons], documents: await senderDocuments(visitor) }
      for (const p of visitor.pages()) if (p !== page) await p.close()
      await clearMarkers(visitor)
      beacons.length = 0
      expect(result).toEqual({ markers: [], beacons: [], documents: [] })
      // only exact, allow-listed types are offered a preview at all
      expect(offered).toBe(['text/plain', 'image/png', 'video/mp4', 'audio/mpeg', 'application/pdf'].includes(type))
    })
  }

  it('downloads through a Blob (no service worker) stay inert as well', async () => {
    const context = await h.browser.newContext({ serviceWorkers: 'block' })
    try {
      await context.addInitScript(() => { Object.defineProperty(window, 'showSaveFilePicker', { value: undefined }) })
      const p = await context.newPage()
      context.on('request', r => { if (r.url().includes(BEACON)) beacons.push(r.url()) })
      for (const type of ['application/pdf;x=,text/html', 'text/html', 'image/svg+xml']) {
        const s = links.get(type)
        if (s === undefined) throw new Error(`not stored: ${type}`)
        await openLink(p, s.link, s.name)
        const [saved] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.getByTestId('receive-download').click()])
        expect((await readFile(await saved.path())).toString()).toBe(s.body)
      }
      await p.waitForTimeout(500)
      expect({ markers: await markers(context), beacons, documents: await senderDocuments(context) }).toEqual({ markers: [], beacons: [], documents: [] })
    } finally {
      await context.close()
    }
  })
})

describe('the receive view follows the address', () => {
  it('shows the second link pasted into the same tab, never the first file or its download button', async () => {
    const first = links.get('text/plain')
    const second = links.get('image/png')
    if (first === undefined || second === undefined) throw new Error('files missing')
    const p = await visitor.newPage()
    await openLink(p, first.link, first.name)
    // what pasting into the address bar does: only the fragment changes, no reload
    const loads: string[] = []
    p.on('load', () => { loads.push(p.url()) })
    await p.evaluate((hash) => { location.hash = hash }, new URL(second.link).hash)
    await expect.poll(async () => await p.getByTestId('receive-name').textContent().catch(() => null), { timeout: 60_000 }).toBe(second.name)
    expect(loads).toEqual([])
    expect(await p.getByText(first.name).count()).toBe(0)
    const [saved] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.getByTestId('receive-download').click()])
    expect(saved.suggestedFilename()).toBe(second.name)
    // a password link next: its prompt, with no download button left over
    const password = await sender.evaluate(async (key) => await window.datamesh.shareLink(key, { password: 'velvet-quarry-7-lantern-obtuse' }), new URL(second.link).hash.split('/')[2] as string)
    await p.evaluate((hash) => { location.hash = hash }, new URL(password).hash)
    await p.getByTestId('receive-password').waitFor({ timeout: 60_000 })
    expect(await p.getByTestId('receive-download').count()).toBe(0)
    expect(await p.getByTestId('receive-name').count()).toBe(0)
    await p.close()
  })
})

describe('security headers', () => {
  const expectSecure = (url: string, headers: Record<string, string>, csp = CONTENT_SECURITY_POLICY): void => {
    expect({ url, csp: headers['content-security-policy'], nosniff: headers['x-content-type-options'], referrer: headers['referrer-policy'] })
      .toEqual({ url, csp, nosniff: 'nosniff', referrer: 'no-referrer' })
  }

  it('the policy is strict: own scripts and wasm only, no plugins, no base, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map(d => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]))
    expect(directives.get('script-src')).toBe("'self' 'wasm-unsafe-eval'")
    expect(directives.get('object-src')).toBe("'none'")
    expect(directives.get('base-uri')).toBe("'none'")
    expect(directives.get('frame-ancestors')).toBe("'none'")
    const sources = [...directives.values()].flatMap(v => v.split(' '))
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", '*', 'http:', 'https:']) expect(sources).not.toContain(loose)
    for (const directive of ['script-src', 'worker-src', 'frame-src', 'default-src']) expect(directives.get(directive), directive).not.toMatch(/blob:|data:/)
  })

  it('are on every app response the relay serves', async () => {
    const index = await (await fetch(h.url)).text()
    const assets = [...index.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map(m => m[1] as string)
    expect(assets.some(a => a.startsWith('/assets/') && a.endsWith('.js'))).toBe(true)
    const paths = ['/', '/index.html', '/sw.js', '/manifest.webmanifest', '/network.json', '/health', '/metrics', '/no/such/path', '/__download/0123', ...assets]
    for (const path of paths) {
      const res = await fetch(new URL(path, h.url))
      expect(res.status, path).toBeLessThan(500)
      expectSecure(path, Object.fromEntries(res.headers))
    }
  })

  it('were on every response the visitor\'s browser saw, including the service worker\'s', () => {
    expect(responses.length).toBeGreaterThan(10)
    expect(responses.some(r => r.fromServiceWorker)).toBe(true)
    expect(responses.some(r => r.url.includes('/__download/'))).toBe(true)
    for (const r of responses) {
      // the service worker answers downloads itself, under a sandbox policy of their own
      expectSecure(r.url, r.headers, r.fromServiceWorker && r.url.includes('/__download/') ? DOWNLOAD_CSP : CONTENT_SECURITY_POLICY)
      if (r.url.includes('/__download/') && r.status === 200) {
        expect(r.headers['content-type']).toBe('application/octet-stream')
        expect(r.headers['content-disposition']).toMatch(/^attachment;/)
      }
    }
  })
})
