/**
 * One stripe through the pipeline: seal -> split into k data shards -> m
 * parity shards -> BLAKE3 id per shard (one hashing pass: audits prove parts
 * of a shard against that same hash, see blake3-tree.ts); and back.
 *
 * Layout of a stripe's shard buffer ((k + m) * shardSize bytes):
 *   [ sealed stripe | zero padding ][ parity 0 ] ... [ parity m-1 ]
 *   shardSize = ceil(sealedLength / k); shard i = bytes [i*shardSize, (i+1)*shardSize)
 * Every length is derived from the file size and the coding parameters, so a
 * manifest only records ids.
 */
import type { CID } from 'multiformats/cid'
import { sealStripe, openStripe, sealedLength } from './aead.ts'
import { encodeParity, reconstructData, checkCodingParameters } from './erasure.ts'
import { shardCid, matchesCid, initBlake3 } from './hash.ts'
import { initErasure } from './erasure.ts'
import { InvalidParametersError, TooFewShardsError } from './errors.ts'
import { KiB, MiB } from './bytes.ts'

export interface CodingParameters {
  /** data shards per stripe */
  k: number
  /** parity shards per stripe */
  m: number
  /** plaintext bytes per stripe (the last stripe may be shorter) */
  stripeSize: number
  /** plaintext bytes per AES-GCM segment */
  segmentSize: number
}

export const DEFAULT_CODING: Readonly<CodingParameters> = Object.freeze({
  k: 4,
  m: 2,
  stripeSize: 4 * MiB,
  segmentSize: 256 * KiB
})

/** Bounds: segments of 1 KiB–4 MiB (WebCrypto cost per call), stripes of at most 64 MiB (memory per stripe in flight). */
export const LIMITS = Object.freeze({ minSegment: KiB, maxSegment: 4 * MiB, maxStripe: 64 * MiB })

export function codingParameters (partial: Partial<CodingParameters> = {}): CodingParameters {
  const { k, m, stripeSize, segmentSize } = { ...DEFAULT_CODING, ...partial }
  const p = { k, m, stripeSize, segmentSize }
  checkCodingParameters(p.k, p.m)
  const whole = (n: number): boolean => Number.isSafeInteger(n) && n > 0
  if (!whole(p.segmentSize) || p.segmentSize < LIMITS.minSegment || p.segmentSize > LIMITS.maxSegment ||
      !whole(p.stripeSize) || p.stripeSize > LIMITS.maxStripe || p.stripeSize % p.segmentSize !== 0) {
    throw new InvalidParametersError('Invalid coding parameters: the stripe must be a whole number of segments within the limits', { ...p, limits: LIMITS })
  }
  return p
}

/** Load every wasm module the stripe codec needs (once per thread). */
export async function initCodec (): Promise<void> {
  await Promise.all([initBlake3(), initErasure()])
}

export function stripeCount (size: number, p: CodingParameters): number {
  return Math.max(1, Math.ceil(size / p.stripeSize))
}

export function stripePlainLength (size: number, index: number, p: CodingParameters): number {
  return Math.max(0, Math.min(p.stripeSize, size - index * p.stripeSize))
}

export function shardSizeFor (plainLength: number, p: CodingParameters): number {
  return Math.ceil(sealedLength(plainLength, p.segmentSize) / p.k)
}

/** What a manifest records of one stripe. */
export interface StripeRecord {
  /** k + m shard ids, data shards first */
  shards: CID[]
}

export interface EncodedStripe extends StripeRecord {
  index: number
  plainLength: number
  shardSize: number
  /** the k + m shards, views into one buffer */
  data: Uint8Array[]
}

export async function encodeStripe (key: CryptoKey, p: CodingParameters, index: number, plain: Uint8Array, finalStripe: boolean): Promise<EncodedStripe> {
  const total = p.k + p.m
  const sealedLen = sealedLength(plain.byteLength, p.segmentSize)
  const shardSize = Math.ceil(sealedLen / p.k)
  const buffer = new Uint8Array(total * shardSize)
  await sealStripe(key, index, plain, p.segmentSize, finalStripe, buffer)
  await encodeParity(buffer, p.k, p.m)
  const data: Uint8Array[] = []
  const shards: CID[] = []
  for (let i = 0; i < total; i++) {
    const shard = buffer.subarray(i * shardSize, (i + 1) * shardSize)
    data.push(shard)
    shards.push(shardCid(shard))
  }
  return { index, plainLength: plain.byteLength, shardSize, data, shards }
}

export type DecodeResult =
  | { ok: true, plain: Uint8Array }
  /** fewer than k shards verified: `bad` lists the shard indexes that failed verification */
  | { ok: false, bad: number[], verified: number }

/**
 * Verify the given shards against their ids and, with at least k intact,
 * rebuild and open the stripe. Missing entries are `undefined`.
 */
export async function decodeStripe (key: CryptoKey, p: CodingParameters, index: number, record: StripeRecord, plainLength: number, finalStripe: boolean, given: Array<Uint8Array | undefined>): Promise<DecodeResult> {
  const total = p.k + p.m
  const shardSize = shardSizeFor(plainLength, p)
  const present = new Array<boolean>(total).fill(false)
  const bad: number[] = []
  for (let i = 0; i < total; i++) {
    const shard = given[i]
    if (shard === undefined) continue
    const cid = record.shards[i]
    if (cid === undefined || shard.byteLength !== shardSize || !matchesCid(cid, shard)) bad.push(i)
    else present[i] = true
  }
  const verified = present.filter(Boolean).length
  if (verified < p.k) return { ok: false, bad, verified }
  const buffer = new Uint8Array(total * shardSize)
  for (let i = 0; i < total; i++) if (present[i]) buffer.set(given[i] as Uint8Array, i * shardSize)
  await reconstructData(buffer, p.k, p.m, present)
  const sealedLen = sealedLength(plainLength, p.segmentSize)
  const plain = new Uint8Array(plainLength)
  await openStripe(key, index, buffer.subarray(0, sealedLen), p.segmentSize, finalStripe, plain)
  return { ok: true, plain }
}

export function tooFewShards (index: number, p: CodingParameters, verified: number): TooFewShardsError {
  return new TooFewShardsError(`Stripe ${index}: only ${verified} of the ${p.k} shards needed could be found intact`, { stripe: index, k: p.k, verified })
}
