/** Timing helpers shared by the Node and browser benchmarks. */

export interface Figure {
  value: number
  unit: string
}

export function median (values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Median MB/s (10^6 bytes per second) of `runs` timed runs of `fn` over `bytes` bytes, after one warm-up. */
export async function throughput (bytes: number, runs: number, fn: () => Promise<unknown> | unknown): Promise<Figure> {
  await fn()
  const rates: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    const ms = performance.now() - t0
    rates.push(bytes / 1e6 / (ms / 1000))
  }
  return { value: round(median(rates)), unit: 'MB/s' }
}

/** Median milliseconds of `runs` runs of `fn`, after one warm-up. */
export async function duration (runs: number, fn: () => Promise<unknown> | unknown): Promise<Figure> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  return { value: round(median(times)), unit: 'ms' }
}

export function round (n: number): number {
  return Math.round(n * 10) / 10
}

/** Fast deterministic filler (content does not change the cost of any primitive measured). */
export function fill<T extends Uint8Array> (bytes: T, seed = 1): T {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2)
  let x = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    words[i] = x >>> 0
  }
  return bytes
}
