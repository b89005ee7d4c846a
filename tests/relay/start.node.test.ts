/** `npm start`'s entry point as a process: starts, answers, and shuts down cleanly on SIGTERM. */
import { describe, it, expect } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

describe('relay/start.ts', () => {
  it('serves /health and exits 0 on SIGTERM, logging structured lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datamesh-start-'))
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/start.ts', '--port', '0', '--relay-port', '0', '--storage-peers', '1', '--data-dir', dir, '--dist', join(dir, 'none')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const exited = new Promise<number | null>(resolve => child.on('exit', code => { resolve(code) }))
    try {
      for (let i = 0; i < 200 && !out.includes('DataMesh is running'); i++) await new Promise(r => setTimeout(r, 100))
      const url = /running at (http:\/\/\S+)/.exec(out)?.[1]
      expect(url).toBeDefined()
      const health = await (await fetch(`${url}health`)).json() as { status: string, storagePeers: unknown[] }
      expect(health.status).toBe('ok')
      expect(health.storagePeers).toHaveLength(1)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      const lines = err.trim().split('\n').map(l => JSON.parse(l) as { level: string, msg: string })
      expect(lines.map(l => l.msg)).toEqual(expect.arrayContaining(['relay started', 'storage peer started', 'shutting down', 'stopped']))
    } finally {
      child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a bad flag with exit code 2 and a message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/start.ts', '--port', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
    expect(code).toBe(2)
    expect(err).toMatch(/port must be a whole number/)
  })
})
