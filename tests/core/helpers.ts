/** Shared helpers for the core tests (run in Node and in Chromium). */
import { encodeFile, buildManifest, decodeFile, type EncodeOptions, type ShardFetcher, type DecodeOptions } from '../../src/core/pipeline.ts'
import type { Manifest } from '../../src/core/manifest.ts'
import type { ByteSource } from '../../src/core/source.ts'
import { concatBytes } from '../../src/core/bytes.ts'

export interface Stored {
  manifest: Manifest
  fileKey: Uint8Array
  /** shard bytes by shard id */
  shards: Map<string, Uint8Array>
}

/** Deterministic pseudo-random bytes (fast; crypto.getRandomValues caps at 64 KiB a call). */
export function pseudoRandomBytes (length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

export async function encodeToMemory (source: ByteSource, options: EncodeOptions = {}): Promise<Stored> {
  const session = encodeFile(source, options)
  const shards = new Map<string, Uint8Array>()
  for await (const stripe of session.stripes) {
    stripe.shards.forEach((cid, i) => shards.set(cid.toString(), stripe.data[i]!.slice()))
  }
  const manifest = buildManifest({ name: 'test.bin', type: 'application/octet-stream', tags: ['t'] }, session.coding, session.summary())
  return { manifest, fileKey: session.fileKey, shards }
}

export function memoryFetcher (shards: Map<string, Uint8Array>): ShardFetcher {
  return async ({ cid }) => shards.get(cid.toString())
}

export async function collect (chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return concatBytes(parts)
}

export async function decodeToBytes (stored: Stored, fetcher: ShardFetcher = memoryFetcher(stored.shards), options: DecodeOptions = {}): Promise<Uint8Array> {
  return await collect(decodeFile(stored.manifest, stored.fileKey, fetcher, options))
}

export async function expectRejectName (promise: Promise<unknown>, name: string): Promise<Error> {
  try {
    await promise
  } catch (err) {
    if (!(err instanceof Error) || err.name !== name) throw new Error(`expected ${name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
    return err
  }
  throw new Error(`expected ${name}, but it resolved`)
}

/** Small coding parameters so boundary tests stay fast. */
export const SMALL = { k: 4, m: 2, stripeSize: 4096, segmentSize: 1024 }

/** Byte equality with a useful message (vitest's deep equality is slow on MiB arrays). */
export function expectSameBytes (actual: Uint8Array, expected: Uint8Array): void {
  if (actual.byteLength !== expected.byteLength) throw new Error(`expected ${expected.byteLength} bytes, got ${actual.byteLength}`)
  for (let i = 0; i < actual.byteLength; i++) {
    if (actual[i] !== expected[i]) throw new Error(`bytes differ first at offset ${i} of ${actual.byteLength}`)
  }
}
