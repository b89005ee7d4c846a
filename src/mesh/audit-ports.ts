/**
 * The ports the audit ledger and scheduler run behind (./audit-ledger.ts,
 * ./audit-scheduler.ts): time, randomness and the network. The logic never
 * reads the system clock or sets a timer itself, so a simulation drives the
 * same code with a virtual clock and a fake network, and tests step it.
 * `systemClock` and `systemRng` are the real ones; the mesh's transport
 * audits over /datamesh/audit/1.0.0 (src/net/audit).
 */
import type { AuditOutcome } from '../net/audit/index.ts'

export interface Clock {
  /** ms since the Unix epoch */
  now: () => number
  /** resolves after `ms`, or rejects with the signal's reason once it aborts */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface Rng {
  /** uniform in [0, 1) */
  random: () => number
  /** `length` random bytes (audit nonces) */
  bytes: (length: number) => Uint8Array
}

export interface AuditTransport {
  /** Challenge `peer` to prove it keeps shard `id` of `size` bytes with `nonce`, asking `groups` groups. */
  audit: (peer: string, id: string, nonce: Uint8Array, groups: number, size: number, signal: AbortSignal) => Promise<AuditOutcome>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) { reject(signal.reason); return }
      const timer = setTimeout(() => { signal?.removeEventListener('abort', abort); resolve() }, Math.max(0, ms))
      const abort = (): void => { clearTimeout(timer); reject(signal?.reason) }
      signal?.addEventListener('abort', abort, { once: true })
    })
  }
}

export const systemRng: Rng = {
  random: () => Math.random(),
  bytes: (length) => crypto.getRandomValues(new Uint8Array(length))
}
