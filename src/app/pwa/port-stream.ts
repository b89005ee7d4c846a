/**
 * A ReadableStream carried over a MessagePort where streams are not
 * transferable (download-protocol.ts, step 4). The receiving side asks for
 * chunks (`pull`, with a count) only while the chunks it has queued plus
 * those it asked for stay within its high-water mark, so a slow consumer (a
 * download to a slow disk) slows the producer instead of filling memory, and
 * a fast one has several chunks in flight.
 */
import type { PageMessage, WorkerMessage } from './download-protocol.ts'

/** chunks the receiving side queues before it stops asking */
export const DEFAULT_HIGH_WATER_MARK = 4

function abortError (message: string): DOMException {
  return new DOMException(message, 'AbortError')
}

/**
 * Answers the receiver's pulls from `stream` until it ends. Resolves when
 * the last chunk and `end` are posted; rejects with an AbortError when the
 * receiver cancels (the source is then cancelled), with `signal.reason` on
 * abort (the receiver sees an error), or with the source's error.
 *
 * Attach it before the receiver may pull: pulls posted earlier are lost.
 */
export async function pumpToPort (stream: ReadableStream<Uint8Array>, port: MessagePort, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = options
  signal?.throwIfAborted()
  const reader = stream.getReader()
  const post = (message: PageMessage): void => { port.postMessage(message) }

  return await new Promise<void>((resolve, reject) => {
    let wanted = 0
    let reading = false
    let finished = false

    const finish = (err?: unknown): void => {
      if (finished) return
      finished = true
      port.removeEventListener('message', onMessage)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err)
    }

    const fail = (err: unknown): void => {
      if (finished) return
      reader.cancel(err).catch(() => {})
      finish(err)
    }

    const onAbort = (): void => {
      post({ type: 'error', message: 'The download was aborted' })
      fail(signal?.reason ?? abortError('The download was aborted'))
    }

    const serve = (): void => {
      if (reading || finished || wanted === 0) return
      wanted--
      reading = true
      reader.read().then(({ done, value }) => {
        reading = false
        if (finished) return
        if (done) {
          post({ type: 'end' })
          finish()
          return
        }
        post({ type: 'chunk', chunk: value })
        serve()
      }, (err: unknown) => {
        reading = false
        post({ type: 'error', message: err instanceof Error ? err.message : String(err) })
        finish(err)
      })
    }

    const onMessage = (event: MessageEvent<WorkerMessage>): void => {
      const message = event.data
      if (message.type === 'pull') {
        if (Number.isSafeInteger(message.count) && message.count > 0) wanted += message.count
        serve()
      } else if (message.type === 'cancel') {
        fail(abortError(`The download was cancelled: ${message.reason}`))
      }
    }

    port.addEventListener('message', onMessage)
    port.start()
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The stream a pumpToPort() on the other end of `port` feeds. Cancelling it
 * tells the sender, which cancels its source.
 */
export function streamFromPort (port: MessagePort, options: { highWaterMark?: number } = {}): ReadableStream<Uint8Array> {
  let arrived: (() => void) | undefined
  let closed = false
  /** chunks asked for and not yet arrived */
  let outstanding = 0

  const settle = (): void => {
    const wake = arrived
    arrived = undefined
    wake?.()
  }

  return new ReadableStream<Uint8Array>({
    start (controller) {
      port.addEventListener('message', (event: MessageEvent<PageMessage>) => {
        if (closed) return
        const message = event.data
        if (message.type === 'chunk') {
          if (message.chunk instanceof Uint8Array) {
            outstanding = Math.max(0, outstanding - 1)
            controller.enqueue(message.chunk)
          } else {
            closed = true
            controller.error(new TypeError('A download chunk must be a Uint8Array'))
          }
        } else if (message.type === 'end') {
          closed = true
          controller.close()
        } else if (message.type === 'error') {
          closed = true
          controller.error(new Error(message.message))
        } else {
          return
        }
        settle()
      })
      port.start()
    },
    async pull (controller) {
      if (closed) return
      const chunk = new Promise<void>(resolve => { arrived = resolve })
      // at least one when a read waits on an empty queue (high-water mark 0)
      const count = Math.max(controller.desiredSize ?? 0, 1) - outstanding
      if (count > 0) {
        outstanding += count
        port.postMessage({ type: 'pull', count } satisfies WorkerMessage)
      }
      await chunk
    },
    cancel (reason: unknown) {
      closed = true
      port.postMessage({ type: 'cancel', reason: reason instanceof Error ? reason.message : String(reason ?? 'cancelled') } satisfies WorkerMessage)
      settle()
    }
  }, new CountQueuingStrategy({ highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK }))
}
