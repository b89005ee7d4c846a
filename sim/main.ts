/**
 * `npm run sim`: the churn simulation's comparison run.
 *
 *   npm run sim -- [--peers N] [--files N] [--days N] [--seed S] [--quick] [--jobs N] [--real-proofs SHARE] [--no-write]
 *
 * Runs every configuration of ./grid.ts (in up to --jobs child processes,
 * default 2), measures DHT lookup hops, and writes sim/results.json,
 * docs/sim/results.md and docs/sim/durability.svg (unless --no-write).
 * `--only I` runs configuration I alone and prints its result as one JSON
 * line (what the child processes do).
 */
import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { DEFAULT_CONFIG, type SimConfig } from './config.ts'
import { measureHops } from './dht.ts'
import { configOf, grid, type GridEntry } from './grid.ts'
import type { RunResult } from './metrics.ts'
import { IMPLEMENTATIONS } from './implementations.ts'
import { markdown, recommend, svg, type Comparison } from './report.ts'
import { World } from './world.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

export interface CliOptions {
  config: SimConfig
  quick: boolean
  jobs: number
  write: boolean
  only?: number
}

/** The quick configuration: the bench's and a first look (seconds, not minutes). */
export const QUICK = { peers: 1000, files: 1000, days: 90 } as const

export function parseArgs (argv: readonly string[]): CliOptions {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`)
    const name = a.slice(2)
    if (['quick', 'no-write'].includes(name)) flags.set(name, 'true')
    else {
      const value = argv[++i]
      if (value === undefined) throw new Error(`--${name} needs a value`)
      flags.set(name, value)
    }
  }
  const known = new Set(['peers', 'files', 'days', 'seed', 'quick', 'jobs', 'real-proofs', 'no-write', 'only'])
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}`)
  const quick = flags.has('quick')
  const whole = (name: string, fallback: number, min: number): number => {
    const v = flags.get(name)
    if (v === undefined) return fallback
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}`)
    return n
  }
  // a full run audits 0.5 % of the files with real proofs (they cost ~0.5 ms each), a quick one 2 %
  const share = Number(flags.get('real-proofs') ?? (quick ? DEFAULT_CONFIG.realProofShare : 0.005))
  if (!(share >= 0 && share <= 1)) throw new Error('--real-proofs is a share in [0, 1]')
  const config: SimConfig = {
    ...DEFAULT_CONFIG,
    seed: flags.get('seed') ?? DEFAULT_CONFIG.seed,
    peers: whole('peers', quick ? QUICK.peers : DEFAULT_CONFIG.peers, 10),
    files: whole('files', quick ? QUICK.files : DEFAULT_CONFIG.files, 1),
    days: whole('days', quick ? QUICK.days : DEFAULT_CONFIG.days, 1),
    realProofShare: share
  }
  const only = flags.get('only')
  return { config, quick, jobs: whole('jobs', 2, 1), write: !flags.has('no-write'), ...(only !== undefined ? { only: whole('only', 0, 0) } : {}) }
}

/** argv for a child running configuration `i` with the same settings. */
function childArgs (o: CliOptions, i: number): string[] {
  const c = o.config
  return ['--import', 'tsx', 'sim/main.ts', '--peers', `${c.peers}`, '--files', `${c.files}`, '--days', `${c.days}`, '--seed', c.seed, '--real-proofs', `${c.realProofShare}`, '--only', `${i}`, ...(o.quick ? ['--quick'] : [])]
}

async function runChild (o: CliOptions, i: number): Promise<RunResult> {
  const child = spawn(process.execPath, childArgs(o, i), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject).on('close', resolve) })
  if (code !== 0) throw new Error(`configuration ${i} failed (exit code ${code})`)
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as RunResult
}

/** Run one configuration in this process. */
export async function runOne (config: SimConfig): Promise<RunResult> {
  const world = new World(config)
  const metrics = await world.run()
  return metrics.result as RunResult
}

async function main (): Promise<void> {
  const o = parseArgs(process.argv.slice(2))
  const entries = grid()
  if (o.only !== undefined) {
    const e = entries[o.only]
    if (e === undefined) throw new Error(`no configuration ${o.only}`)
    process.stdout.write(JSON.stringify(await runOne(configOf(o.config, e))) + '\n')
    return
  }
  const t0 = performance.now()
  const log = (s: string): void => { process.stderr.write(`sim: ${s}\n`) }
  log(`${entries.length} configurations, ${o.config.peers} peers, ${o.config.files} files, ${o.config.days} days, seed ${o.config.seed}, ${o.jobs} at a time`)
  const results = new Array<RunResult>(entries.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(o.jobs, entries.length) }, async () => {
    while (next < entries.length) {
      const i = next++
      results[i] = await runChild(o, i)
      log(`${results[i].label}: ${results[i].filesLost} lost, ${(results[i].runtimeMs / 1000).toFixed(1)} s`)
    }
  }))
  const dht = measureHops(o.quick ? [100, 1000, 3000] : [100, 1000, 10_000], o.config.seed)
  const comparison: Comparison = {
    generatedBy: ['npm run sim', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    config: { peers: o.config.peers, files: o.config.files, days: o.config.days, seed: o.config.seed, quick: o.quick, realProofShare: o.config.realProofShare },
    implementations: IMPLEMENTATIONS,
    trace: new World(o.config).traceSummary(),
    runs: results.map((r, i) => ({ ...r, group: (entries[i] as GridEntry).group })),
    dht,
    // the parameters, at the storage room every other run has
    recommendation: recommend(results.filter((_, i) => entries[i]?.group !== 'capacity')),
    runtimeMs: Math.round(performance.now() - t0)
  }
  process.stdout.write(markdown(comparison))
  if (o.write) {
    await mkdir(`${root}docs/sim`, { recursive: true })
    await writeFile(`${root}sim/results.json`, JSON.stringify(comparison, null, 2) + '\n')
    await writeFile(`${root}docs/sim/results.md`, markdown(comparison))
    await writeFile(`${root}docs/sim/durability.svg`, svg(comparison))
    log('wrote sim/results.json, docs/sim/results.md, docs/sim/durability.svg')
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch(err => { process.stderr.write(`sim: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) })
}
