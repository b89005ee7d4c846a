/**
 * The relay's HTTP side, on one port: the built app (static, SPA fallback),
 * `/health` (JSON), `/metrics` (Prometheus text) and `/network.json` (what a
 * browser needs to join: relay addresses, storage peers, ICE servers).
 *
 * Every response, whatever its path or status, carries SECURITY_HEADERS: a
 * strict Content-Security-Policy for the app, no MIME sniffing, no referrer.
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import { existsSync } from 'node:fs'
import sirv from 'sirv'

/**
 * The app's Content-Security-Policy. Only the app's own files run; nothing
 * a file's sender controls can become a script, a plugin or a base URL.
 */
export const CONTENT_SECURITY_POLICY = [
  // anything not named below: the app's own origin only
  "default-src 'self'",
  // the built app's own files; 'wasm-unsafe-eval' compiles WebAssembly (Reed-Solomon, BLAKE3, Argon2id) and allows no JavaScript eval
  "script-src 'self' 'wasm-unsafe-eval'",
  // the built stylesheets only: no inline <style> or style attributes (styles set through the CSSOM stay allowed)
  "style-src 'self'",
  // icons; blob: for image previews; data: for the share dialog's QR code
  "img-src 'self' blob: data:",
  // blob: for video and audio previews
  "media-src 'self' blob:",
  // /network.json and /health here; ws: and wss: reach relays the user configured on any host (WebRTC is not governed by CSP)
  "connect-src 'self' ws: wss:",
  // the coding and Argon2id workers and the service worker, built into this origin
  "worker-src 'self'",
  // the hidden download frame (/__download/…, answered by the service worker); no blob: or foreign documents in frames
  "frame-src 'self'",
  // the web app manifest
  "manifest-src 'self'",
  // no <object> or <embed>: no plugin content at all
  "object-src 'none'",
  // no <base>: relative URLs always resolve against this origin
  "base-uri 'none'",
  // forms are handled by script; none may post elsewhere
  "form-action 'self'",
  // no other site may frame the app (clickjacking)
  "frame-ancestors 'none'"
].join('; ')

/** Headers on every HTTP response of the relay. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // a response is what its Content-Type says, never sniffed into HTML or script
  'x-content-type-options': 'nosniff',
  // share links carry secrets in the fragment (never sent); no path, query or origin goes to other sites either
  'referrer-policy': 'no-referrer'
})

export interface HttpHandlers {
  dist: string
  health: () => unknown
  network: () => unknown
  metrics: () => Promise<{ contentType: string, body: string }>
}

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' })
  res.end(JSON.stringify(body, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v))
}

export function createHttpServer (h: HttpHandlers): Server {
  const assets = existsSync(h.dist) ? sirv(h.dist, { single: true, etag: true, gzip: true }) : undefined
  return createServer((req, res) => {
    // set before any handler writes its head, which merges these in
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/health') { json(res, 200, h.health()); return }
    if (path === '/network.json') { json(res, 200, h.network()); return }
    if (path === '/metrics') {
      h.metrics().then(({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType })
        res.end(body)
      }, (err: unknown) => { json(res, 500, { error: String(err) }) })
      return
    }
    if (assets === undefined) { json(res, 404, { error: 'the app is not built: run npm run build' }); return }
    assets(req, res)
  })
}
