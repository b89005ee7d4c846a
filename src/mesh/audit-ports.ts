/**
 * The ports the audit ledger and scheduler run behind (./audit-ledger.ts,
 * ./audit-scheduler.ts): time, randomness and the network. The logic never
 * reads the system clock or sets a timer itself, so a simulation drives the
 * same code with a virtual clock and a fake network, and tests step it.
 * `systemClock` and `systemRng` are the real ones; the mesh's transport
 * audits over /datamesh/audit/1.0.0 (src/net/audit).
 */
import type { AuditOutcome } from '../net/audit/index.ts'

export { systemClock, type Clock } from '../core/clock.ts'

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

export const systemRng: Rng = {
  random: () => Math.random(),
  bytes: (length) => crypto.getRandomValues(new Uint8Array(length))
}
