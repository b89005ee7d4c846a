/** Streams and ports for the download tests, in Node and in the browser. */

export interface Source {
  stream: ReadableStream<Uint8Array>
  /** chunks the consumer has pulled so far */
  readonly pulled: () => number
  /** the reason the stream was cancelled with, once it was */
  readonly cancelled: () => { reason: unknown } | undefined
}

/** `count` chunks of `size` bytes, chunk i filled with (i + j) % 256; pulled lazily (high-water mark 0) */
export function chunkedSource (count: number, size: number, options: { failAt?: number } = {}): Source {
  let i = 0
  let cancelled: { reason: unknown } | undefined
  const pattern = Uint8Array.from({ length: size + 256 }, (_, k) => k % 256)
  const stream = new ReadableStream<Uint8Array>({
    pull (controller) {
      if (options.failAt === i) {
        controller.error(new Error(`source failed at chunk ${i}`))
        return
      }
      if (i === count) {
        controller.close()
        return
      }
      controller.enqueue(pattern.slice(i % 256, i % 256 + size))
      i++
    },
    cancel (reason) { cancelled = { reason } }
  }, { highWaterMark: 0 })
  return { stream, pulled: () => i, cancelled: () => cancelled }
}

export function expectedBytes (count: number, size: number): Uint8Array {
  const pattern = Uint8Array.from({ length: size + 256 }, (_, k) => k % 256)
  const out = new Uint8Array(count * size)
  for (let i = 0; i < count; i++) out.set(pattern.subarray(i % 256, i % 256 + size), i * size)
  return out
}

export async function readAll (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** resolves with the next message on `port` that `match`es */
export async function nextMessage (port: MessagePort, match: (data: { type: string }) => boolean): Promise<{ type: string, reason?: string }> {
  return await new Promise(resolve => {
    const onMessage = (event: MessageEvent<{ type: string }>): void => {
      if (!match(event.data)) return
      port.removeEventListener('message', onMessage)
      resolve(event.data)
    }
    port.addEventListener('message', onMessage)
    port.start()
  })
}

export async function until (condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** byte equality without the deep-equality machinery, which is slow on large arrays */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
