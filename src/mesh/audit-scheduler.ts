/**
 * Audits every holder of every watched shard about once per
 * auditIntervalMs (± auditJitter at random), the first round spread at
 * random over one interval so a node never audits in bursts, at most
 * `concurrency` at a time; each outcome goes to the ledger
 * (./audit-ledger.ts) and to the reputation book. `stripeStatus()` tells
 * the repair planner how each watched stripe stands.
 *
 * Pure logic behind ports (./audit-ports.ts): the clock, the random
 * numbers and nonces, the transport. It reads no system clock and sets no
 * timer, so a simulation runs it on virtual time and tests step it. Due
 * audits wait in a binary heap by due time: each step costs O(log n).
 */
import { AUDIT_NONCE_BYTES, MAX_AUDIT_GROUPS } from '../net/audit/index.ts'
import type { AuditOutcome } from '../net/audit/index.ts'
import { InvalidParametersError } from '../core/errors.ts'
import { AUDIT_DEFAULTS, reputationOutcome, stripeHealth, type AuditLedger, type StripeHealth } from './audit-ledger.ts'
import type { AuditTransport, Clock, Rng } from './audit-ports.ts'
import type { AuditOutcome as ReputationAuditOutcome } from '../net/reputation.ts'

/** A shard to keep watching: its id, its size (from the manifest), its stripe and place in it, and who should hold it. */
export interface WatchedShard {
  id: string
  size: number
  /** the stripe it belongs to (any key: the file key and the stripe index) */
  stripe: string
  /** its index in the stripe */
  index: number
  holders: readonly string[]
}

export interface AuditSchedulerInit {
  clock: Clock
  rng: Rng
  transport: AuditTransport
  ledger: AuditLedger
  /** where outcomes go besides the ledger (the node's ReputationBook) */
  reputation?: { recordAudit: (peer: string, outcome: ReputationAuditOutcome) => void }
  intervalMs?: number
  /** fraction of the interval each due time moves at random, either way (0 to 0.5) */
  jitter?: number
  concurrency?: number
  groups?: number
  /** told of each audit done (metrics, logs) */
  onAudit?: (event: { id: string, peer: string, outcome: AuditOutcome, at: number }) => void
}

interface Task {
  id: string
  peer: string
  dueAt: number
  /** bumped when the task is rescheduled or dropped: heap entries of an older generation are stale */
  generation: number
  running: boolean
}

export class AuditScheduler {
  readonly #init: AuditSchedulerInit
  readonly #intervalMs: number
  readonly #jitter: number
  readonly #concurrency: number
  readonly #groups: number
  readonly #shards = new Map<string, WatchedShard>()
  readonly #tasks = new Map<string, Task>()
  readonly #heap = new DueHeap()
  readonly #running = new Set<Promise<void>>()
  #wake: (() => void) | undefined

  constructor (init: AuditSchedulerInit) {
    this.#init = init
    this.#intervalMs = init.intervalMs ?? AUDIT_DEFAULTS.auditIntervalMs
    this.#jitter = init.jitter ?? AUDIT_DEFAULTS.auditJitter
    this.#concurrency = init.concurrency ?? AUDIT_DEFAULTS.auditConcurrency
    this.#groups = init.groups ?? AUDIT_DEFAULTS.auditGroups
    if (!(this.#intervalMs > 0)) throw new InvalidParametersError('intervalMs must be above 0', { intervalMs: this.#intervalMs })
    if (!(this.#jitter >= 0 && this.#jitter <= 0.5)) throw new InvalidParametersError('jitter must be 0 to 0.5', { jitter: this.#jitter })
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1) throw new InvalidParametersError('concurrency must be a whole number >= 1', { concurrency: this.#concurrency })
    if (!Number.isSafeInteger(this.#groups) || this.#groups < 0 || this.#groups > MAX_AUDIT_GROUPS) throw new InvalidParametersError(`groups must be 0 to ${MAX_AUDIT_GROUPS}`, { groups: this.#groups })
  }

  /** Watch `shard` (replacing what was watched under its id): each new holder is first audited at a random time within one interval. */
  watch (shard: WatchedShard): void {
    const before = this.#shards.get(shard.id)
    this.#shards.set(shard.id, { ...shard, holders: [...new Set(shard.holders)] })
    const now = this.#init.clock.now()
    for (const peer of new Set(shard.holders)) {
      const key = taskKey(shard.id, peer)
      if (this.#tasks.has(key)) continue
      const task: Task = { id: shard.id, peer, dueAt: now + this.#init.rng.random() * this.#intervalMs, generation: 0, running: false }
      this.#tasks.set(key, task)
      this.#heap.push(task.dueAt, key, task.generation)
    }
    for (const peer of before?.holders ?? []) if (!shard.holders.includes(peer)) this.#drop(taskKey(shard.id, peer))
    this.#wake?.()
  }

  /** Stop watching `id` (audits already running finish; none is scheduled again). */
  unwatch (id: string): void {
    const shard = this.#shards.get(id)
    if (shard === undefined) return
    this.#shards.delete(id)
    for (const peer of shard.holders) this.#drop(taskKey(id, peer))
  }

  get watched (): number {
    return this.#shards.size
  }

  /** Audits running now. */
  get inFlight (): number {
    return this.#running.size
  }

  /** The earliest time an audit is due, if any is scheduled. */
  nextDueAt (): number | undefined {
    this.#skipStale()
    return this.#heap.peek()?.dueAt
  }

  /** How each watched stripe stands now (./audit-ledger.ts stripeHealth over the ledger's statuses). */
  stripeStatus (): Map<string, StripeHealth> {
    const now = this.#init.clock.now()
    const byStripe = new Map<string, Map<number, Array<'ok' | 'lost' | 'unknown'>>>()
    for (const shard of this.#shards.values()) {
      let indices = byStripe.get(shard.stripe)
      if (indices === undefined) { indices = new Map(); byStripe.set(shard.stripe, indices) }
      const statuses = indices.get(shard.index) ?? []
      for (const peer of shard.holders) statuses.push(this.#init.ledger.status(shard.id, peer, now))
      indices.set(shard.index, statuses)
    }
    return new Map([...byStripe].map(([stripe, indices]) => [stripe, stripeHealth([...indices.values()])]))
  }

  /** Start every audit due now, up to the concurrency; resolves when those started have finished. Returns how many started. */
  async runDue (signal?: AbortSignal): Promise<number> {
    const started = this.#startDue(signal)
    await Promise.all(started)
    return started.length
  }

  /** Audit as things fall due until `signal` aborts; then wait for the audits running to end. */
  async run (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      void Promise.all(this.#startDue(signal)) // each audit catches its own failures
      const step = new AbortController()
      const stop = (): void => { step.abort() }
      signal.addEventListener('abort', stop, { once: true })
      const waits: Array<Promise<unknown>> = [new Promise<void>(resolve => { this.#wake = resolve })]
      if (this.#running.size > 0) waits.push(Promise.race(this.#running))
      const next = this.nextDueAt()
      if (next !== undefined && this.#running.size < this.#concurrency) {
        waits.push(this.#init.clock.sleep(Math.max(0, next - this.#init.clock.now()), step.signal).catch(() => {}))
      }
      waits.push(new Promise<void>(resolve => { step.signal.addEventListener('abort', () => { resolve() }, { once: true }) }))
      await Promise.race(waits)
      this.#wake = undefined
      signal.removeEventListener('abort', stop)
      step.abort()
    }
    await Promise.allSettled(this.#running)
  }

  #startDue (signal?: AbortSignal): Array<Promise<void>> {
    const started: Array<Promise<void>> = []
    const now = this.#init.clock.now()
    while (this.#running.size < this.#concurrency && signal?.aborted !== true) {
      this.#skipStale()
      const head = this.#heap.peek()
      if (head === undefined || head.dueAt > now) break
      this.#heap.pop()
      const task = this.#tasks.get(head.key) as Task
      const audit = this.#audit(task, signal)
      this.#running.add(audit)
      void audit.finally(() => { this.#running.delete(audit) })
      started.push(audit)
    }
    return started
  }

  async #audit (task: Task, signal?: AbortSignal): Promise<void> {
    const shard = this.#shards.get(task.id)
    if (shard === undefined) return
    task.running = true
    const { clock, rng, transport, ledger } = this.#init
    let outcome: AuditOutcome
    try {
      outcome = await transport.audit(task.peer, task.id, rng.bytes(AUDIT_NONCE_BYTES), this.#groups, shard.size, signal ?? new AbortController().signal)
    } catch {
      // cancelled (due again at once, for the next run) or a transport that broke its contract: nothing learned about the holder
      task.running = false
      this.#reschedule(task, clock.now(), signal?.aborted === true ? 0 : undefined)
      return
    }
    task.running = false
    const at = clock.now()
    if (this.#tasks.get(taskKey(task.id, task.peer)) === task) {
      ledger.record(task.id, task.peer, outcome, at)
      const event = reputationOutcome(outcome)
      if (event !== undefined) this.#init.reputation?.recordAudit(task.peer, event)
      try { this.#init.onAudit?.({ id: task.id, peer: task.peer, outcome, at }) } catch { /* a listener must not stop audits */ }
      this.#reschedule(task, at)
    }
  }

  #reschedule (task: Task, at: number, delayMs?: number): void {
    if (this.#tasks.get(taskKey(task.id, task.peer)) !== task) return
    task.dueAt = at + (delayMs ?? this.#intervalMs * (1 + this.#jitter * (2 * this.#init.rng.random() - 1)))
    task.generation++
    this.#heap.push(task.dueAt, taskKey(task.id, task.peer), task.generation)
    this.#wake?.()
  }

  #drop (key: string): void {
    const task = this.#tasks.get(key)
    if (task === undefined) return
    task.generation++
    this.#tasks.delete(key)
  }

  /** Pop heap entries of dropped or rescheduled tasks. */
  #skipStale (): void {
    for (let head = this.#heap.peek(); head !== undefined; head = this.#heap.peek()) {
      const task = this.#tasks.get(head.key)
      if (task !== undefined && task.generation === head.generation && !task.running) return
      this.#heap.pop()
    }
  }
}

function taskKey (id: string, peer: string): string {
  return `${id} ${peer}`
}

interface HeapEntry { dueAt: number, key: string, generation: number }

/** A binary min-heap of due times (ties: first pushed first). */
class DueHeap {
  readonly #items: Array<HeapEntry & { seq: number }> = []
  #seq = 0

  push (dueAt: number, key: string, generation: number): void {
    const items = this.#items
    items.push({ dueAt, key, generation, seq: this.#seq++ })
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(i, parent)) break
      this.#swap(i, parent)
      i = parent
    }
  }

  peek (): HeapEntry | undefined {
    return this.#items[0]
  }

  pop (): HeapEntry | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    items[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < items.length && this.#less(l, m)) m = l
      if (r < items.length && this.#less(r, m)) m = r
      if (m === i) break
      this.#swap(i, m)
      i = m
    }
    return top
  }

  #less (a: number, b: number): boolean {
    const x = this.#items[a] as HeapEntry & { seq: number }
    const y = this.#items[b] as HeapEntry & { seq: number }
    return x.dueAt < y.dueAt || (x.dueAt === y.dueAt && x.seq < y.seq)
  }

  #swap (a: number, b: number): void {
    const items = this.#items
    const t = items[a] as HeapEntry & { seq: number }
    items[a] = items[b] as HeapEntry & { seq: number }
    items[b] = t
  }
}
