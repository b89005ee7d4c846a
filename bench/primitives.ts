/**
 * Benchmarks of the primitives and the pipeline that run unchanged in Node
 * and in the browser. Each figure is the median of several runs.
 */
import { deriveKey, sealStripe, sealedLength } from '../src/core/aead.ts'
import { encodeParity, reconstructData } from '../src/core/erasure.ts'
import { blake3 } from '../src/core/hash.ts'
import { computeOutboard, groupCount, groupRange, proveGroups, verifyGroups } from '../src/core/blake3-tree.ts'
import { encodeFile, decodeFile } from '../src/core/pipeline.ts'
import { initCodec, DEFAULT_CODING } from '../src/core/stripe.ts'
import type { StripeCodec } from '../src/core/codec.ts'
import type { ByteSource } from '../src/core/source.ts'
import { MiB } from '../src/core/bytes.ts'
import { throughput, duration, fill, round, type Figure } from './stats.ts'

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
    }),
    ...await treeFigures(runs)
  }
}

/**
 * The BLAKE3 tree in plain JS (src/core/blake3-tree.ts): a holder's outboard
 * of a 1 MiB shard (what 4+2 coding of a 4 MiB stripe gives) and of a 16 MiB
 * one (the largest a storage peer takes by default), and the cost of proving
 * and of verifying one 16 KiB group of each (microseconds per proof, the
 * mean of a batch; verifying hashes the group's 16 KiB).
 */
async function treeFigures (runs: number): Promise<Record<string, Figure>> {
  const figures: Record<string, Figure> = {}
  const batch = 200
  for (const [label, size] of [['1MiB', MiB], ['16MiB', 16 * MiB]] as const) {
    const shard = fill(new Uint8Array(size), 5)
    const repeat = Math.max(1, (16 * MiB) / size)
    figures[`core.blake3tree.outboard.${label}.MBps`] = await throughput(repeat * size, runs, () => {
      for (let i = 0; i < repeat; i++) computeOutboard(shard)
    })
    const outboard = computeOutboard(shard)
    const root = blake3(shard)
    const count = groupCount(size)
    const prove = await duration(runs, () => { for (let i = 0; i < batch; i++) proveGroups(outboard, size, [(i * 7919) % count]) })
    figures[`core.blake3tree.prove.${label}.us`] = { value: round(prove.value * 1000 / batch), unit: 'µs' }
    const index = count >> 1
    const { offset, length } = groupRange(size, index)
    const groups = [{ index, bytes: shard.subarray(offset, offset + length) }]
    const proof = proveGroups(outboard, size, [index])
    const verify = await duration(runs, () => {
      for (let i = 0; i < batch; i++) if (!verifyGroups(root, size, groups, proof)) throw new Error('proof refused')
    })
    figures[`core.blake3tree.verify.${label}.us`] = { value: round(verify.value * 1000 / batch), unit: 'µs' }
  }
  return figures
}

/**
 * The single-thread ceiling implied by the primitives: 1 / (1/aes + 1/rs + h/blake3),
 * with h = 1.5: each of the k + m = 1.5 k shards hashed once, for its id (what
 * audits verify against too), as the pipeline does.
 */
export function pipelineLimits (f: Record<string, Figure>): Record<string, Figure> {
  const aes = f['core.aesgcm.MBps']?.value ?? NaN
  const rs = f['core.rs.encode.MBps']?.value ?? NaN
  const b3 = f['core.blake3.MBps']?.value ?? NaN
  return { 'pipeline.limit.browser.MBps': { value: Math.round(1 / (1 / aes + 1 / rs + 1.5 / b3)), unit: 'MB/s' } }
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
