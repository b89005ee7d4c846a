/** Mesh settings: defaults, with reasons, and checks at the boundary. */
import { InvalidParametersError } from '../core/errors.ts'
import { codingParameters, DEFAULT_CODING } from '../core/stripe.ts'
import { MAX_BATCH_SHARDS } from '../net/protocol/constants.ts'
import type { MeshConfig } from './types.ts'

const second = 1000

export const DEFAULT_MESH_CONFIG: Readonly<Omit<MeshConfig, 'writeQuorum' | 'codec'>> = Object.freeze({
  k: DEFAULT_CODING.k,
  m: DEFAULT_CODING.m,
  stripeSize: DEFAULT_CODING.stripeSize,
  segmentSize: DEFAULT_CODING.segmentSize,
  /** small meshes (a few tabs) still work; the warning tells the user */
  minPeers: 'warn',
  /** a holder slower than this is raced by the next candidate (shards are ~1 MiB) */
  hedgeDelay: 2 * second,
  /** the shard protocol's own exchange limit */
  requestTimeout: 30 * second,
  /**
   * manifests are tiny and every read needs one: three copies on distinct
   * peers survive the loss of any two of them, as a stripe (4 + 2) does
   */
  manifestReplicas: 3,
  /** small puts at once become one request per holder instead of one per shard */
  storeBatch: 64,
  /** encode the next stripe while the previous one is being stored */
  storeWindow: 2,
  /** free space changes slowly next to a put's duration */
  infoTtl: 30 * second
})

/**
 * files up to this size are coded on the calling thread, whatever the
 * configured codec: coding 64 KiB takes well under a millisecond, a round
 * trip to a worker more (measured ~17 ms median on a busy 2-core page)
 */
export const INLINE_CODING_BYTES = 64 * 1024

/** store-many requests under way to one peer at once: one being answered while the next gathers */
export const STORE_REQUESTS_PER_PEER = 2
/** bytes of shards in one store-many request: a few large shards, or many small ones */
export const STORE_BATCH_BYTES = 4 * 1024 * 1024

export function resolveConfig (partial: Partial<MeshConfig> = {}): MeshConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<MeshConfig>
  const c = { ...DEFAULT_MESH_CONFIG, ...defined }
  codingParameters({ k: c.k, m: c.m, stripeSize: c.stripeSize, segmentSize: c.segmentSize }) // throws InvalidParametersError
  const writeQuorum = c.writeQuorum ?? Math.min(c.k + 1, c.k + c.m)
  const whole = (n: number, min: number): boolean => Number.isSafeInteger(n) && n >= min
  if (!whole(writeQuorum, c.k) || writeQuorum > c.k + c.m) throw new InvalidParametersError('writeQuorum must lie in [k, k + m]', { writeQuorum, k: c.k, m: c.m })
  if (c.minPeers !== 'warn' && c.minPeers !== 'refuse') throw new InvalidParametersError('minPeers is "warn" or "refuse"', { minPeers: c.minPeers })
  for (const [name, value, min] of [['hedgeDelay', c.hedgeDelay, 0], ['requestTimeout', c.requestTimeout, 1], ['manifestReplicas', c.manifestReplicas, 1], ['storeWindow', c.storeWindow, 1], ['infoTtl', c.infoTtl, 0], ['storeBatch', c.storeBatch, 1]] as const) {
    if (!whole(value, min)) throw new InvalidParametersError(`${name} must be a whole number >= ${min}`, { [name]: value })
  }
  if (c.backupWaitMs !== undefined && !whole(c.backupWaitMs, 1)) throw new InvalidParametersError('backupWaitMs must be a whole number >= 1', { backupWaitMs: c.backupWaitMs })
  if (c.storeBatch > MAX_BATCH_SHARDS) throw new InvalidParametersError(`storeBatch is at most ${MAX_BATCH_SHARDS} (the protocol's limit)`, { storeBatch: c.storeBatch })
  return { ...c, writeQuorum }
}
