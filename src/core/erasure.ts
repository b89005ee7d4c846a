/**
 * Reed-Solomon erasure coding over GF(2^8), with the wasm build shipped in
 * @digitaldefiance/reed-solomon-erasure.wasm (Rust reed-solomon-erasure).
 *
 * We call the module's four exports directly instead of through the
 * package's JS wrapper: the exported `reconstruct` takes ownership of (and
 * frees) the shard-availability buffer, and the wrapper frees it a second
 * time, which corrupts the wasm heap; after that, reconstruction fails or
 * returns wrong bytes. Here that buffer is allocated per call and left to
 * Rust, and one shard region is kept and reused (wasm memory only grows).
 *
 * Shards live in one contiguous buffer of (k + m) * shardSize bytes: data
 * shards first, then parity.
 */
import { instantiateRsWasm } from '#rs-wasm'
import { InvalidParametersError, TooFewShardsError } from './errors.ts'

/** Most shards one stripe may have (data + parity); GF(2^8) allows 256. */
export const MAX_TOTAL_SHARDS = 64

interface RsExports {
  memory: WebAssembly.Memory
  encode: (ptr: number, len: number, k: number, m: number) => number
  reconstruct: (ptr: number, len: number, k: number, m: number, flagsPtr: number, flagsLen: number) => number
  __wbindgen_malloc: (len: number) => number
  __wbindgen_free: (ptr: number, len: number) => void
}

/** One wasm instance per thread, with one reusable shard region. */
class RsModule {
  readonly #x: RsExports
  #ptr = 0
  #capacity = 0

  constructor (instance: WebAssembly.Instance) {
    this.#x = instance.exports as unknown as RsExports
  }

  /** A view of `length` bytes of wasm memory (invalid after the next call that may grow memory). */
  #region (length: number): number {
    if (length > this.#capacity) {
      if (this.#capacity > 0) this.#x.__wbindgen_free(this.#ptr, this.#capacity)
      this.#ptr = this.#x.__wbindgen_malloc(length)
      this.#capacity = length
    }
    return this.#ptr
  }

  #view (ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.#x.memory.buffer, ptr, length)
  }

  encode (shards: Uint8Array, k: number, m: number): number {
    const shardSize = shards.byteLength / (k + m)
    const ptr = this.#region(shards.byteLength)
    this.#view(ptr, k * shardSize).set(shards.subarray(0, k * shardSize))
    const code = this.#x.encode(ptr, shards.byteLength, k, m)
    if (code === 0) shards.set(this.#view(ptr + k * shardSize, m * shardSize), k * shardSize)
    return code
  }

  reconstruct (shards: Uint8Array, k: number, m: number, present: boolean[]): number {
    const ptr = this.#region(shards.byteLength)
    this.#view(ptr, shards.byteLength).set(shards)
    const flags = this.#x.__wbindgen_malloc(present.length) // owned and freed by reconstruct
    this.#view(flags, present.length).set(present.map(p => (p ? 1 : 0)))
    const code = this.#x.reconstruct(ptr, shards.byteLength, k, m, flags, present.length)
    if (code === 0) shards.set(this.#view(ptr, (shards.byteLength / (k + m)) * k))
    return code
  }
}

let modulePromise: Promise<RsModule> | undefined

async function rs (): Promise<RsModule> {
  modulePromise ??= instantiateRsWasm().then(i => new RsModule(i))
  return await modulePromise
}

/** Load the wasm once per thread. */
export async function initErasure (): Promise<void> {
  await rs()
}

export function checkCodingParameters (k: number, m: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(m) || k < 1 || m < 1 || k + m > MAX_TOTAL_SHARDS) {
    throw new InvalidParametersError(`Erasure parameters must be whole numbers with k >= 1, m >= 1 and k + m <= ${MAX_TOTAL_SHARDS}`, { k, m })
  }
}

function checkBuffer (shards: Uint8Array, k: number, m: number): void {
  checkCodingParameters(k, m)
  if (shards.byteLength === 0 || shards.byteLength % (k + m) !== 0) {
    throw new InvalidParametersError('Shard buffer length must be a positive multiple of k + m', { length: shards.byteLength, k, m })
  }
}

function resultError (code: number, k: number, m: number): Error {
  return new InvalidParametersError(`Reed-Solomon failed (code ${code})`, { code, k, m })
}

/** Fill the m parity shards of `shards` from its k data shards, in place. */
export async function encodeParity (shards: Uint8Array, k: number, m: number): Promise<void> {
  checkBuffer(shards, k, m)
  const code = (await rs()).encode(shards, k, m)
  if (code !== 0) throw resultError(code, k, m)
}

/**
 * Rebuild the missing data shards of `shards` in place. `present[i]` says
 * whether shard i holds verified bytes; at least k must. Parity shards are
 * not rewritten.
 */
export async function reconstructData (shards: Uint8Array, k: number, m: number, present: boolean[]): Promise<void> {
  checkBuffer(shards, k, m)
  if (present.length !== k + m) throw new InvalidParametersError('One presence flag per shard', { flags: present.length, k, m })
  const have = present.filter(Boolean).length
  if (have < k) throw new TooFewShardsError(`Need ${k} intact shards, have ${have}`, { k, have })
  if (present.slice(0, k).every(Boolean)) return
  const code = (await rs()).reconstruct(shards, k, m, present)
  if (code !== 0) throw resultError(code, k, m)
}
