/**
 * Provider announcements in the background, so that storing a shard never
 * waits for the DHT.
 *
 * A kad-dht `provide` is a lookup of the key's closest peers followed by an
 * ADD_PROVIDER message to each of them: a dozen or more streams, measured at
 * 25–65 ms of CPU per announcement in a mesh of eight DHT servers, while
 * storing a small shard costs a fraction of that. Holders therefore queue
 * what they announce:
 *
 * - an id already waiting or being announced is not queued again (a
 *   repeated store, a retry);
 * - at most `concurrency` announcements run at once, started at least
 *   `interval` ms apart, so a burst of stores becomes a steady trickle of
 *   DHT work instead of starving the node;
 * - at most `maxPending` announcements wait; beyond that new ones are
 *   dropped and counted (readers still find those shards through the
 *   placement hints in the manifest and by asking connected peers);
 * - each announcement gets `timeout` ms, failures are counted and logged.
 *
 * Several nodes of one process (the relay's storage peers) can share one
 * queue, so that their DHT work together stays within one budget: a task
 * carries its own provide function and a key that names node and shard.
 *
 * Withdrawing (a holder deleted or collected a shard): libp2p has no way
 * to take back a provider record another DHT server holds; it lapses there
 * after kad-dht's provide validity (48 h) unless provided again. What the
 * holder can do, `withdrawer` does: cancel the shard's announcement when
 * it still waits or runs, and delete its own provider record from its
 * local datastore, so kad-dht's reprovider never announces it again and the
 * node no longer lists itself when asked locally.
 */
import type { Logger } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import { providerKey } from './dht-keys.ts'

const second = 1000

export interface AnnounceQueueInit {
  /** announcements running at once (default 1) */
  concurrency?: number
  /** ms between the starts of two announcements (default 250: at most 4 a second) */
  interval?: number
  /** announcements waiting at most; later ones are dropped (default 65,536) */
  maxPending?: number
  /** ms one announcement may take (default 30 s) */
  timeout?: number
  log?: Logger
}

export type AnnounceTask = (options: { signal: AbortSignal }) => Promise<unknown>

export interface AnnounceStats {
  /** waiting to start */
  pending: number
  /** running now */
  running: number
  announced: number
  failed: number
  /** refused because `maxPending` were already waiting */
  dropped: number
}

export const DEFAULT_ANNOUNCE: Readonly<Required<Omit<AnnounceQueueInit, 'log'>>> = Object.freeze({
  /**
   * one at a time, a few a second: measured on a 2-core machine, 20 a second
   * took most of a core and cut small puts to a third
   */
  concurrency: 1,
  interval: 250,
  /** ~100 bytes each: a few MiB at most */
  maxPending: 65_536,
  timeout: 30 * second
})

export class AnnounceQueue {
  readonly #init: Required<Omit<AnnounceQueueInit, 'log'>>
  readonly #log?: Logger
  /** insertion order is the order of announcement */
  readonly #pending = new Map<string, AnnounceTask>()
  readonly #running = new Map<string, AbortController>()
  readonly #idle = new Set<() => void>()
  #timer?: ReturnType<typeof setTimeout>
  #lastStart = -Infinity
  #stopped = false
  #controller = new AbortController()
  #announced = 0
  #failed = 0
  #dropped = 0

  constructor (init: AnnounceQueueInit = {}) {
    const defined = Object.fromEntries(Object.entries(init).filter(([k, v]) => v !== undefined && k !== 'log'))
    this.#init = { ...DEFAULT_ANNOUNCE, ...defined }
    for (const [name, min] of [['concurrency', 1], ['interval', 0], ['maxPending', 0], ['timeout', 1]] as const) {
      const value = this.#init[name]
      if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be a whole number >= ${min}`)
    }
    if (init.log !== undefined) this.#log = init.log
  }

  /**
   * Queue `task` under `key`; false when it was not queued (the same key is
   * already waiting, the queue is full, or stopped). Never waits.
   */
  add (key: string, task: AnnounceTask): boolean {
    if (this.#stopped || this.#pending.has(key) || this.#running.has(key)) return false
    if (this.#pending.size >= this.#init.maxPending) {
      this.#dropped++
      if (this.#dropped === 1 || this.#dropped % 1000 === 0) this.#log?.('announce queue full: %d announcements dropped so far', this.#dropped)
      return false
    }
    this.#pending.set(key, task)
    this.#pump()
    return true
  }

  get stats (): AnnounceStats {
    return { pending: this.#pending.size, running: this.#running.size, announced: this.#announced, failed: this.#failed, dropped: this.#dropped }
  }

  /** Take `key` back: dropped if it waits, aborted if it runs; false when it is neither. */
  cancel (key: string): boolean {
    if (this.#pending.delete(key)) {
      this.#settleIdle()
      return true
    }
    const running = this.#running.get(key)
    if (running === undefined) return false
    running.abort(new DOMException('The announcement was withdrawn', 'AbortError'))
    return true
  }

  /** Resolves once nothing waits and nothing runs. */
  async onIdle (): Promise<void> {
    if (this.#isIdle()) return
    await new Promise<void>(resolve => { this.#idle.add(resolve) })
  }

  /** Drop what waits and abort what runs; later adds are refused. */
  stop (): void {
    this.#stopped = true
    this.#pending.clear()
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#controller.abort()
    this.#settleIdle()
  }

  #isIdle (): boolean {
    return this.#pending.size === 0 && this.#running.size === 0
  }

  #settleIdle (): void {
    if (!this.#isIdle() && !this.#stopped) return
    for (const resolve of this.#idle) resolve()
    this.#idle.clear()
  }

  #pump (): void {
    if (this.#stopped || this.#timer !== undefined) return
    while (this.#running.size < this.#init.concurrency && this.#pending.size > 0) {
      const wait = this.#lastStart + this.#init.interval - Date.now()
      if (wait > 0) {
        this.#timer = setTimeout(() => { this.#timer = undefined; this.#pump() }, wait)
        return
      }
      const [key, task] = this.#pending.entries().next().value as [string, AnnounceTask]
      this.#pending.delete(key)
      this.#start(key, task)
    }
  }

  #start (key: string, task: AnnounceTask): void {
    this.#lastStart = Date.now()
    const own = new AbortController()
    this.#running.set(key, own)
    const signal = AbortSignal.any([this.#controller.signal, own.signal, AbortSignal.timeout(this.#init.timeout)])
    let run: Promise<unknown>
    try {
      run = task({ signal })
    } catch (err) {
      run = Promise.reject(err)
    }
    run.then(() => { this.#announced++ }, (err: unknown) => {
      this.#failed++
      if (!this.#stopped) this.#log?.('announcing %s failed - %e', key, err)
    }).finally(() => {
      this.#running.delete(key)
      this.#pump()
      this.#settleIdle()
    })
  }
}

/** The slice of a libp2p node that announces: its peer id and content routing. */
export interface AnnouncingNode {
  peerId: { toString: () => string }
  contentRouting: { provide: (key: CID, options?: { signal?: AbortSignal }) => Promise<void> }
}

/** A function that queues "`node` holds shard `id`" on `queue` (src/net/dht-keys.ts names the DHT key). */
export function announcer (node: AnnouncingNode, queue: AnnounceQueue): (id: string | CID) => void {
  const self = node.peerId.toString()
  return (id) => {
    const shard = id.toString()
    queue.add(`${self}/${shard}`, async ({ signal }) => { await node.contentRouting.provide(providerKey(shard), { signal }) })
  }
}

/** The key kad-dht (datastorePrefix "/dht") keeps `provider`'s record for shard `id` under in a node's datastore. */
export function providerRecordKey (id: string | CID, provider: string): Key {
  return new Key(`/dht/provider/${base32.baseEncode(providerKey(id.toString()).multihash.bytes)}/${provider}`)
}

/** Where a node keeps its own provider records (its libp2p datastore). */
export interface ProviderRecordStore {
  delete: (key: Key) => Promise<void>
}

/**
 * A function that withdraws "`node` holds shard `id`" as far as libp2p
 * allows (see the module header): the queued or running announcement is
 * cancelled, and the node's own provider record deleted from `datastore`
 * when it is given. Never throws; resolves when the record is gone.
 */
export function withdrawer (node: Pick<AnnouncingNode, 'peerId'>, queue: AnnounceQueue, datastore?: ProviderRecordStore, log?: Logger): (id: string | CID) => Promise<void> {
  const self = node.peerId.toString()
  return async (id) => {
    const shard = id.toString()
    queue.cancel(`${self}/${shard}`)
    if (datastore === undefined) return
    try {
      await datastore.delete(providerRecordKey(shard, self))
    } catch (err) {
      log?.('withdrawing the provider record of %s failed - %e', shard, err)
    }
  }
}
