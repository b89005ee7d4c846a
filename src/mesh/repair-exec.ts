/**
 * Re-creating a stripe's missing shards, given only what a repairer has:
 * the capability's stripe (shard size and the k + m signed ids), k
 * verified shards from anywhere, and the erasure codec. Works on
 * ciphertext: no key is needed or learnt.
 *
 *   1. fetch shards of the indices not being re-created, in order, until k
 *      are in hand (each must be the stripe's shard size; the fetcher
 *      checks the bytes against the id, as the shard client does);
 *   2. Reed-Solomon: rebuild the data shards (erasure.ts reconstructData),
 *      then the parity from them (encodeParity);
 *   3. keep each re-created shard only if it hashes to its signed id
 *      (CorruptShardError, reason 'recreated-mismatch', otherwise: the
 *      capability's ids and the fetched shards disagree, and nothing is
 *      handed out).
 *
 * TooFewShardsError when fewer than k shards could be fetched. Placing the
 * shards (rankForRepair, repair store) is the caller's.
 */
import type { CID } from 'multiformats/cid'
import { encodeParity, reconstructData } from '../core/erasure.ts'
import { AbortedError, CorruptShardError, InvalidParametersError, TooFewShardsError, throwIfAborted } from '../core/errors.ts'
import { matchesCid, parseShardCid } from '../core/hash.ts'
import type { RepairCapStripe } from '../core/repair-cap.ts'

/** A shard's verified bytes (they hash to `id`), or undefined when no holder gave them. */
export type VerifiedShardFetcher = (index: number, id: CID, signal?: AbortSignal) => Promise<Uint8Array | undefined>

export interface RecreateInput {
  stripe: RepairCapStripe
  k: number
  m: number
  /** shard indices to re-create (distinct, within k + m) */
  recreate: readonly number[]
  fetch: VerifiedShardFetcher
  signal?: AbortSignal
}

export interface RecreatedShard {
  index: number
  id: CID
  bytes: Uint8Array
}

export async function recreateShards ({ stripe, k, m, recreate, fetch, signal }: RecreateInput): Promise<RecreatedShard[]> {
  const n = k + m
  if (stripe.ids.length !== n) throw new InvalidParametersError('The stripe has k + m shard ids', { ids: stripe.ids.length, k, m })
  const wanted = new Set(recreate)
  if (wanted.size !== recreate.length || recreate.some(i => !Number.isInteger(i) || i < 0 || i >= n)) {
    throw new InvalidParametersError('Shard indices to re-create are distinct and within the stripe', { recreate: recreate.join(',') })
  }
  if (wanted.size === 0) return []
  const size = stripe.size
  const ids = stripe.ids.map(id => parseShardCid(id))
  const buffer = new Uint8Array(n * size)
  const present = new Array<boolean>(n).fill(false)
  let have = 0
  for (let i = 0; i < n && have < k; i++) {
    if (wanted.has(i)) continue
    throwIfAborted(signal)
    const bytes = await fetch(i, ids[i] as CID, signal)
    if (bytes === undefined) continue
    if (bytes.byteLength !== size) continue // not this stripe's shard: as if not found
    buffer.set(bytes, i * size)
    present[i] = true
    have++
  }
  if (signal?.aborted === true) throw new AbortedError()
  if (have < k) throw new TooFewShardsError(`Need ${k} shards of the stripe to re-create others, found ${have}`, { k, have })
  await reconstructData(buffer, k, m, present)
  if (recreate.some(i => i >= k)) await encodeParity(buffer, k, m)
  const out: RecreatedShard[] = []
  for (const index of [...wanted].sort((a, b) => a - b)) {
    const id = ids[index] as CID
    const bytes = buffer.slice(index * size, (index + 1) * size)
    if (!matchesCid(id, bytes)) {
      throw new CorruptShardError('A re-created shard does not hash to its signed id', { reason: 'recreated-mismatch', index, id: id.toString() })
    }
    out.push({ index, id, bytes })
  }
  return out
}
