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
 * Where it runs: in a page (a window with Web Workers), every derivation
 * runs in a module worker of its own (argon2.worker.ts), so the page keeps
 * drawing and answering (~40 ms at the floor, ~200 ms at the default on a
 * desktop; phones several times slower), an AbortSignal stops it at once
 * (the worker is terminated), and the memory it grew is returned. Elsewhere
 * (Node, inside a worker) it runs inline: hash-wasm computes in one
 * uninterruptible call, so a signal is honoured before and after it.
 */
import { AbortedError, DataMeshError, InvalidParametersError, MalformedDataError, reviveError, throwIfAborted, type SerializedError } from '../errors.ts'
import { wipe } from '../bytes.ts'
import { ARGON2_KEY_BYTES, argon2idHash } from './argon2-hash.ts'

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
export { ARGON2_KEY_BYTES }

/** What a page posts to argon2.worker.ts (its header has the layout). */
export interface Argon2Request {
  password: Uint8Array
  salt: Uint8Array
  params: Argon2Params
}
export type Argon2Response = { ok: true, key: Uint8Array } | { ok: false, error: SerializedError }

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

/**
 * For parameters read from bytes a stranger wrote (a share link): the
 * stored-data bounds, then at most `max` in every dimension, before any work
 * is done. MalformedDataError (details.reason 'argon2-params') otherwise.
 */
export function checkArgon2ParamsWithin (p: Argon2Params, max: Argon2Params): Argon2Params {
  checkStoredArgon2Params(p)
  if (p.memoryKiB > max.memoryKiB || p.iterations > max.iterations || p.parallelism > max.parallelism) {
    throw new MalformedDataError('The password derivation asks for more work than allowed here', {
      reason: 'argon2-params', memoryKiB: p.memoryKiB, iterations: p.iterations, parallelism: p.parallelism,
      maxMemoryKiB: max.memoryKiB, maxIterations: max.iterations, maxParallelism: max.parallelism
    })
  }
  return p
}

export function normalizePassword (password: string): Uint8Array {
  if (typeof password !== 'string' || password.length === 0) throw new InvalidParametersError('A password is a non-empty string')
  return new TextEncoder().encode(password.normalize('NFC'))
}

/** True in a page that can start module workers: derivations then run off its thread. */
function offThread (): boolean {
  return typeof Worker === 'function' && typeof document !== 'undefined'
}

/** One derivation in a worker of its own, terminated when it answers, fails or is aborted. Takes ownership of `password`. */
async function inWorker (password: Uint8Array, salt: Uint8Array, params: Argon2Params, signal?: AbortSignal): Promise<Uint8Array> {
  const worker = new Worker(new URL('./argon2.worker.ts', import.meta.url), { type: 'module', name: 'datamesh-argon2id' })
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => { reject(new AbortedError()) }
      signal?.addEventListener('abort', onAbort, { once: true })
      worker.onmessage = (e: MessageEvent<Argon2Response>) => {
        signal?.removeEventListener('abort', onAbort)
        if (e.data.ok) resolve(e.data.key)
        else reject(reviveError(e.data.error))
      }
      worker.onerror = (e) => {
        signal?.removeEventListener('abort', onAbort)
        reject(new DataMeshError(`The Argon2id worker failed: ${e.message}`))
      }
      const request: Argon2Request = { password, salt: salt.slice(), params: { memoryKiB: params.memoryKiB, iterations: params.iterations, parallelism: params.parallelism } }
      worker.postMessage(request, [password.buffer as ArrayBuffer])
    })
  } finally {
    worker.terminate()
    wipeUnlessTransferred(password)
  }
}

/** A buffer posted with transfer is detached (length 0, and `fill` throws); one that was not is wiped. */
function wipeUnlessTransferred (bytes: Uint8Array): void {
  if (bytes.buffer.byteLength > 0) wipe(bytes)
}

/** Argon2id(password, salt) -> 32 bytes, off the page's thread where there is one. The caller wipes the result. */
export async function deriveArgon2idKey (password: string, salt: Uint8Array, params: Argon2Params, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
  if (salt.byteLength !== ARGON2_SALT_BYTES) throw new InvalidParametersError('Argon2id salt is 16 bytes', { length: salt.byteLength })
  checkArgon2Params(params)
  throwIfAborted(options?.signal)
  // a buffer of its own, so it can be transferred to a worker
  const pw = normalizePassword(password).slice()
  let key: Uint8Array
  try {
    key = offThread() ? await inWorker(pw, salt, params, options?.signal) : await argon2idHash(pw, salt, params)
  } finally {
    wipeUnlessTransferred(pw)
  }
  if (options?.signal?.aborted === true) {
    wipe(key)
    throwIfAborted(options.signal)
  }
  return key
}
