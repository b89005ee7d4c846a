/**
 * The lock that serialises a store's writes (quota check + medium write +
 * index update happen as one step), in arrival order.
 *
 * Invariant: at most one `run` callback executes at a time; a waiter whose
 * signal aborts leaves at once with AbortedError, and the lock still passes
 * on in order.
 */
import { AbortedError, throwIfAborted } from '../core/errors.ts'

export class WriteLock {
  #tail: Promise<void> = Promise.resolve()

  async run<T> (fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const prev = this.#tail
    let release!: () => void
    this.#tail = new Promise<void>(resolve => { release = resolve })
    try {
      await untilAborted(prev, signal)
      return await fn()
    } finally {
      // the next waiter runs only after both the previous holder and this one
      void prev.then(release)
    }
  }
}

async function untilAborted (p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) { await p; return }
  throwIfAborted(signal)
  let onAbort: (() => void) | undefined
  try {
    await Promise.race([p, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(new AbortedError()) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}
