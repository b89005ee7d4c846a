/**
 * Byte sources cut into stripes: Blob/File, ReadableStream, Uint8Array,
 * ArrayBuffer or any (async) iterable of Uint8Array. Only one stripe (plus
 * the chunk being copied) is held at a time, whatever the source's size.
 */
import { AbortedError, InvalidParametersError } from './errors.ts'

const MAX_SPARE_BUFFERS = 8

export type ByteSource = Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | AsyncIterable<Uint8Array> | Iterable<Uint8Array>

export interface PlainStripe {
  index: number
  /** the stripe's bytes, or a slice of a Blob still to be read (by whichever thread codes it) */
  plain: Uint8Array | Blob
  /** true for the last stripe of the source */
  final: boolean
  /** hand the buffer back for reuse once nothing reads `plain` any more */
  release?: () => void
}

/** The bytes of a stripe, reading it first when it is a Blob slice. */
export async function stripeBytes (plain: Uint8Array | Blob): Promise<Uint8Array> {
  return plain instanceof Uint8Array ? plain : new Uint8Array(await plain.arrayBuffer())
}

/** Total size when the source knows it up front. */
export function sourceSize (source: ByteSource): number | undefined {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source.byteLength
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.size
  return undefined
}

function check (signal?: AbortSignal): void {
  if (signal?.aborted === true) throw new AbortedError()
}

export async function * readStripes (source: ByteSource, stripeSize: number, signal?: AbortSignal): AsyncGenerator<PlainStripe> {
  if (source instanceof ArrayBuffer) source = new Uint8Array(source)
  if (source instanceof Uint8Array) {
    const n = Math.max(1, Math.ceil(source.byteLength / stripeSize))
    for (let i = 0; i < n; i++) {
      check(signal)
      yield { index: i, plain: source.subarray(i * stripeSize, (i + 1) * stripeSize), final: i === n - 1 }
    }
    return
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const n = Math.max(1, Math.ceil(source.size / stripeSize))
    for (let i = 0; i < n; i++) {
      check(signal)
      yield { index: i, plain: source.slice(i * stripeSize, Math.min(source.size, (i + 1) * stripeSize)), final: i === n - 1 }
    }
    return
  }
  yield * readChunked(chunks(source as Exclude<ByteSource, Blob | Uint8Array | ArrayBuffer>), stripeSize, signal)
}

async function * chunks (source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    const reader = source.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        yield value
      }
    } finally {
      reader.releaseLock()
    }
  }
  if (Symbol.asyncIterator in source || Symbol.iterator in source) {
    yield * (source as AsyncIterable<Uint8Array>)
    return
  }
  throw new InvalidParametersError('Unsupported byte source')
}

/** Re-chunk arbitrary pieces into full stripes; a stripe is final when the source ends after it. */
async function * readChunked (pieces: AsyncIterable<Uint8Array>, stripeSize: number, signal?: AbortSignal): AsyncGenerator<PlainStripe> {
  // released stripe buffers are reused, so a long stream does not allocate (and leave for the GC) 4 MiB a stripe
  const spare: Uint8Array[] = []
  const stripe = (index: number, buffer: Uint8Array, length: number, final: boolean): PlainStripe =>
    ({ index, plain: buffer.subarray(0, length), final, release: () => { if (spare.length < MAX_SPARE_BUFFERS) spare.push(buffer) } })
  let index = 0
  let current: Uint8Array = new Uint8Array(stripeSize)
  let filled = 0
  for await (const piece of pieces) {
    check(signal)
    if (!(piece instanceof Uint8Array)) throw new InvalidParametersError('A byte stream must yield Uint8Array chunks')
    let offset = 0
    while (offset < piece.byteLength) {
      if (filled === stripeSize) {
        // more bytes follow a full stripe, so it is not the last one
        yield stripe(index++, current, filled, false)
        current = spare.pop() ?? new Uint8Array(stripeSize)
        filled = 0
      }
      const take = Math.min(stripeSize - filled, piece.byteLength - offset)
      current.set(piece.subarray(offset, offset + take), filled)
      filled += take
      offset += take
    }
  }
  yield stripe(index, current, filled, true)
}
