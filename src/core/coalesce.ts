/**
 * One run at a time, and at most one waiting: a task (a save, a backup, a
 * re-read) whose latest run covers every request made before it started.
 *
 * `run()` resolves with the result of a run that began after the call (so
 * whatever the caller changed before calling is included). Calls made
 * before a run starts (it starts a microtask later) share it; calls made
 * while a run is going share the single run that starts after it. A failed
 * run rejects the calls that shared it and does not stop the next.
 */
export class Coalescer<T> {
  readonly #task: () => Promise<T>
  #running?: Promise<T>
  #waiting?: Promise<T>

  constructor (task: () => Promise<T>) {
    this.#task = task
  }

  /** a run is going */
  get running (): boolean { return this.#running !== undefined }

  /** a run waits to start (for the current one to end, or for the next microtask) */
  get waiting (): boolean { return this.#waiting !== undefined }

  run (): Promise<T> {
    if (this.#waiting !== undefined) return this.#waiting
    const previous = this.#running
    const current: Promise<T> = (previous === undefined ? Promise.resolve() : previous.then(() => {}, () => {})).then(async () => {
      // from here on, a request needs the run after this one
      this.#waiting = undefined
      this.#running = current
      try {
        return await this.#task()
      } finally {
        if (this.#running === current) this.#running = undefined
      }
    })
    this.#waiting = current
    return current
  }

  /** Resolves once nothing runs or waits (whatever the runs' outcomes). */
  async idle (): Promise<void> {
    while (this.#running !== undefined || this.#waiting !== undefined) {
      await (this.#waiting ?? this.#running)?.then(() => {}, () => {})
    }
  }
}
