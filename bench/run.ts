/**
 * `npm run bench`: measures everything in one run and writes
 * bench/results.json as { generatedAt, machine, figures: { NAME: { value, unit } } }.
 * Each figure is the median of several runs (BENCH_RUNS, default 5).
 */
import { writeFile } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createServer } from 'vite'
import { chromiumPath, CHROMIUM_ARGS } from '../tests/chromium.ts'
import { primitiveFigures, pipelineFigures } from './primitives.ts'
import { fill, round, type Figure } from './stats.ts'
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

log(`runs=${runs} size=${sizeMiB} MiB`)
log('node pipeline and primitives')
const node = await nodeFigures()
log('browser')
const browser = await browserFigures()
log('1 GiB encode peak memory')
const memory = await peakMemory()
const figures: Record<string, Figure> = { ...browser.figures, ...node, ...memory }
const sorted = Object.fromEntries(Object.entries(figures).sort(([a], [b]) => a.localeCompare(b)))
const results = {
  generatedAt: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, chromium: browser.chromium },
  runs,
  figures: sorted
}
await writeFile(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
process.stdout.write(JSON.stringify(results, null, 2) + '\n')
