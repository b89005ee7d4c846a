/**
 * End-to-end harness: a relay mesh in this process (serving the e2e build)
 * and headless Chromium tabs with WebRTC allowed on loopback only.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { chromiumPath, CHROMIUM_ARGS } from '../chromium.ts'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { E2E_DIST } from './global-setup.ts'

export interface Harness {
  mesh: RunningMesh
  url: string
  browser: Browser
  dataDir: string
  /** a fresh browser profile (its own IndexedDB), allowed to use WebRTC on loopback */
  newContext: () => Promise<BrowserContext>
  /** open the app in a tab and wait until it joined the mesh */
  openTab: (context?: BrowserContext) => Promise<Page>
  restartMesh: () => Promise<void>
  close: () => Promise<void>
}

export async function startHarness (options: { storagePeers?: number, ownerQuota?: number, relayArgs?: string[] } = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'datamesh-e2e-'))
  const args = ['--port', '0', '--relay-port', '0', '--data-dir', dataDir, '--storage-peers', String(options.storagePeers ?? 0), '--dist', E2E_DIST, ...(options.ownerQuota !== undefined ? ['--owner-quota', String(options.ownerQuota)] : []), ...(options.relayArgs ?? [])]
  let mesh = await startMesh(loadConfig(args, {}), createLogger('error'))
  // both flags are needed for WebRTC between tabs in a loopback-only namespace (ENVIRONMENT.md)
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection'] })
  const contexts: BrowserContext[] = []
  const h: Harness = {
    get mesh () { return mesh },
    get url () { return `http://127.0.0.1:${mesh.port}/` },
    browser,
    dataDir,
    newContext: async () => {
      const c = await browser.newContext({ permissions: ['camera', 'microphone'] })
      contexts.push(c)
      return c
    },
    openTab: async (context) => {
      const page = await (context ?? await h.newContext()).newPage()
      page.on('pageerror', e => { process.stderr.write(`page error: ${e.message}\n`) })
      await page.goto(h.url)
      await page.waitForFunction(() => window.datamesh !== undefined, undefined, { timeout: 30_000 })
      await page.evaluate(async () => { await window.datamesh.ready })
      return page
    },
    restartMesh: async () => {
      const port = mesh.port
      const relayPort = Number(mesh.relayMultiaddrs()[0]?.split('/')[4])
      await mesh.stop()
      mesh = await startMesh(loadConfig(['--port', String(port), '--relay-port', String(relayPort), ...args.slice(4)], {}), createLogger('error'))
    },
    close: async () => {
      for (const c of contexts) await c.close().catch(() => {})
      await browser.close()
      await mesh.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
  return h
}

/** Poll `fn` in the page until it returns a truthy value. */
export async function waitInPage<T> (page: Page, fn: () => T | Promise<T>, timeout = 20_000): Promise<T> {
  const handle = await page.waitForFunction(fn, undefined, { timeout, polling: 100 })
  return await handle.jsonValue() as T
}
