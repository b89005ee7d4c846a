/**
 * The relay's HTTP side, on one port: the built app (static, SPA fallback),
 * `/health` (JSON), `/metrics` (Prometheus text) and `/network.json` (what a
 * browser needs to join: relay addresses, storage peers, ICE servers).
 *
 * Every response, whatever its path or status, carries SECURITY_HEADERS
 * (src/net/security-headers.ts): a strict Content-Security-Policy for the
 * app, no MIME sniffing, no referrer.
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import { existsSync } from 'node:fs'
import sirv from 'sirv'
import { SECURITY_HEADERS } from '../src/net/security-headers.ts'

export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../src/net/security-headers.ts'

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
