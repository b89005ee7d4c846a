/**
 * `npm start`: serves the built app (dist/) and `/health` on one port.
 * The relay, DHT and storage peers join this process as the mesh lands.
 *
 * Environment: PORT (default 8080), HOST (default 127.0.0.1), DIST (default ./dist).
 */
import { createServer } from 'node:http'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import sirv from 'sirv'

const port = Number(process.env.PORT ?? 8080)
const host = process.env.HOST ?? '127.0.0.1'
const dist = resolve(process.env.DIST ?? 'dist')
if (!existsSync(dist)) {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'built app not found; run npm run build', dist })}\n`)
  process.exit(1)
}
const started = Date.now()
const assets = sirv(dist, { single: true, etag: true, gzip: true })

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) }))
    return
  }
  assets(req, res)
})

server.listen(port, host, () => {
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'serving', url: `http://${host}:${port}/`, dist })}\n`)
})

const stop = (): void => { server.close(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
