/**
 * Leases, owner side: how long this mesh asks holders to keep what it
 * stores, and the LeaseKeeper that renews those leases while the owner's
 * keys are unlocked.
 *
 * Every store this mesh makes (shards, sealed manifests, index backups)
 * asks for a lease of `leaseMs` (default 30 days) from now; holders keep
 * min(lease, their clock + 90 days) and collect a shard `COLLECT_GRACE_MS`
 * (7 days) after its lease ends. The LeaseKeeper runs `mesh.renewLeases()`
 * (./commands/renew.ts) at once (the owner has just unlocked) and then
 * every `intervalMs` (a day), so a file whose owner opens a tab at least
 * once in 37 days never lapses; a failed run is retried after `retryMs`.
 * Runs never overlap: `runNow()` joins the one under way. Time comes from
 * an injected clock, so the tests drive it step by step; nothing here reads
 * Date.now or sets a timer itself.
 */
import { systemClock, type Clock } from '../core/clock.ts'
import { InvalidParametersError } from '../core/errors.ts'
import type { StoreLease } from '../net/shard/index.ts'
import { COLLECT_GRACE_MS } from '../net/shard/maintenance.ts'
import { fileRepairId } from '../core/keys/repair-key.ts'
import type { Signer } from '../core/signature.ts'
import type { MeshContext } from './context.ts'

const hour = 60 * 60 * 1000
const day = 24 * hour

/** The lease a store asks for: a month, renewed daily, so a month of closed tabs loses nothing. */
export const DEFAULT_LEASE_MS = 30 * day
/** Between two renewals: daily, 30 chances before a lease ends. */
export const LEASE_RENEW_INTERVAL_MS = day
/** After a failed renewal run (no peers yet, offline): soon, but not in a loop. */
export const LEASE_RETRY_MS = hour
export { COLLECT_GRACE_MS }

/** `config.leaseMs`, or the default; InvalidParametersError unless a whole number of ms of at least a minute. */
export function leaseMsOf (ctx: Pick<MeshContext, 'config'>): number {
  const ms = ctx.config.leaseMs ?? DEFAULT_LEASE_MS
  if (!Number.isSafeInteger(ms) || ms < 60_000) throw new InvalidParametersError('leaseMs must be a whole number of ms, at least 60000', { leaseMs: ms })
  return ms
}

/**
 * The lease a store of this mesh asks for, from its clock, with `renewer`
 * (a file's repair key, `fileRenewer`) when the file's key is known.
 */
export function storeLease (ctx: Pick<MeshContext, 'config' | 'now'>, renewer?: Uint8Array): StoreLease {
  const lease = ctx.now() + leaseMsOf(ctx)
  return renewer !== undefined ? { lease, renewer } : { lease }
}

/**
 * The repair key (K_f, src/core/keys/repair-key.ts) of the file whose
 * secret key is `fileKey`: it signs the file's repair capability, and its
 * public key goes with every copy of the file as renewer, so holders let a
 * repairer holding the capability renew them besides the owner. Derived
 * from the file's secret key, which exists before any shard leaves, so the
 * stripes and the manifest copies of a file all carry the same renewer.
 * Holders see the public key; it does not link to the owner.
 */
export function fileRepairSigner (ctx: Pick<MeshContext, 'keys'>, fileKey: Uint8Array): Signer {
  return ctx.keys.signer.forFile(fileRepairId(fileKey))
}

/** The clock port (../core/clock.ts): the time, and a wait that ends early (rejecting) when its signal aborts. */
export type LeaseClock = Clock
export const systemLeaseClock: LeaseClock = systemClock

export type LeaseOutcome<T> = { ok: true, result: T, at: number } | { ok: false, error: unknown, at: number }

export interface LeaseKeeperInit<T> {
  /** one renewal run; `signal` aborts when the keeper stops */
  renew: (signal: AbortSignal) => Promise<T>
  clock?: LeaseClock
  /** ms between runs (default a day) */
  intervalMs?: number
  /** ms before a failed run is tried again (default an hour) */
  retryMs?: number
  /** each run's outcome (logs, status) */
  onResult?: (outcome: LeaseOutcome<T>) => void
}

export class LeaseKeeper<T> {
  readonly #init: LeaseKeeperInit<T>
  readonly #clock: LeaseClock
  readonly #abort = new AbortController()
  #running?: Promise<T>
  #started = false
  #last?: LeaseOutcome<T>

  constructor (init: LeaseKeeperInit<T>) {
    for (const [name, value] of [['intervalMs', init.intervalMs], ['retryMs', init.retryMs]] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new InvalidParametersError(`${name} must be a whole number of ms >= 1`, { [name]: value })
    }
    this.#init = init
    this.#clock = init.clock ?? systemLeaseClock
  }

  /** Renew at once, then every intervalMs (retryMs after a failure), until stopped. */
  start (): this {
    if (this.#started || this.#abort.signal.aborted) return this
    this.#started = true
    void this.#loop()
    return this
  }

  /** No more runs; the one under way is aborted. */
  stop (): void {
    this.#abort.abort(new DOMException('The lease keeper stopped', 'AbortError'))
  }

  get stopped (): boolean { return this.#abort.signal.aborted }

  /** The last run's outcome, with the clock's time when it ended. */
  get last (): LeaseOutcome<T> | undefined { return this.#last }

  /** Run now (or join the run under way); rejects with that run's error. */
  async runNow (): Promise<T> {
    if (this.#running !== undefined) return await this.#running
    const run = (async () => await this.#init.renew(this.#abort.signal))()
    this.#running = run
    try {
      const result = await run
      this.#report({ ok: true, result, at: this.#clock.now() })
      return result
    } catch (error) {
      this.#report({ ok: false, error, at: this.#clock.now() })
      throw error
    } finally {
      this.#running = undefined
    }
  }

  async #loop (): Promise<void> {
    const signal = this.#abort.signal
    while (!signal.aborted) {
      let ok = true
      try { await this.runNow() } catch { ok = false }
      try {
        await this.#clock.sleep(ok ? this.#init.intervalMs ?? LEASE_RENEW_INTERVAL_MS : this.#init.retryMs ?? LEASE_RETRY_MS, signal)
      } catch {
        return // stopped
      }
    }
  }

  #report (outcome: LeaseOutcome<T>): void {
    this.#last = outcome
    if (this.#abort.signal.aborted) return
    try { this.#init.onResult?.(outcome) } catch {}
  }
}
