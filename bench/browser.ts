/**
 * Browser half of `npm run bench`: loaded by bench/run.ts in headless
 * Chromium through Vite; exposes `window.runBenchmarks`.
 */
import { WorkerPoolCodec } from '../src/core/worker/pool.ts'
import { MiB } from '../src/core/bytes.ts'
import { primitiveFigures, pipelineFigures, pipelineLimits } from './primitives.ts'
import { browserStoreFigures } from './browser-store.ts'
import { fill, type Figure } from './stats.ts'

async function runBenchmarks (opts: { runs: number, sizeMiB: number }): Promise<Record<string, Figure>> {
  const figures: Record<string, Figure> = {}
  Object.assign(figures, await primitiveFigures(opts.runs))
  Object.assign(figures, pipelineLimits(figures))
  const size = opts.sizeMiB * MiB
  const data = fill(new Uint8Array(size), 11)
  const blob = new Blob([data])
  for (const workers of [1, 2]) {
    const codec = new WorkerPoolCodec(workers)
    try {
      const r = await pipelineFigures(size, opts.runs, () => blob, codec)
      figures[`pipeline.encode.browser.${workers}worker${workers > 1 ? 's' : ''}.MBps`] = r.encode
      if (workers === 2) figures['pipeline.decode.browser.MBps'] = r.decode
    } finally {
      codec.close()
    }
  }
  Object.assign(figures, await browserStoreFigures(opts.runs))
  return figures
}

declare global {
  interface Window { runBenchmarks: typeof runBenchmarks }
}
window.runBenchmarks = runBenchmarks
const status = document.getElementById('status')
if (status !== null) status.textContent = 'ready'
