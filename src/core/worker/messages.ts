/**
 * Messages between the page and a pipeline worker. Shard buffers travel as
 * transferred ArrayBuffers; CIDs travel as their bytes.
 */
import type { SerializedError } from '../errors.ts'
import type { EncodeJob, DecodeJob } from '../codec.ts'

export type WorkerRequest =
  | { id: number, op: 'encode', job: EncodeJob }
  | { id: number, op: 'decode', job: WireDecodeJob }

export interface WireStripeRecord {
  shards: Uint8Array[]
}

export type WireDecodeJob = Omit<DecodeJob, 'record'> & { record: WireStripeRecord }

export interface WireEncoded {
  index: number
  plainLength: number
  shardSize: number
  /** all k + m shards back to back */
  buffer: ArrayBuffer
  cids: Uint8Array[]
}

export type WorkerResponse =
  | { id: number, ok: true, op: 'encode', result: WireEncoded }
  | { id: number, ok: true, op: 'decode', result: { ok: true, plain: Uint8Array } | { ok: false, bad: number[], verified: number } }
  | { id: number, ok: false, error: SerializedError }
