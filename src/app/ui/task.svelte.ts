/**
 * One thing a dialog does at a time (save, import, delete, look up): busy
 * while it runs, and afterwards what went wrong, worded for a person, or
 * nothing. A failure is kept, never thrown, so the dialog shows it in place.
 */
export class Task {
  busy = $state(false)
  failure = $state<string | undefined>()
  readonly #describe: (err: unknown) => string

  /** `describe` words a failure: the view's own errorMessage, with any wording of its own */
  constructor (describe: (err: unknown) => string) {
    this.#describe = describe
  }

  /** Run `work` (the failure of the last run is cleared first). */
  async run (work: () => Promise<void>): Promise<void> {
    this.busy = true
    this.failure = undefined
    try {
      await work()
    } catch (err) {
      this.failure = this.#describe(err)
    } finally {
      this.busy = false
    }
  }
}
