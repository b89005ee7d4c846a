/**
 * Seeded randomness for the simulation: one generator per purpose, each
 * derived from the run's seed and a name, so that adding a draw in one part
 * (say, the churn trace) does not shift every other part's draws.
 */

/** A uniform random number in [0, 1) (the `Rng` port of src/mesh/peers.ts). */
export type Rng = () => number

/** 128 bits of state from a string (cyrb128). */
function seedWords (text: string): [number, number, number, number] {
  let h1 = 1779033703; let h2 = 3144134277; let h3 = 1013904242; let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ c, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ c, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ c, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ c, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0]
}

/** sfc32 seeded from `seed` and `stream`: small, fast, passes PractRand well beyond what a run draws. */
export function streamRng (seed: string | number, stream: string): Rng {
  let [a, b, c, d] = seedWords(`${seed}/${stream}`)
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0
    const t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    const r = (t + d) | 0
    c = (c + r) | 0
    return (r >>> 0) / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  return next
}

/** Exponentially distributed, mean `mean`. */
export function exponential (rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng())
}

/** Log-normal with median `median` and shape `sigma` (of the underlying normal). */
export function logNormal (rng: Rng, median: number, sigma: number): number {
  const u = Math.max(rng(), Number.MIN_VALUE)
  const v = rng()
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
}

/** A whole number in [lo, hi]. */
export function between (rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1))
}

/** `count` distinct items of `list` (all when there are fewer), in random order. */
export function sample<T> (rng: Rng, list: readonly T[], count: number): T[] {
  const copy = [...list]
  const n = Math.min(count, copy.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (copy.length - i))
    const t = copy[i] as T
    copy[i] = copy[j] as T
    copy[j] = t
  }
  return copy.slice(0, n)
}
