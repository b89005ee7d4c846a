/** Small byte helpers shared by the core modules. */

/** Concatenate byte arrays into one new array. */
export function concatBytes (parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

/** Constant-time equality for byte arrays of public length. */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** Best-effort wipe of secret material held in memory. */
export function wipe (...buffers: Array<Uint8Array | undefined>): void {
  for (const b of buffers) b?.fill(0)
}

/** A view as a standalone ArrayBuffer-backed Uint8Array (what WebCrypto wants). */
export function asBufferSource (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB
