/**
 * Which requests the service worker leaves alone. The relay answers these
 * live (relay/http.ts) and the node must see the network as it is now, so
 * they are never cached, never precached and never answered with the app
 * shell; WebSocket traffic never reaches a service worker at all.
 */
import { DOWNLOAD_PATH } from './download-protocol.ts'

/** served live by the relay's HTTP side */
export const LIVE_PATHS: readonly string[] = ['/network.json', '/health', '/metrics']

/** navigations that must not get the cached app shell (workbox NavigationRoute tests pathname + search) */
export const NAVIGATION_DENYLIST: RegExp[] = [
  /^\/(?:network\.json|health|metrics)(?:[?/]|$)/,
  new RegExp(`^${DOWNLOAD_PATH}`)
]

/** True for a same-origin request the worker must pass straight to the network. */
export function isLive (url: URL, origin: string): boolean {
  return url.origin === origin && LIVE_PATHS.some(p => url.pathname === p || url.pathname.startsWith(`${p}/`))
}
