/**
 * Stores bound for one peer, sent together.
 *
 * Every put stores a shard of each stripe and a copy of its manifest on
 * each of several peers; many small puts at once would be hundreds of
 * requests a second, each signed, verified, written and synced on its own.
 * The batcher sends the stores bound for a peer at the end of the current
 * task (so the shards and manifest copies a put hands out together leave
 * together, and a lone store waits for nothing) when fewer than `inFlight`
 * requests to that peer are under way, and otherwise holds them until one
 * of those is answered; then everything that gathered leaves in one
 * store-many request (up to `maxShards` shards and `maxBytes` bytes; the
 * rest in the next). Each store settles on its own:
 * with its shard's answer, or with the request's error when the whole
 * request failed.
 */
import type { CID } from 'multiformats/cid'
import type { StoreLease } from '../net/shard/index.ts'

export interface BatcherInit {
  /** store-many requests under way to one peer at once */
  inFlight: number
  /** shards in one request */
  maxShards: number
  /** bytes of shards in one request (a larger shard goes alone) */
  maxBytes: number
}

export interface BatchItem {
  id: CID
  bytes: Uint8Array
  /** the lease the holder is asked for (src/net/shard: StoreLease) */
  lease?: StoreLease
}

/** Sends one request to `peer`; per item, undefined when kept, else its error. Rejects when the request failed as a whole. */
export type SendBatch = (peer: string, items: BatchItem[]) => Promise<Array<Error | undefined>>

interface Waiting extends BatchItem {
  resolve: () => void
  reject: (err: unknown) => void
}

interface PeerQueue {
  waiting: Waiting[]
  inFlight: number
  /** a flush is due at the end of this task */
  scheduled: boolean
}

export class StoreBatcher {
  readonly #send: SendBatch
  readonly #init: BatcherInit
  readonly #peers = new Map<string, PeerQueue>()

  constructor (send: SendBatch, init: BatcherInit) {
    this.#send = send
    this.#init = init
  }

  /** Store `bytes` as `id` on `peer`, together with whatever else is bound there. */
  async store (peer: string, id: CID, bytes: Uint8Array, lease?: StoreLease): Promise<void> {
    let queue = this.#peers.get(peer)
    if (queue === undefined) {
      queue = { waiting: [], inFlight: 0, scheduled: false }
      this.#peers.set(peer, queue)
    }
    const done = new Promise<void>((resolve, reject) => { queue.waiting.push({ id, bytes, ...(lease !== undefined ? { lease } : {}), resolve, reject }) })
    if (!queue.scheduled) {
      queue.scheduled = true
      queueMicrotask(() => { queue.scheduled = false; this.#flush(peer, queue) })
    }
    await done
  }

  /** Requests under way and stores waiting, over all peers (tests, diagnostics). */
  get pending (): { requests: number, waiting: number } {
    let requests = 0
    let waiting = 0
    for (const q of this.#peers.values()) { requests += q.inFlight; waiting += q.waiting.length }
    return { requests, waiting }
  }

  #flush (peer: string, queue: PeerQueue): void {
    while (queue.inFlight < this.#init.inFlight && queue.waiting.length > 0) {
      const batch = this.#take(queue)
      queue.inFlight++
      this.#send(peer, batch).then(results => {
        batch.forEach((item, i) => {
          const err = results[i]
          if (err === undefined) item.resolve()
          else item.reject(err)
        })
      }, (err: unknown) => {
        for (const item of batch) item.reject(err)
      }).finally(() => {
        queue.inFlight--
        if (queue.inFlight === 0 && queue.waiting.length === 0 && !queue.scheduled) this.#peers.delete(peer)
        else this.#flush(peer, queue)
      })
    }
  }

  /** The next request's items: in arrival order, within the limits, at least one. */
  #take (queue: PeerQueue): Waiting[] {
    let bytes = 0
    let n = 0
    for (const item of queue.waiting) {
      if (n > 0 && (n >= this.#init.maxShards || bytes + item.bytes.byteLength > this.#init.maxBytes)) break
      bytes += item.bytes.byteLength
      n++
    }
    return queue.waiting.splice(0, n)
  }
}
