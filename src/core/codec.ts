/**
 * Where stripes are coded: `InlineCodec` runs on the calling thread (Node,
 * tests, and inside each browser worker); `src/core/worker/pool.ts` spreads
 * stripes over Web Workers with the same interface.
 */
import { deriveKey } from './aead.ts'
import { stripeBytes } from './source.ts'
import { equalBytes } from './bytes.ts'
import { decodeStripe, encodeStripe, initCodec, type CodingParameters, type DecodeResult, type EncodedStripe, type StripeRecord } from './stripe.ts'

export interface EncodeJob {
  fileKey: Uint8Array
  coding: CodingParameters
  index: number
  /** bytes, or a Blob slice that the coding thread reads itself (reading a Blob is slow on a busy page thread) */
  plain: Uint8Array | Blob
  final: boolean
}

export interface DecodeJob {
  fileKey: Uint8Array
  coding: CodingParameters
  index: number
  record: StripeRecord
  plainLength: number
  final: boolean
  shards: Array<Uint8Array | undefined>
}

export interface StripeCodec {
  /** how many stripes it can usefully code at once */
  readonly parallelism: number
  encode: (job: EncodeJob) => Promise<EncodedStripe>
  decode: (job: DecodeJob) => Promise<DecodeResult>
  close: () => void
}

/** Codes stripes on this thread, caching the derived key of the last file. */
export class InlineCodec implements StripeCodec {
  readonly parallelism = 1
  #fileKey?: Uint8Array
  #key?: Promise<CryptoKey>

  #contentKey (fileKey: Uint8Array): Promise<CryptoKey> {
    if (this.#key === undefined || this.#fileKey === undefined || !equalBytes(this.#fileKey, fileKey)) {
      this.#fileKey = fileKey.slice()
      this.#key = deriveKey(fileKey, 'content')
    }
    return this.#key
  }

  async encode (job: EncodeJob): Promise<EncodedStripe> {
    await initCodec()
    return await encodeStripe(await this.#contentKey(job.fileKey), job.coding, job.index, await stripeBytes(job.plain), job.final)
  }

  async decode (job: DecodeJob): Promise<DecodeResult> {
    await initCodec()
    return await decodeStripe(await this.#contentKey(job.fileKey), job.coding, job.index, job.record, job.plainLength, job.final, job.shards)
  }

  close (): void {
    this.#fileKey?.fill(0)
    this.#fileKey = undefined
    this.#key = undefined
  }
}
