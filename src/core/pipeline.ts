/**
 * The streaming put/get pipeline.
 *
 * encodeFile: any byte source -> stripes -> (codec) -> EncodedStripe, in
 * order, with at most `window` stripes in flight, so memory stays bounded by
 * window * (stripe + shards) whatever the file size.
 * decodeFile: manifest + a shard fetcher -> plaintext chunks, in order,
 * fetching any k verified shards per stripe (data shards first, then parity
 * in place of any that are missing or corrupt).
 */
import type { CID } from 'multiformats/cid'
import { randomFileKey } from './aead.ts'
import { InlineCodec, type StripeCodec } from './codec.ts'
import { AbortedError, DataMeshError, InvalidParametersError, throwIfAborted } from './errors.ts'
import type { Manifest, ManifestStripe } from './manifest.ts'
import { readStripes, sourceSize, type ByteSource, type PlainStripe } from './source.ts'
import { codingParameters, stripeCount, stripePlainLength, tooFewShards, type CodingParameters, type EncodedStripe, type StripeRecord } from './stripe.ts'

export interface Progress {
  bytesDone: number
  /** undefined while a stream's length is unknown */
  bytesTotal?: number
}

export interface PipelineOptions {
  signal?: AbortSignal
  onProgress?: (progress: Progress) => void
  /** defaults to an InlineCodec on this thread */
  codec?: StripeCodec
  /** stripes in flight; defaults to twice the codec's parallelism */
  window?: number
}

export interface EncodeOptions extends PipelineOptions {
  coding?: Partial<CodingParameters>
  /** a 32-byte file key; random when absent */
  fileKey?: Uint8Array
}

export interface EncodeSummary {
  size: number
  stripes: StripeRecord[]
}

export interface EncodeSession {
  fileKey: Uint8Array
  coding: CodingParameters
  /** the encoded stripes in order; iterate exactly once */
  stripes: AsyncGenerator<EncodedStripe>
  /** size and stripe records, once `stripes` is exhausted */
  summary: () => EncodeSummary
}

/** Run `work` over `items` with at most `window` in flight, yielding results in order. */
async function * ordered<T, R> (items: AsyncIterable<T>, window: number, work: (item: T) => Promise<R>, signal?: AbortSignal): AsyncGenerator<R> {
  const inFlight: Array<Promise<R>> = []
  const iterator = items[Symbol.asyncIterator]()
  let exhausted = false
  try {
    for (;;) {
      while (!exhausted && inFlight.length < window) {
        const next = await iterator.next()
        if (next.done === true) { exhausted = true; break }
        const p = work(next.value)
        p.catch(() => {}) // observed below, in order
        inFlight.push(p)
      }
      const head = inFlight.shift()
      if (head === undefined) return
      const result = await head
      throwIfAborted(signal)
      yield result
    }
  } finally {
    await iterator.return?.(undefined)
  }
}

export function encodeFile (source: ByteSource, options: EncodeOptions = {}): EncodeSession {
  const coding = codingParameters(options.coding)
  const fileKey = options.fileKey ?? randomFileKey()
  const codec = options.codec ?? new InlineCodec()
  const window = options.window ?? codec.parallelism * 2
  const bytesTotal = sourceSize(source)
  const records: StripeRecord[] = []
  let size = 0
  let finished = false

  async function * run (): AsyncGenerator<EncodedStripe> {
    try {
      const work = async (s: PlainStripe): Promise<EncodedStripe> => {
        try {
          return await codec.encode({ fileKey, coding, index: s.index, plain: s.plain, final: s.final })
        } finally {
          s.release?.() // the codec has copied or sealed the bytes by now
        }
      }
      for await (const stripe of ordered(readStripes(source, coding.stripeSize, options.signal), window, work, options.signal)) {
        records.push({ shards: stripe.shards })
        size += stripe.plainLength
        options.onProgress?.({ bytesDone: size, bytesTotal: bytesTotal ?? undefined })
        yield stripe
      }
      finished = true
    } finally {
      if (options.codec === undefined) codec.close()
    }
  }

  return {
    fileKey,
    coding,
    stripes: run(),
    summary: () => {
      if (!finished) throw new InvalidParametersError('The stripes have not all been encoded yet')
      return { size, stripes: records }
    }
  }
}

export interface FileMetadata {
  name: string
  type?: string
  tags?: string[]
  created?: number
}

/** A manifest from an encode summary; `hints` gives the holders of each stripe's shards. */
export function buildManifest (meta: FileMetadata, coding: CodingParameters, summary: EncodeSummary, hints?: string[][]): Manifest {
  const stripes: ManifestStripe[] = summary.stripes.map((s, i) => {
    const h = hints?.[i]
    return h === undefined ? { shards: s.shards } : { shards: s.shards, hints: h }
  })
  return { name: meta.name, type: meta.type ?? '', tags: meta.tags ?? [], size: summary.size, created: meta.created ?? Date.now(), coding, stripes }
}

export interface ShardRequest {
  stripe: number
  /** 0..k-1 data, k..k+m-1 parity */
  shard: number
  cid: CID
  /** placement hint from the manifest, if any */
  hint?: string
}

/** Returns the shard's bytes, or undefined when it cannot be had. Bytes are verified by the pipeline. */
export type ShardFetcher = (request: ShardRequest, options: { signal?: AbortSignal }) => Promise<Uint8Array | undefined>

export interface DecodeOptions extends PipelineOptions {
  /** told of every shard that arrived but failed verification */
  onCorruptShard?: (request: ShardRequest) => void
}

/** Fetch shards of one stripe until k verified ones decode it. */
async function decodeOne (manifest: Manifest, fileKey: Uint8Array, index: number, fetchShard: ShardFetcher, codec: StripeCodec, options: DecodeOptions): Promise<Uint8Array> {
  const coding = manifest.coding
  const stripe = manifest.stripes[index] as ManifestStripe
  const total = coding.k + coding.m
  const shards = new Array<Uint8Array | undefined>(total).fill(undefined)
  let next = 0 // next shard index not yet tried
  let held = 0
  const request = (i: number): ShardRequest => {
    const hint = stripe.hints?.[i]
    return hint === undefined || hint === '' ? { stripe: index, shard: i, cid: stripe.shards[i] as CID } : { stripe: index, shard: i, cid: stripe.shards[i] as CID, hint }
  }
  const fetchOne = async (i: number): Promise<void> => {
    let bytes: Uint8Array | undefined
    try {
      bytes = await fetchShard(request(i), { signal: options.signal })
    } catch (err) {
      if (err instanceof AbortedError || options.signal?.aborted === true) throw new AbortedError()
      bytes = undefined // an unreachable holder is the same as a missing shard
    }
    if (bytes !== undefined) { shards[i] = bytes; held++ }
  }
  for (;;) {
    // ask for as many more shards as are still needed, in parallel
    while (held < coding.k && next < total) {
      const batch: number[] = []
      while (held + batch.length < coding.k && next < total) batch.push(next++)
      await Promise.all(batch.map(fetchOne))
      throwIfAborted(options.signal)
    }
    if (held < coding.k) throw tooFewShards(index, coding, held)
    const plainLength = stripePlainLength(manifest.size, index, coding)
    const final = index === manifest.stripes.length - 1
    const result = await codec.decode({ fileKey, coding, index, record: stripe, plainLength, final, shards })
    if (result.ok) return result.plain
    for (const bad of result.bad) {
      options.onCorruptShard?.(request(bad))
      shards[bad] = undefined
      held--
    }
    if (result.bad.length === 0) throw new DataMeshError('Stripe decode made no progress', { stripe: index })
  }
}

/** Stream a file's plaintext, stripe by stripe, in order. */
export async function * decodeFile (manifest: Manifest, fileKey: Uint8Array, fetchShard: ShardFetcher, options: DecodeOptions = {}): AsyncGenerator<Uint8Array> {
  const codec = options.codec ?? new InlineCodec()
  const window = options.window ?? codec.parallelism * 2
  const count = stripeCount(manifest.size, manifest.coding)
  if (manifest.stripes.length !== count) throw new InvalidParametersError('Manifest stripe count does not match its size')
  async function * indexes (): AsyncGenerator<number> {
    for (let i = 0; i < count; i++) yield i
  }
  let done = 0
  try {
    for await (const plain of ordered(indexes(), window, async i => await decodeOne(manifest, fileKey, i, fetchShard, codec, options), options.signal)) {
      done += plain.byteLength
      options.onProgress?.({ bytesDone: done, bytesTotal: manifest.size })
      yield plain
    }
  } finally {
    if (options.codec === undefined) codec.close()
  }
}

/** Adapt an async generator of chunks to a ReadableStream (pull-based: nothing is read ahead of the consumer). */
export function toReadableStream (chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      try {
        const { done, value } = await chunks.next()
        if (done === true) controller.close()
        else controller.enqueue(value)
      } catch (err) {
        controller.error(err)
      }
    },
    async cancel () {
      await chunks.return(undefined)
    }
  })
}
