/**
 * Benchmarks of the primitives and the pipeline that run unchanged in Node
 * and in the browser. Each figure is the median of several runs.
 */
import { deriveKey, sealStripe, sealedLength } from '../src/core/aead.ts'
import { encodeParity, reconstructData } from '../src/core/erasure.ts'
import { blake3 } from '../src/core/hash.ts'
import { encodeFile, decodeFile } from '../src/core/pipeline.ts'
import { initCodec, DEFAULT_CODING } from '../src/core/stripe.ts'
import type { StripeCodec } from '../src/core/codec.ts'
import type { ByteSource } from '../src/core/source.ts'
import { MiB } from '../src/core/bytes.ts'
import { throughput, fill, type Figure } from './stats.ts'

export async function primitiveFigures (runs: number): Promise<Record<string, Figure>> {
  await initCodec()
  const stripe = fill(new Uint8Array(4 * MiB), 7)
  const shards = 6
  const shardSize = Math.ceil(sealedLength(stripe.length, DEFAULT_CODING.segmentSize) / 4)
  const buffer = fill(new Uint8Array(shards * shardSize), 3)
  const key = await deriveKey(fill(new Uint8Array(32), 9), 'content')
  const sealed = new Uint8Array(sealedLength(stripe.length, DEFAULT_CODING.segmentSize))
  const present = [false, true, false, true, true, true]
  const rounds = 8 // 32 MiB of input per run
  return {
    'core.blake3.MBps': await throughput(rounds * stripe.length, runs, () => {
      for (let i = 0; i < rounds; i++) for (let s = 0; s < 4; s++) blake3(stripe.subarray(s * MiB, (s + 1) * MiB))
    }),
    'core.aesgcm.MBps': await throughput(rounds * stripe.length, runs, async () => {
      for (let i = 0; i < rounds; i++) await sealStripe(key, i, stripe, DEFAULT_CODING.segmentSize, false, sealed)
    }),
    'core.rs.encode.MBps': await throughput(rounds * 4 * shardSize, runs, async () => {
      for (let i = 0; i < rounds; i++) await encodeParity(buffer, 4, 2)
    }),
    'core.rs.reconstruct.MBps': await throughput(rounds * 4 * shardSize, runs, async () => {
      for (let i = 0; i < rounds; i++) await reconstructData(buffer, 4, 2, present)
    })
  }
}

/**
 * Single-thread ceilings implied by the primitives: 1 / (1/aes + 1/rs + h/blake3),
 * with h = 1.5 (every shard hashed once for its id: the definition) or
 * h = 3 (hashed again for its Merkle leaves, as the pipeline does).
 */
export function pipelineLimits (f: Record<string, Figure>): Record<string, Figure> {
  const aes = f['core.aesgcm.MBps']?.value ?? NaN
  const rs = f['core.rs.encode.MBps']?.value ?? NaN
  const b3 = f['core.blake3.MBps']?.value ?? NaN
  const limit = (h: number): Figure => ({ value: Math.round(1 / (1 / aes + 1 / rs + h / b3)), unit: 'MB/s' })
  return { 'pipeline.limit.browser.MBps': limit(1.5), 'pipeline.limit.browser.withMerkle.MBps': limit(3) }
}

export interface PipelineBench {
  encode: Figure
  decode: Figure
}

/** Encode `size` bytes from `source()` and decode them back, shards held in memory. */
export async function pipelineFigures (size: number, runs: number, source: () => ByteSource, codec?: StripeCodec): Promise<PipelineBench> {
  let shards = new Map<string, Uint8Array>()
  let last: { manifest: Parameters<typeof decodeFile>[0], fileKey: Uint8Array } | undefined
  const encode = await throughput(size, runs, async () => {
    const session = encodeFile(source(), { codec })
    const held = new Map<string, Uint8Array>()
    for await (const s of session.stripes) s.shards.forEach((cid, i) => held.set(cid.toString(), s.data[i] as Uint8Array))
    shards = held
    const sum = session.summary()
    last = { manifest: { name: 'bench', type: '', tags: [], size: sum.size, created: 0, coding: session.coding, stripes: sum.stripes }, fileKey: session.fileKey }
  })
  const decode = await throughput(size, runs, async () => {
    let n = 0
    for await (const chunk of decodeFile(last!.manifest, last!.fileKey, async ({ cid }) => shards.get(cid.toString()), { codec })) n += chunk.length
    if (n !== size) throw new Error(`decoded ${n} of ${size} bytes`)
  })
  return { encode, decode }
}
