/**
 * Runs one Argon2id derivation off the page's thread, so a slow phone keeps
 * drawing while a password is checked. Started by argon2.ts for every
 * derivation and terminated after it, which also returns the memory
 * Argon2id grew (WebAssembly memory never shrinks).
 *
 * Request (page -> worker), version 1:
 *   { password: Uint8Array (NFC, UTF-8), salt: Uint8Array (16), params: Argon2Params }
 *   the password's buffer is transferred; the worker wipes it after use.
 * Response (worker -> page):
 *   { ok: true, key: Uint8Array (32) }   the key's buffer is transferred
 *   { ok: false, error: SerializedError }
 */
import { serializeError } from '../errors.ts'
import { wipe } from '../bytes.ts'
import { argon2idHash } from './argon2-hash.ts'
import type { Argon2Request, Argon2Response } from './argon2.ts'

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Argon2Request>) => void) | null
  postMessage: (message: Argon2Response, transfer: Transferable[]) => void
}

async function handle ({ password, salt, params }: Argon2Request): Promise<void> {
  try {
    const key = await argon2idHash(password, salt, params)
    scope.postMessage({ ok: true, key }, [key.buffer as ArrayBuffer])
  } catch (err) {
    scope.postMessage({ ok: false, error: serializeError(err) }, [])
  } finally {
    wipe(password)
  }
}

scope.onmessage = (e) => { void handle(e.data) }
