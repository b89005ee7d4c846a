/**
 * Reed-Solomon erasure coding over GF(2^8) with the
 * @digitaldefiance/reed-solomon-erasure.wasm build (see docs/ARCHITECTURE.md
 * for why this one). Shards live in one contiguous buffer of
 * (k + m) * shardSize bytes: data shards first, then parity.
 */
import type { ReedSolomonErasure } from '@digitaldefiance/reed-solomon-erasure.wasm'
import { instantiateRsWasm } from '#rs-wasm'
import { InvalidParametersError, TooFewShardsError } from './errors.ts'

/** Most shards one stripe may have (data + parity); GF(2^8) allows 256. */
export const MAX_TOTAL_SHARDS = 64

let rsPromise: Promise<ReedSolomonErasure> | undefined

/** Load the wasm once per thread. */
export async function initErasure (): Promise<void> {
  rsPromise ??= instantiateRsWasm()
  await rsPromise
}

let rs: ReedSolomonErasure | undefined
async function instance (): Promise<ReedSolomonErasure> {
  rs ??= await (rsPromise ??= instantiateRsWasm())
  return rs
}

export function checkCodingParameters (k: number, m: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(m) || k < 1 || m < 1 || k + m > MAX_TOTAL_SHARDS) {
    throw new InvalidParametersError(`Erasure parameters must be whole numbers with k >= 1, m >= 1 and k + m <= ${MAX_TOTAL_SHARDS}`, { k, m })
  }
}

function resultError (code: number, k: number, m: number): Error {
  return new InvalidParametersError(`Reed-Solomon failed (code ${code})`, { code, k, m })
}

/** Fill the m parity shards of `shards` from its k data shards, in place. */
export async function encodeParity (shards: Uint8Array, k: number, m: number): Promise<void> {
  checkCodingParameters(k, m)
  if (shards.byteLength === 0 || shards.byteLength % (k + m) !== 0) {
    throw new InvalidParametersError('Shard buffer length must be a positive multiple of k + m', { length: shards.byteLength, k, m })
  }
  const code = (await instance()).encode(shards, k, m)
  if (code !== 0) throw resultError(code, k, m)
}

/**
 * Rebuild the missing data shards of `shards` in place. `present[i]` says
 * whether shard i holds verified bytes; at least k must. Parity shards are
 * not rewritten.
 */
export async function reconstructData (shards: Uint8Array, k: number, m: number, present: boolean[]): Promise<void> {
  checkCodingParameters(k, m)
  const have = present.filter(Boolean).length
  if (have < k) throw new TooFewShardsError(`Need ${k} intact shards, have ${have}`, { k, have })
  if (present.slice(0, k).every(Boolean)) return
  const code = (await instance()).reconstruct(shards, k, m, present)
  if (code !== 0) throw resultError(code, k, m)
}
