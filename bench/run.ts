/**
 * `npm run bench`: measures everything in one run and writes
 * bench/results.json as { generatedAt, machine, runs, meshRuns, meshSizeMiB, figures: { NAME: { value, unit } } }.
 * Each figure is the median of several runs (BENCH_RUNS, default 5; the
 * 64 MiB mesh transfers BENCH_MESH_RUNS, default 3).
 *
 * BENCH_ONLY=node,browser,memory,mesh,app,sim measures only those parts and
 * merges them into the figures already in bench/results.json. The sim part
 * (bench/sim.ts: the churn simulation's quick configuration, no browser)
 * keeps its previous figures when it fails.
 *
 * The mesh and app figures (bench/mesh.ts: tabs talking WebRTC, storage
 * peers; bench/app.ts: the built app in fresh profiles) run in child
 * processes inside a loopback-only network namespace, like the
 * end-to-end suite (tests/e2e/isolated.ts): directly when this process is
 * already isolated, else through `unshare -n` (root) or `unshare -rn`. With
 * neither, the bench refuses before measuring anything, unless
 * DATAMESH_E2E_ALLOW_NETWORK=1 accepts the machine's interfaces or
 * BENCH_MESH=0 leaves the mesh figures out.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execFile, spawn, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createServer } from 'vite'
import { chromiumPath, CHROMIUM_ARGS } from '../tests/chromium.ts'
import { primitiveFigures, pipelineFigures } from './primitives.ts'
import { fill, round, type Figure } from './stats.ts'
import { simFigures } from './sim.ts'
import { MiB } from '../src/core/bytes.ts'

const runs = Number(process.env.BENCH_RUNS ?? 5)
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 64)
const root = fileURLToPath(new URL('..', import.meta.url))
const log = (msg: string): void => { process.stderr.write(`bench: ${msg}\n`) }

async function nodeFigures (): Promise<Record<string, Figure>> {
  const size = sizeMiB * MiB
  const data = fill(new Uint8Array(size), 11)
  const r = await pipelineFigures(size, runs, () => data)
  const prim = await primitiveFigures(runs)
  return {
    'pipeline.encode.node.MBps': r.encode,
    'pipeline.decode.node.MBps': r.decode,
    ...Object.fromEntries(Object.entries(prim).map(([k, v]) => [k.replace(/^core\./, 'core.node.'), v]))
  }
}

/** Peak resident memory of a fresh Node process encoding 1 GiB, and how much of it came after the first stripe. */
async function peakMemory (): Promise<Record<string, Figure>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/memory.ts'], { cwd: root, maxBuffer: 1 << 20 })
  const { peakRssMiB, baselineMiB } = JSON.parse(stdout.trim()) as { peakRssMiB: number, baselineMiB: number }
  return {
    'pipeline.encode.1GiB.peakMemoryMiB': { value: round(peakRssMiB), unit: 'MiB' },
    'pipeline.encode.1GiB.growthAfterFirstStripeMiB': { value: round(peakRssMiB - baselineMiB), unit: 'MiB' }
  }
}

const onlyLoopback = (): boolean => Object.entries(os.networkInterfaces()).every(([name, addrs]) => name === 'lo' || (addrs ?? []).every(a => a.internal))

/** How to start an isolated part (bench/mesh.ts, bench/app.ts) in a loopback-only namespace: [command, args], or undefined when no namespace can be made. */
function isolatedCommand (script: string): [string, string[]] | undefined {
  const node = [process.execPath, '--import', 'tsx', script]
  if (onlyLoopback() || process.env.DATAMESH_E2E_ALLOW_NETWORK === '1') return [node[0] as string, node.slice(1)]
  for (const flags of [['-n'], ['-rn']]) {
    if (spawnSync('unshare', [...flags, 'true']).status === 0) {
      return ['unshare', [...flags, 'sh', '-c', `ip link set lo up && exec ${node.map(a => `'${a}'`).join(' ')}`]]
    }
  }
  return undefined
}

/** bench/mesh.ts or bench/app.ts in its namespace: its stdout is one JSON line { figures }, its stderr is passed through. */
async function isolatedFigures (command: [string, string[]]): Promise<Record<string, Figure>> {
  // the app is built into a folder of this run's own, so a concurrent e2e run or bench never shares it
  const dist = await mkdtemp(join(os.tmpdir(), 'datamesh-bench-dist-'))
  const child = spawn(command[0], command[1], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DATAMESH_E2E_ISOLATED: '1', DATAMESH_E2E_DIST: dist } })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject).on('close', resolve) })
    .finally(async () => { await rm(dist, { recursive: true, force: true }) })
  if (code !== 0) throw new Error(`${command[1].find(a => a.includes('bench/')) ?? 'bench part'} failed (exit code ${code})`)
  const last = out.trim().split('\n').at(-1) ?? ''
  return (JSON.parse(last) as { figures: Record<string, Figure> }).figures
}

async function browserFigures (): Promise<{ figures: Record<string, Figure>, chromium: string }> {
  const server = await createServer({ root, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } })
  await server.listen()
  const address = server.httpServer?.address()
  if (address == null || typeof address === 'string') throw new Error('vite did not listen')
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
  try {
    const page = await browser.newPage()
    page.on('pageerror', e => { log(`page error: ${e.message}`) })
    await page.goto(`http://127.0.0.1:${address.port}/bench/browser.html`)
    await page.waitForFunction(() => typeof window.runBenchmarks === 'function', undefined, { timeout: 60_000 })
    const figures = await page.evaluate(async (o) => await window.runBenchmarks(o), { runs, sizeMiB })
    return { figures, chromium: browser.version() }
  } finally {
    await browser.close()
    await server.close()
  }
}

const ALL_PARTS = ['node', 'browser', 'memory', 'mesh', 'app', 'sim']
const parts = new Set((process.env.BENCH_ONLY ?? ALL_PARTS.join(',')).split(',').map(p => p.trim()))
if (process.env.BENCH_MESH === '0') { parts.delete('mesh'); parts.delete('app') }
const isolated = parts.has('mesh') || parts.has('app') ? isolatedCommand('bench/mesh.ts') : undefined
if ((parts.has('mesh') || parts.has('app')) && isolated === undefined) {
  process.stderr.write('bench: cannot create a loopback-only network namespace (unshare -n / -rn failed).\n' +
    'The mesh and app figures start WebRTC between browser tabs, which must not touch real interfaces.\n' +
    'Run as root, enable unprivileged user namespaces, set DATAMESH_E2E_ALLOW_NETWORK=1 to accept the risk,\n' +
    'or BENCH_MESH=0 to measure without the mesh and app figures.\n')
  process.exit(1)
}

const resultsUrl = new URL('./results.json', import.meta.url)
interface Results { generatedAt: string, machine: Record<string, unknown>, runs: number, meshRuns?: number, meshSizeMiB?: number, figures: Record<string, Figure> }
const previous = parts.size < ALL_PARTS.length ? JSON.parse(await readFile(resultsUrl, 'utf8').catch(() => '{}')) as Partial<Results> : {}

log(`runs=${runs} size=${sizeMiB} MiB parts=${[...parts].join(',')}`)
/** figures no part measures any more (the pipeline's second, Merkle, hashing pass is gone), dropped from earlier results */
const RETIRED = ['pipeline.limit.browser.withMerkle.MBps']
let figures: Record<string, Figure> = Object.fromEntries(Object.entries(previous.figures ?? {}).filter(([name]) => !RETIRED.includes(name)))
let chromiumVersion = (previous.machine?.chromium as string | undefined) ?? 'not measured'
if (parts.has('node')) {
  log('node pipeline and primitives')
  figures = { ...figures, ...await nodeFigures() }
}
if (parts.has('browser')) {
  log('browser')
  const browser = await browserFigures()
  chromiumVersion = browser.chromium
  figures = { ...figures, ...browser.figures }
}
if (parts.has('memory')) {
  log('1 GiB encode peak memory')
  figures = { ...figures, ...await peakMemory() }
}
if (parts.has('sim')) {
  log('sim (quick configuration)')
  try {
    figures = { ...figures, ...await simFigures() }
  } catch (err) {
    log(`sim failed, its previous figures kept: ${(err as Error).stack ?? String(err)}`)
  }
}
for (const part of ['mesh', 'app'] as const) {
  if (!parts.has(part)) continue
  const command = isolatedCommand(`bench/${part}.ts`) as [string, string[]]
  log(`${part} (${command[0] === 'unshare' ? `in a new network namespace: unshare ${command[1][0]}` : 'in this network namespace'})`)
  figures = { ...figures, ...await isolatedFigures(command) }
}
const sorted = Object.fromEntries(Object.entries(figures).sort(([a], [b]) => a.localeCompare(b)))
const results: Results = {
  generatedAt: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, chromium: chromiumVersion },
  runs,
  ...(parts.has('mesh') ? { meshRuns: Number(process.env.BENCH_MESH_RUNS ?? 3), meshSizeMiB: Number(process.env.BENCH_MESH_MIB ?? 64) } : previous.meshRuns !== undefined ? { meshRuns: previous.meshRuns, meshSizeMiB: previous.meshSizeMiB } : {}),
  figures: sorted
}
await writeFile(resultsUrl, JSON.stringify(results, null, 2) + '\n')
process.stdout.write(JSON.stringify(results, null, 2) + '\n')
