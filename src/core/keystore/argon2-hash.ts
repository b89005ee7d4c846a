/**
 * One Argon2id run (RFC 9106, version 0x13) via hash-wasm, on the calling
 * thread: the part argon2.ts runs either here (Node, workers) or in
 * argon2.worker.ts (a page). Inputs are already checked and normalised.
 */
import { argon2id } from 'hash-wasm'
import type { Argon2Params } from './argon2.ts'

export const ARGON2_KEY_BYTES = 32

/** Argon2id(password bytes, salt) -> 32 bytes; the caller wipes both. */
export async function argon2idHash (password: Uint8Array, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array> {
  return await argon2id({
    password,
    salt,
    memorySize: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: ARGON2_KEY_BYTES,
    outputType: 'binary'
  })
}
