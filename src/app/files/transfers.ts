/**
 * Downloads in progress (a file, or several as one ZIP): progress, speed,
 * time left, cancel, and how each ended. The work itself is a task given to
 * `start`, which gets an AbortSignal and reports the bytes done; so this
 * list stays pure and testable, and the view decides where the bytes go.
 */
import { errorMessage } from './error-message.ts'
import { RateMeter, timeLeft } from '../ui/rate.ts'

export type TransferStatus = 'running' | 'done' | 'failed' | 'cancelled'

export interface Transfer {
  id: number
  label: string
  /** bytes expected, when known */
  size?: number
  status: TransferStatus
  bytesDone: number
  /** bytes per second while running */
  rate: number
  /** seconds left, while running and known */
  eta?: number
  /** what the task said when it finished (e.g. how the file was saved) */
  result?: string
  error?: string
}

export interface TransferTask {
  signal: AbortSignal
  /** bytes done so far */
  progress: (bytesDone: number) => void
  /** the bytes expected, once the task knows */
  setSize: (size: number) => void
}

export class TransferList {
  readonly #now: () => number
  readonly #onChange: (() => void) | undefined
  #items: Array<{ transfer: Transfer, controller: AbortController, meter: RateMeter }> = []
  #nextId = 1

  constructor (init: { now?: () => number, onChange?: () => void } = {}) {
    this.#now = init.now ?? (() => Date.now())
    this.#onChange = init.onChange
  }

  /** Run `task` as a transfer; resolves with how it ended (never rejects). */
  async start (label: string, size: number | undefined, task: (t: TransferTask) => Promise<string | undefined | void>): Promise<Transfer> {
    const controller = new AbortController()
    const meter = new RateMeter()
    const transfer: Transfer = { id: this.#nextId++, label, ...(size !== undefined ? { size } : {}), status: 'running', bytesDone: 0, rate: 0 }
    this.#items.push({ transfer, controller, meter })
    meter.sample(this.#now(), 0)
    this.#changed()
    const progress = (bytesDone: number): void => {
      if (transfer.status !== 'running') return
      transfer.bytesDone = bytesDone
      meter.sample(this.#now(), bytesDone)
      transfer.rate = meter.rate()
      const eta = transfer.size !== undefined ? timeLeft(transfer.size - bytesDone, transfer.rate) : undefined
      if (eta !== undefined) transfer.eta = eta; else delete transfer.eta
      this.#changed()
    }
    try {
      const setSize = (size: number): void => { transfer.size = size; this.#changed() }
      const result = await task({ signal: controller.signal, progress, setSize })
      if (controller.signal.aborted) {
        transfer.status = 'cancelled'
      } else {
        transfer.status = 'done'
        if (transfer.size !== undefined) transfer.bytesDone = transfer.size
        if (typeof result === 'string') transfer.result = result
      }
    } catch (err) {
      // an AbortError without our abort: the person closed the save dialog
      if (controller.signal.aborted || (err instanceof Error && err.name === 'AbortError')) {
        transfer.status = 'cancelled'
      } else {
        transfer.status = 'failed'
        transfer.error = errorMessage(err)
      }
    }
    transfer.rate = 0
    delete transfer.eta
    this.#changed()
    return { ...transfer }
  }

  cancel (id: number): void {
    const item = this.#items.find(i => i.transfer.id === id)
    if (item === undefined || item.transfer.status !== 'running') return
    item.controller.abort()
    // the task stops at its next await; show it at once
    item.transfer.status = 'cancelled'
    item.transfer.rate = 0
    delete item.transfer.eta
    this.#changed()
  }

  /** Forget finished transfers (all, or one). */
  clearFinished (id?: number): void {
    this.#items = this.#items.filter(i => i.transfer.status === 'running' || (id !== undefined && i.transfer.id !== id))
    this.#changed()
  }

  get items (): Transfer[] {
    return this.#items.map(i => ({ ...i.transfer }))
  }

  #changed (): void {
    this.#onChange?.()
  }
}
