/**
 * The service worker (built by vite-plugin-pwa's injectManifest into /sw.js,
 * scope /):
 * - precaches the built app shell (HTML, JS, CSS, wasm, workers, icons, the
 *   manifest) and serves it cache-first, so the app opens offline;
 * - answers navigations with the cached index.html (the app routes by hash);
 * - sets today's security headers on everything it answers from the cache
 *   (pwa/secure-response.ts), whatever they were when it was cached;
 * - never touches the relay's live endpoints (pwa/routes.ts);
 * - answers streamed downloads from pages' streams (pwa/download-protocol.ts);
 * - claims open pages on first install; a new version waits until the page
 *   asks it to take over (SKIP_WAITING from workbox-window).
 */
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'
import { DownloadRegistry } from './pwa/download-registry.ts'
import { isLive, NAVIGATION_DENYLIST } from './pwa/routes.ts'
import { withSecurityHeaders } from './pwa/secure-response.ts'

/** the parts of ServiceWorkerGlobalScope this worker uses (the DOM lib has no worker types) */
interface ExtendableEvent extends Event {
  waitUntil: (promise: Promise<unknown>) => void
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  respondWith: (response: Response | Promise<Response>) => void
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown
}
interface WorkerScope {
  /** replaced at build time by the list of files to precache */
  __WB_MANIFEST: Array<PrecacheEntry | string>
  readonly location: Location
  skipWaiting: () => Promise<void>
  addEventListener: ((type: 'fetch', listener: (event: FetchEvent) => void) => void) &
  ((type: 'message', listener: (event: ExtendableMessageEvent) => void) => void)
}

const scope = self as unknown as WorkerScope
const downloads = new DownloadRegistry({ origin: scope.location.origin })

// registered before workbox's own listener, so it sees every request first
scope.addEventListener('fetch', event => {
  const url = new URL(event.request.url)
  if (isLive(url, scope.location.origin)) {
    // straight to the network: no later listener may answer it
    event.stopImmediatePropagation()
    return
  }
  const download = downloads.respond(url)
  if (download !== undefined) {
    event.stopImmediatePropagation()
    event.respondWith(download)
  }
})

scope.addEventListener('message', event => {
  const data = event.data as { type?: unknown } | null
  if (data?.type === 'SKIP_WAITING') {
    event.waitUntil(scope.skipWaiting())
    return
  }
  // a download request, or a keepalive whose only job is to be an event
  downloads.register(event.data)
})

clientsClaim()
cleanupOutdatedCaches()
addPlugins([{ cachedResponseWillBeUsed: async ({ cachedResponse }) => cachedResponse === undefined ? undefined : withSecurityHeaders(cachedResponse) }])
// written out as `self.__WB_MANIFEST`: the build replaces exactly that text
precacheAndRoute((self as unknown as WorkerScope).__WB_MANIFEST)
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: NAVIGATION_DENYLIST }))
