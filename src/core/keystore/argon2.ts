/**
 * Password -> 256-bit key with Argon2id (RFC 9106, version 0x13) via hash-wasm.
 *
 * Floors follow OWASP's Password Storage Cheat Sheet (m = 19 MiB, t = 2,
 * p = 1); the default is RFC 9106's second recommended profile scaled to
 * browsers (m = 64 MiB, t = 3). Parameters read back from a stored blob must
 * lie between the floor and the caps, so a crafted blob cannot make unlock
 * allocate gigabytes or spin for minutes.
 *
 * Passwords are Unicode-normalised (NFC) and UTF-8 encoded, so the same
 * password typed on different systems gives the same key.
 *
 * hash-wasm runs Argon2id in one uninterruptible call: an AbortSignal is
 * honoured before and after it, not during it (~40 ms at the floor, ~200 ms
 * at the default on a desktop; phones several times slower).
 */
import { argon2id } from 'hash-wasm'
import { InvalidParametersError, MalformedDataError, throwIfAborted } from '../errors.ts'
import { wipe } from '../bytes.ts'

export interface Argon2Params {
  /** memory in KiB (Argon2 `m`) */
  readonly memoryKiB: number
  /** passes over memory (Argon2 `t`) */
  readonly iterations: number
  /** lanes (Argon2 `p`) */
  readonly parallelism: number
}

/** OWASP minimum for Argon2id: 19 MiB, 2 passes, 1 lane */
export const ARGON2_MIN: Argon2Params = Object.freeze({ memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 })
/** default for new keystores: 64 MiB, 3 passes, 1 lane */
export const ARGON2_DEFAULT: Argon2Params = Object.freeze({ memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 })
/** caps accepted from stored data (DoS bound): 1 GiB, 16 passes, 16 lanes */
export const ARGON2_MAX: Argon2Params = Object.freeze({ memoryKiB: 1024 * 1024, iterations: 16, parallelism: 16 })

export const ARGON2_SALT_BYTES = 16
export const ARGON2_KEY_BYTES = 32

function inRange (p: Argon2Params): boolean {
  const ok = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi
  return ok(p.memoryKiB, ARGON2_MIN.memoryKiB, ARGON2_MAX.memoryKiB) &&
    ok(p.iterations, ARGON2_MIN.iterations, ARGON2_MAX.iterations) &&
    ok(p.parallelism, ARGON2_MIN.parallelism, ARGON2_MAX.parallelism) &&
    p.memoryKiB >= 8 * p.parallelism // RFC 9106 section 3.1: m >= 8p
}

/** For parameters a caller chose: InvalidParametersError outside [ARGON2_MIN, ARGON2_MAX]. */
export function checkArgon2Params (p: Argon2Params): Argon2Params {
  if (p == null || !inRange(p)) {
    throw new InvalidParametersError('Argon2id parameters must be at least m=19 MiB, t=2, p=1 and at most m=1 GiB, t=16, p=16', { ...p })
  }
  return { memoryKiB: p.memoryKiB, iterations: p.iterations, parallelism: p.parallelism }
}

/** For parameters read from stored bytes: MalformedDataError outside the same bounds. */
export function checkStoredArgon2Params (p: Argon2Params): Argon2Params {
  if (!inRange(p)) throw new MalformedDataError('Stored Argon2id parameters are out of the accepted range', { ...p })
  return p
}

export function normalizePassword (password: string): Uint8Array {
  if (typeof password !== 'string' || password.length === 0) throw new InvalidParametersError('A password is a non-empty string')
  return new TextEncoder().encode(password.normalize('NFC'))
}

/** Argon2id(password, salt) -> 32 bytes. The caller wipes the result. */
export async function deriveArgon2idKey (password: string, salt: Uint8Array, params: Argon2Params, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
  if (salt.byteLength !== ARGON2_SALT_BYTES) throw new InvalidParametersError('Argon2id salt is 16 bytes', { length: salt.byteLength })
  checkArgon2Params(params)
  throwIfAborted(options?.signal)
  const pw = normalizePassword(password)
  try {
    const key = await argon2id({
      password: pw,
      salt,
      memorySize: params.memoryKiB,
      iterations: params.iterations,
      parallelism: params.parallelism,
      hashLength: ARGON2_KEY_BYTES,
      outputType: 'binary'
    })
    if (options?.signal?.aborted === true) {
      wipe(key)
      throwIfAborted(options.signal)
    }
    return key
  } finally {
    wipe(pw)
  }
}
