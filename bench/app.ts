/**
 * App half of `npm run bench`: the built app served by a relay mesh in this
 * process (6 storage peers), opened in fresh headless Chromium profiles.
 * Prints `{ "figures": { NAME: { value, unit } } }` on stdout; progress goes
 * to stderr. Like bench/mesh.ts it runs inside a loopback-only network
 * namespace (bench/run.ts starts it so).
 *
 * Figures (each the median of BENCH_RUNS fresh profiles, after one warm-up):
 * - app.firstLoad.ms: cold load to interactive. A fresh profile (empty
 *   cache, no service worker, no keys) opens the app; the figure is
 *   `performance.now()` (ms since navigation start) when the first screen
 *   a first-time visitor uses — the setup wizard's first step — is on screen
 *   with its Next button enabled, polled every 10 ms from an init script.
 * - app.shareOpen.ms: a share link opened in a fresh profile, to the first
 *   byte of the file. The owner tab stores a 16 MiB file (4 stripes) and
 *   makes a link; the fresh profile loads the link (the receive view) and an
 *   init script starts `window.datamesh.getStream(link)` as soon as the API
 *   exists; the figure is `performance.now()` when the first plaintext chunk
 *   has been read (manifest fetched, shards of the first stripe fetched,
 *   verified, decoded and decrypted). It does not include a person clicking
 *   Download.
 * - app.bundle.gzipKiB: the JavaScript index.html loads before anything
 *   else (its module script and the chunks it preloads), each file gzipped
 *   (zlib level 6, like a typical server), summed. The network stack, the
 *   workers and the wasm are loaded later.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import setup, { E2E_DIST } from '../tests/e2e/global-setup.ts'
import { startHarness, waitInPage } from '../tests/e2e/harness.ts'
import { median, round, type Figure } from './stats.ts'

const runs = Number(process.env.BENCH_RUNS ?? 5)
const started = Date.now()
const log = (msg: string): void => { process.stderr.write(`bench app [${Math.round((Date.now() - started) / 1000)} s]: ${msg}\n`) }
const figures: Record<string, Figure> = {}

/** The JS index.html loads up front: module scripts and modulepreload links. */
export async function initialJs (dist: string): Promise<{ files: string[], gzipBytes: number }> {
  const html = await readFile(join(dist, 'index.html'), 'utf8')
  const files = new Set<string>()
  for (const m of html.matchAll(/<script[^>]+type="module"[^>]*src="([^"]+)"/g)) files.add(m[1] as string)
  for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]*href="([^"]+)"/g)) files.add(m[1] as string)
  let gzipBytes = 0
  for (const f of files) gzipBytes += gzipSync(await readFile(join(dist, f.replace(/^\//, ''))), { level: 6 }).byteLength
  return { files: [...files], gzipBytes }
}

async function repeat (fn: (i: number) => Promise<number>): Promise<number[]> {
  await fn(-1)
  const out: number[] = []
  for (let i = 0; i < runs; i++) out.push(await fn(i))
  return out
}

await setup()
const bundle = await initialJs(E2E_DIST)
log(`initial JS: ${bundle.files.join(', ')}: ${round(bundle.gzipBytes / 1024)} KiB gzipped`)
figures['app.bundle.gzipKiB'] = { value: round(bundle.gzipBytes / 1024), unit: 'KiB' }

const h = await startHarness({ storagePeers: 6 })
try {
  const firstLoad = await repeat(async (i) => {
    const context = await h.newContext()
    try {
      const page = await context.newPage()
      await page.addInitScript(() => {
        const timer = setInterval(() => {
          const next = document.querySelector<HTMLButtonElement>('[data-testid="wizard-next"]')
          if (next !== null && !next.disabled) {
            (globalThis as any).__interactive = performance.now()
            clearInterval(timer)
          }
        }, 10)
      })
      await page.goto(h.url)
      const at = await waitInPage(page, () => (globalThis as any).__interactive as number, 30_000)
      log(`  first load ${i}: ${round(at)} ms`)
      return at
    } finally {
      await context.close()
    }
  })
  figures['app.firstLoad.ms'] = { value: round(median(firstLoad)), unit: 'ms' }

  const owner = await h.openTab()
  await owner.waitForFunction(() => window.datamesh.connections().filter(p => p.role === 'storage').length >= 6, undefined, { timeout: 30_000, polling: 50 })
  const link = await owner.evaluate(async () => {
    await window.datamesh.setup({ password: 'bench password', allowWeak: true })
    const data = new Uint8Array(16 * 1024 * 1024)
    for (let o = 0; o < data.byteLength; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536))
    await window.datamesh.put(new Blob([data]), { name: 'shared.bin' })
    return await window.datamesh.shareLink('shared.bin')
  })
  const shareOpen = await repeat(async (i) => {
    const context = await h.newContext()
    try {
      const page = await context.newPage()
      await page.addInitScript(() => {
        const timer = setInterval(() => {
          if (window.datamesh === undefined) return
          clearInterval(timer)
          void window.datamesh.getStream(location.href).then(async stream => {
            const reader = stream.getReader()
            const first = await reader.read()
            if (first.done !== true && first.value.byteLength > 0) (globalThis as any).__firstByte = performance.now()
            await reader.cancel()
          }).catch((err: unknown) => { (globalThis as any).__firstByte = -1; console.error(err) })
        }, 5)
      })
      await page.goto(link)
      const at = await waitInPage(page, () => (globalThis as any).__firstByte as number, 60_000)
      if (at < 0) throw new Error('the share link could not be read')
      log(`  share link to first byte ${i}: ${round(at)} ms`)
      return at
    } finally {
      await context.close()
    }
  })
  figures['app.shareOpen.ms'] = { value: round(median(shareOpen)), unit: 'ms' }
} finally {
  await h.close()
}
process.stdout.write(JSON.stringify({ figures }) + '\n')
