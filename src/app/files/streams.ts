/** Small stream helpers for downloads. */

/** A stream that reports the bytes that went through it so far. */
export function countBytes (stream: ReadableStream<Uint8Array>, onBytes: (total: number) => void): ReadableStream<Uint8Array> {
  let total = 0
  return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform (chunk, controller) {
      total += chunk.byteLength
      onBytes(total)
      controller.enqueue(chunk)
    }
  }))
}

/**
 * A stream whose source is opened on the first read. A save dialog can then
 * open at once, while the click still counts as the person's gesture, and the
 * file is fetched only once there is somewhere to put it. Cancelling it
 * cancels the source (or keeps it from opening).
 */
export function lazyStream (open: () => Promise<ReadableStream<Uint8Array>>): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  let cancelled = false
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      if (reader === undefined) {
        const source = await open()
        if (cancelled) { await source.cancel().catch(() => {}); return }
        reader = source.getReader()
      }
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    async cancel (reason) {
      cancelled = true
      await reader?.cancel(reason)
    }
  }, { highWaterMark: 0 })
}
