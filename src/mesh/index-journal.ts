/**
 * The changes an index has made in memory and not yet written, each with
 * the steps that take it back (./index-store.ts keeps one).
 *
 * A change is made at once: `make` runs it, and while it runs every step it
 * takes is recorded (`record`) with how to take it back. A change that
 * throws is taken back at once and rethrows; one that recorded no step
 * altered nothing and is not kept. The rest are kept, oldest first, until a
 * save ends:
 * - a save that was written carried the oldest `count` changes
 *   (`written(count)`): they are forgotten, and never taken back;
 * - a save that failed (`rollBack(count)`) takes back exactly the oldest
 *   `count` changes (their callers get the save's error). Every kept change
 *   is taken back, newest first and each one's steps last first, down to the
 *   state last written; the changes made after the failed save started are
 *   then made again on top of it, oldest first. One that no longer applies
 *   (it throws: it built on a change that was taken back, as an add of a
 *   name that a failed rename had freed) is dropped, and its caller gets why
 *   from `outcome()`; one that now alters nothing (a retag of a file whose
 *   add failed) is no longer kept, and its caller gets what it now returns.
 * A change's `make` runs again on a rollback, so it must read the state it
 * changes rather than capture it, and must not make another change.
 */

/** A change as its caller sees it. */
export interface MadeChange<T> {
  /** the change altered something, so it waits for a save */
  readonly pending: boolean
  /** what the change returned when it was last made; throws why it was dropped, if a rollback dropped it */
  outcome: () => T
}

class Change<Step, T> implements MadeChange<T> {
  readonly make: () => T
  result?: T
  steps: Step[] = []
  dropped?: { reason: unknown }

  constructor (make: () => T) {
    this.make = make
  }

  get pending (): boolean {
    return this.steps.length > 0
  }

  outcome (): T {
    if (this.dropped !== undefined) throw this.dropped.reason
    return this.result as T
  }
}

/** Unwritten changes with their undo steps (see the module header); `revert` takes back one step. */
export class ChangeJournal<Step> {
  readonly #revert: (step: Step) => void
  /** changes made and not yet written, oldest first */
  #unsaved: Array<Change<Step, unknown>> = []
  /** where the change being made records its steps */
  #recording?: Step[]

  constructor (revert: (step: Step) => void) {
    this.#revert = revert
  }

  /** Changes made and not yet written: a save that starts now carries this many. */
  get size (): number {
    return this.#unsaved.length
  }

  /** Record how to take back a step of the change being made (outside a change, as while loading, nothing is recorded). */
  record (step: Step): void {
    this.#recording?.push(step)
  }

  /** Make a change now and keep it until a save carrying it ends; a change that throws is taken back and rethrows. */
  make<T> (make: () => T): MadeChange<T> {
    const change = new Change<Step, T>(make)
    this.#make(change)
    if (change.pending) this.#unsaved.push(change)
    return change
  }

  /** A save carrying the oldest `count` changes was written. */
  written (count: number): void {
    this.#unsaved.splice(0, count)
  }

  /** A save carrying the oldest `count` changes failed: take them back, keep the later ones that still apply. */
  rollBack (count: number): void {
    const unsaved = this.#unsaved
    this.#unsaved = []
    for (let i = unsaved.length - 1; i >= 0; i--) this.#undo(unsaved[i] as Change<Step, unknown>)
    for (const change of unsaved.slice(count)) {
      try {
        this.#make(change)
        if (change.pending) this.#unsaved.push(change)
      } catch (err) {
        change.dropped = { reason: err }
      }
    }
  }

  /** Make (or make again) a change, recording its steps; one that throws is undone and rethrows. */
  #make (change: Change<Step, unknown>): void {
    change.steps = []
    this.#recording = change.steps
    try {
      change.result = change.make()
    } catch (err) {
      this.#undo(change)
      throw err
    } finally {
      this.#recording = undefined
    }
  }

  #undo (change: Change<Step, unknown>): void {
    for (let i = change.steps.length - 1; i >= 0; i--) this.#revert(change.steps[i] as Step)
  }
}
