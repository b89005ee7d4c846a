/**
 * The Node polyfills, checked in a fresh Node process from which the
 * built-ins they replace are removed first (newer Node versions have both),
 * so the polyfills themselves are what runs: `Promise.withResolvers`, and a
 * global `WebSocket` from `ws` whose 'error' after the transport stopped
 * listening (an aborted dial, then close()) is not an uncaught exception.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const polyfills = pathToFileURL(join(root, 'src/net/polyfills.ts')).href

const script = `
import { createServer } from 'node:net'
delete Promise.withResolvers
delete globalThis.WebSocket
const { installNodePolyfills } = await import(${JSON.stringify(polyfills)})
const { promise, resolve } = Promise.withResolvers()
resolve(3)
console.log('withResolvers', await promise)
await installNodePolyfills()
await installNodePolyfills()

// a server that takes the TCP connection and never answers the upgrade: the socket stays CONNECTING
const held = []
const server = createServer(s => { held.push(s) })
await new Promise(r => server.listen(0, '127.0.0.1', r))
const ws = new globalThis.WebSocket('ws://127.0.0.1:' + server.address().port)
console.log('from ws', typeof ws.on === 'function')
// what @libp2p/websockets does when a dial is aborted: it waits for 'open' or 'error',
// gives up, removes its listeners and calls close(), and ws then emits an 'error'
const onError = () => { console.log('error seen while listening') }
ws.addEventListener('error', onError)
await new Promise(r => setTimeout(r, 50))
ws.removeEventListener('error', onError)
ws.close()
await new Promise(r => ws.addEventListener('close', r))
console.log('closed quietly')
server.close()
for (const s of held) s.destroy()
`

async function runNode (file: string): Promise<{ code: number | null, out: string, err: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    child.stderr.on('data', (b: Buffer) => { err += b.toString() })
    child.on('error', reject)
    child.on('close', code => { resolve({ code, out, err }) })
  })
}

it('installs Promise.withResolvers and a ws WebSocket whose late error is not an uncaught exception', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'datamesh-polyfills-'))
  try {
    const file = join(dir, 'check.mjs')
    await writeFile(file, script)
    const { code, out, err } = await runNode(file)
    expect({ code, err: err.includes('WebSocket was closed before the connection was established') }).toEqual({ code: 0, err: false })
    expect(out.split('\n').filter(Boolean)).toEqual(['withResolvers 3', 'from ws true', 'closed quietly'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
