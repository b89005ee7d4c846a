/**
 * WorkerPoolCodec: the browser's StripeCodec. Stripes go to the least busy
 * of N module workers (two when the machine has the cores), so the page's
 * thread only reads input and moves buffers.
 */
import { CID } from 'multiformats/cid'
import type { DecodeJob, EncodeJob, StripeCodec } from '../codec.ts'
import { DataMeshError, reviveError } from '../errors.ts'
import type { DecodeResult, EncodedStripe } from '../stripe.ts'
import type { WorkerRequest, WorkerResponse, WireEncoded } from './messages.ts'

interface Pending {
  resolve: (r: WorkerResponse) => void
  reject: (e: Error) => void
}

interface Slot {
  worker: Worker
  busy: number
}

/** Workers worth starting on this machine: two when it has the cores, else one. */
export function defaultWorkerCount (): number {
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 1
  return cores >= 2 ? 2 : 1
}

export class WorkerPoolCodec implements StripeCodec {
  readonly parallelism: number
  readonly #slots: Slot[] = []
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #closed = false

  constructor (workers = defaultWorkerCount()) {
    this.parallelism = Math.max(1, workers)
    for (let i = 0; i < this.parallelism; i++) {
      const worker = new Worker(new URL('./pipeline.worker.ts', import.meta.url), { type: 'module', name: `datamesh-pipeline-${i}` })
      worker.onmessage = (e: MessageEvent<WorkerResponse>) => { this.#settle(e.data) }
      worker.onerror = (e) => { this.#fail(new DataMeshError(`Pipeline worker failed: ${e.message}`)) }
      this.#slots.push({ worker, busy: 0 })
    }
  }

  #settle (res: WorkerResponse): void {
    const p = this.#pending.get(res.id)
    if (p === undefined) return
    this.#pending.delete(res.id)
    p.resolve(res)
  }

  #fail (err: Error): void {
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }

  async #call (req: Omit<WorkerRequest, 'id'>, transfer: Transferable[]): Promise<WorkerResponse> {
    if (this.#closed) throw new DataMeshError('The worker pool is closed')
    const slot = this.#slots.reduce((a, b) => (b.busy < a.busy ? b : a))
    const id = this.#nextId++
    slot.busy++
    try {
      return await new Promise<WorkerResponse>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject })
        slot.worker.postMessage({ ...req, id } as WorkerRequest, transfer)
      })
    } finally {
      slot.busy--
    }
  }

  async encode (job: EncodeJob): Promise<EncodedStripe> {
    const transfer: Transferable[] = []
    const plain = job.plain instanceof Uint8Array ? compact(job.plain, transfer) : job.plain
    const res = await this.#call({ op: 'encode', job: { ...job, plain } }, transfer)
    if (!res.ok) throw reviveError(res.error)
    return fromWire((res as { result: WireEncoded }).result)
  }

  async decode (job: DecodeJob): Promise<DecodeResult> {
    const record = { shards: job.record.shards.map(c => c.bytes) }
    const transfer: Transferable[] = []
    const shards = job.shards.map(s => s === undefined ? undefined : compact(s, transfer))
    const res = await this.#call({ op: 'decode', job: { ...job, record, shards } }, transfer)
    if (!res.ok) throw reviveError(res.error)
    return (res as { result: DecodeResult }).result
  }

  close (): void {
    if (this.#closed) return
    this.#closed = true
    for (const s of this.#slots) s.worker.terminate()
    this.#fail(new DataMeshError('The worker pool was closed'))
  }
}

/**
 * A private copy of `bytes` in a buffer of its own, queued for transfer.
 * Posting a view would clone its whole underlying buffer (a 64 MiB file for
 * each 4 MiB stripe), and transferring the caller's buffer would detach it.
 */
function compact (bytes: Uint8Array, transfer: Transferable[]): Uint8Array {
  const copy = bytes.slice()
  transfer.push(copy.buffer)
  return copy
}

function fromWire (w: WireEncoded): EncodedStripe {
  const total = w.cids.length
  const data: Uint8Array[] = []
  for (let i = 0; i < total; i++) data.push(new Uint8Array(w.buffer, i * w.shardSize, w.shardSize))
  return { index: w.index, plainLength: w.plainLength, shardSize: w.shardSize, data, shards: w.cids.map(b => CID.decode(b)) }
}
