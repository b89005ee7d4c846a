/**
 * The upload queue: files wait their turn and go up `concurrency` at a time
 * (2 by default: enough to keep the peers busy without two dozen puts
 * fighting for the same links). Each can be cancelled (its put gets an
 * aborted signal) or retried; a name already in the index becomes
 * "name (2).ext" and so on; progress, speed and time left per file and for
 * the whole queue. Pure: the put function, the names in use and the clock
 * are given, so it runs the same in a test.
 */
import type { MeshProgressEvent, PutResult } from '../../mesh/types.ts'
import { errorMessage } from './error-message.ts'
import { freeName } from './names.ts'
import { advance, NO_PROGRESS, putFraction, type PutProgress } from './progress.ts'
import { RateMeter, timeLeft } from '../ui/rate.ts'

export interface UploadRequest {
  data: Blob
  /** the name in the index; may carry a relative folder path ("photos/a.jpg") */
  name: string
  type?: string
  tags?: string[]
}

export type PutFunction = (data: Blob, options: {
  name: string
  type?: string
  tags?: string[]
  signal: AbortSignal
  onProgress: (event: MeshProgressEvent) => void
}) => Promise<PutResult>

export type UploadStatus = 'queued' | 'uploading' | 'cancelling' | 'done' | 'failed' | 'cancelled'

/** One file of the queue, as the view shows it (a copy: changing it changes nothing). */
export interface UploadItem {
  id: number
  /** the name that was asked for */
  requested: string
  /** the name it is (or was) stored under: differs from `requested` after a collision */
  name: string
  size: number
  type: string
  status: UploadStatus
  /** 0 … 1 */
  fraction: number
  shardsStored: number
  /** bytes per second, while uploading */
  rate: number
  /** seconds left, while uploading and known */
  eta?: number
  /** durability warnings of the finished put */
  warnings: string[]
  /** why it failed */
  error?: string
  errorName?: string
  /** the file key, once stored */
  key?: string
}

export interface QueueTotals {
  files: number
  queued: number
  active: number
  done: number
  failed: number
  cancelled: number
  /** bytes of the files still counted (queued, uploading, done) */
  bytesTotal: number
  bytesDone: number
  /** 0 … 1 over those bytes */
  fraction: number
  /** bytes per second, all files together */
  rate: number
  /** seconds left for the whole queue, when known */
  eta?: number
}

export interface UploadQueueInit {
  put: PutFunction
  /** names already in the index */
  taken: () => Iterable<string>
  /** puts at once (default 2) */
  concurrency?: number
  /** shards per stripe (k + m), for the progress of storing (default 6) */
  shardsPerStripe?: () => number
  /** ms clock (default Date.now) */
  now?: () => number
  /** called after anything changed */
  onChange?: () => void
}

/** tries with a new name after AlreadyExistsError before giving up */
const MAX_RENAMES = 50

interface Entry {
  item: UploadItem
  request: UploadRequest
  controller?: AbortController
  progress: PutProgress
  meter: RateMeter
  /** names the index refused for this file */
  refused: Set<string>
}

export class UploadQueue {
  readonly #init: Required<Omit<UploadQueueInit, 'onChange'>> & Pick<UploadQueueInit, 'onChange'>
  #entries: Entry[] = []
  #nextId = 1
  #running = 0
  #meter = new RateMeter()
  #idle: Array<() => void> = []

  constructor (init: UploadQueueInit) {
    this.#init = { concurrency: 2, shardsPerStripe: () => 6, now: () => Date.now(), ...init }
    if (!(this.#init.concurrency >= 1)) throw new RangeError('concurrency must be at least 1')
  }

  /** Queue files; they start as slots free up. Returns their ids. */
  add (requests: Iterable<UploadRequest>): number[] {
    const ids: number[] = []
    for (const request of requests) {
      const id = this.#nextId++
      ids.push(id)
      this.#entries.push({
        request,
        item: { id, requested: request.name, name: request.name, size: request.data.size, type: request.type ?? '', status: 'queued', fraction: 0, shardsStored: 0, rate: 0, warnings: [] },
        progress: NO_PROGRESS,
        meter: new RateMeter(),
        refused: new Set()
      })
    }
    this.#pump()
    this.#changed()
    return ids
  }

  /** The queue, oldest first (copies). */
  get items (): UploadItem[] {
    return this.#entries.map(e => ({ ...e.item, warnings: [...e.item.warnings] }))
  }

  /** Stop one file: a queued one never starts, a running one has its put aborted. */
  cancel (id: number): void {
    const e = this.#find(id)
    if (e === undefined) return
    if (e.item.status === 'queued') {
      e.item.status = 'cancelled'
    } else if (e.item.status === 'uploading') {
      e.item.status = 'cancelling'
      e.controller?.abort()
    } else {
      return
    }
    this.#settleIfIdle()
    this.#changed()
  }

  cancelAll (): void {
    for (const e of this.#entries) {
      if (e.item.status === 'queued') e.item.status = 'cancelled'
      else if (e.item.status === 'uploading') { e.item.status = 'cancelling'; e.controller?.abort() }
    }
    this.#settleIfIdle()
    this.#changed()
  }

  /** Queue a failed or cancelled file again. */
  retry (id: number): void {
    const e = this.#find(id)
    if (e === undefined || (e.item.status !== 'failed' && e.item.status !== 'cancelled')) return
    const { error, errorName, eta, ...rest } = e.item
    e.item = { ...rest, name: e.item.requested, status: 'queued', fraction: 0, shardsStored: 0, rate: 0, warnings: [] }
    e.progress = NO_PROGRESS
    e.meter.reset()
    this.#pump()
    this.#changed()
  }

  /** Forget the files that are done, failed or cancelled. */
  clearFinished (): void {
    this.#entries = this.#entries.filter(e => !isFinished(e.item.status))
    this.#changed()
  }

  totals (): QueueTotals {
    const count = (s: UploadStatus): number => this.#entries.filter(e => e.item.status === s).length
    const counted = this.#entries.filter(e => e.item.status === 'queued' || e.item.status === 'uploading' || e.item.status === 'done')
    const bytesTotal = counted.reduce((n, e) => n + e.item.size, 0)
    const bytesDone = this.#bytesDone()
    const active = count('uploading') + count('cancelling')
    const rate = active > 0 ? this.#meter.rate() : 0
    const eta = active > 0 ? timeLeft(bytesTotal - bytesDone, rate) : undefined
    return {
      files: this.#entries.length,
      queued: count('queued'),
      active,
      done: count('done'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      bytesTotal,
      bytesDone,
      fraction: bytesTotal === 0 ? (counted.length > 0 && counted.every(e => e.item.status === 'done') ? 1 : 0) : bytesDone / bytesTotal,
      rate,
      ...(eta !== undefined ? { eta } : {})
    }
  }

  /** Resolves once nothing is queued or running. */
  async idle (): Promise<void> {
    if (!this.#busy()) return
    await new Promise<void>(resolve => { this.#idle.push(resolve) })
  }

  #find (id: number): Entry | undefined {
    return this.#entries.find(e => e.item.id === id)
  }

  #busy (): boolean {
    return this.#running > 0 || this.#entries.some(e => e.item.status === 'queued')
  }

  #bytesDone (): number {
    return this.#entries.reduce((n, e) => {
      const s = e.item.status
      return s === 'done' ? n + e.item.size : s === 'uploading' ? n + e.item.fraction * e.item.size : n
    }, 0)
  }

  #changed (): void {
    this.#init.onChange?.()
  }

  #settleIfIdle (): void {
    if (this.#busy()) return
    const waiting = this.#idle
    this.#idle = []
    for (const resolve of waiting) resolve()
  }

  #pump (): void {
    while (this.#running < this.#init.concurrency) {
      const next = this.#entries.find(e => e.item.status === 'queued')
      if (next === undefined) break
      this.#running++
      void this.#run(next).finally(() => {
        this.#running--
        this.#pump()
        this.#settleIfIdle()
        this.#changed()
      })
    }
  }

  /** names no other file may take now: the index's, and those of the puts in flight */
  #takenFor (entry: Entry): Set<string> {
    const taken = new Set(this.#init.taken())
    for (const e of this.#entries) {
      if (e !== entry && (e.item.status === 'uploading' || e.item.status === 'cancelling')) taken.add(e.item.name)
    }
    for (const name of entry.refused) taken.add(name)
    return taken
  }

  async #run (entry: Entry): Promise<void> {
    const controller = new AbortController()
    entry.controller = controller
    entry.item.status = 'uploading'
    entry.meter.reset()
    entry.meter.sample(this.#init.now(), 0)
    this.#meter.sample(this.#init.now(), this.#bytesDone())
    const { data, type, tags } = entry.request
    try {
      await this.#attempts(entry, controller, data, type, tags)
    } finally {
      delete entry.controller
    }
  }

  /** put under a free name, and again under the next one while the index says it is taken */
  async #attempts (entry: Entry, controller: AbortController, data: Blob, type?: string, tags?: string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      entry.item.name = freeName(entry.item.requested, this.#takenFor(entry))
      entry.progress = NO_PROGRESS
      entry.item.fraction = 0
      entry.item.shardsStored = 0
      this.#changed()
      try {
        const result = await this.#init.put(data, {
          name: entry.item.name,
          ...(type !== undefined && type !== '' ? { type } : {}),
          ...(tags !== undefined ? { tags } : {}),
          signal: controller.signal,
          onProgress: event => { if (!controller.signal.aborted) this.#progress(entry, event) }
        })
        entry.item = { ...entry.item, status: 'done', fraction: 1, rate: 0, key: result.key, warnings: [...result.warnings] }
        delete entry.item.eta
        this.#meter.sample(this.#init.now(), this.#bytesDone())
        return
      } catch (err) {
        if (controller.signal.aborted) {
          entry.item.status = 'cancelled'
        } else if (err instanceof Error && err.name === 'AlreadyExistsError' && attempt < MAX_RENAMES) {
          entry.refused.add(entry.item.name)
          continue
        } else {
          entry.item.status = 'failed'
          entry.item.error = errorMessage(err)
          entry.item.errorName = err instanceof Error ? err.name : 'Error'
        }
        entry.item.rate = 0
        delete entry.item.eta
        return
      }
    }
  }

  #progress (entry: Entry, event: MeshProgressEvent): void {
    entry.progress = advance(entry.progress, event)
    const { item } = entry
    const fraction = putFraction(entry.progress, item.size, this.#init.shardsPerStripe())
    item.fraction = Math.max(item.fraction, Math.min(fraction, 0.999)) // 1 only once the put returned
    item.shardsStored = entry.progress.shardsStored
    const now = this.#init.now()
    entry.meter.sample(now, item.fraction * item.size)
    item.rate = entry.meter.rate()
    const eta = timeLeft(item.size * (1 - item.fraction), item.rate)
    if (eta !== undefined) item.eta = eta; else delete item.eta
    this.#meter.sample(now, this.#bytesDone())
    this.#changed()
  }
}

export function isFinished (status: UploadStatus): boolean {
  return status === 'done' || status === 'failed' || status === 'cancelled'
}
