/** Byte streams for the files tests: one cut into chunks, and reading one whole. */

/** `bytes` as a stream of `chunk`-byte pieces; `onCancel` hears a cancel. */
export function streamOf (bytes: Uint8Array, chunk = 8, onCancel?: () => void): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream({
    pull (c) {
      if (at >= bytes.length) { c.close(); return }
      c.enqueue(bytes.slice(at, at + chunk))
      at += chunk
    },
    cancel () { onCancel?.() }
  })
}

export async function readAll (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer())
}
