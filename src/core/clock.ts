/**
 * The clock port of the code that waits (audits, repair, leases,
 * collection): the time, and a wait that a signal cuts short. Logic takes
 * a Clock instead of reading Date.now or setting timers, so tests step it
 * and the simulation (sim/) drives it on virtual time; `systemClock` is the
 * real one.
 */
export interface Clock {
  /** ms since the Unix epoch */
  now: () => number
  /** resolves after `ms`, or rejects with the signal's reason once it aborts */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) { reject(signal.reason); return }
      const timer = setTimeout(() => { signal?.removeEventListener('abort', abort); resolve() }, Math.max(0, ms))
      const abort = (): void => { clearTimeout(timer); reject(signal?.reason) }
      signal?.addEventListener('abort', abort, { once: true })
    })
  }
}
