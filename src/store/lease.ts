/**
 * Leases: how long a holder keeps a shard, who may extend that, and which
 * shards a collection takes.
 *
 * Every stored shard has `leaseUntil` (ms since the Unix epoch). Its owner
 * label, or its `renewer` label (the same form as owner labels: base64url of
 * an Ed25519 public key, ../net/shard/context.ts `ownerId`), may extend it
 * (`renew`); nothing ever shortens it. A collection removes shards whose
 * lease ended more than `graceMs` ago, and orphans (stored without an owner
 * label) stored more than `graceMs` ago.
 *
 * Shards with no recorded lease (stored before leases existed, stored by a
 * build that keeps none, or whose lease record was lost) get
 * LEGACY_LEASE_MS from the later of their `storedAt` and the moment the
 * store first found them without one, and that lease is then recorded. So
 * an upgrade never makes an old shard collectable at once: owners always
 * have LEGACY_LEASE_MS to renew. Leases are capped at MAX_LEASE_MS ahead
 * of the store's clock, the same span, so a lost lease record (which falls
 * back to the legacy rule at the moment the loss is found) never ends a
 * lease earlier than it was granted.
 */
import { InvalidParametersError } from '../core/errors.ts'
import type { ShardRecord } from './types.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** The lease of a shard with none recorded: 90 days, the capability lifetime owners renew within. */
export const LEGACY_LEASE_MS = 90 * DAY_MS

/** The longest lease a store grants, counted from its clock: no more than what a lost lease record falls back to. */
export const MAX_LEASE_MS = LEGACY_LEASE_MS

/** Longest owner or renewer label accepted (a base64 public key plus a prefix fits easily). */
export const MAX_LABEL_LENGTH = 256

/** The lease of a shard found without one at `foundAt` (see the module header). */
export function legacyLeaseUntil (storedAt: number, foundAt: number): number {
  return Math.max(storedAt, foundAt) + LEGACY_LEASE_MS
}

/** A lease end as given (an integer of ms >= 0), capped at MAX_LEASE_MS after `now`; InvalidParametersError otherwise. */
export function grantedLease (leaseUntil: unknown, now: number): number {
  if (typeof leaseUntil !== 'number' || !Number.isSafeInteger(leaseUntil) || leaseUntil < 0) {
    throw new InvalidParametersError('leaseUntil must be a time in ms since the Unix epoch (an integer >= 0)', { leaseUntil: String(leaseUntil) })
  }
  return Math.min(leaseUntil, now + MAX_LEASE_MS)
}

/** InvalidParametersError unless `label` is undefined or a string of 1 to MAX_LABEL_LENGTH characters. */
export function checkLabel (label: unknown, what: 'owner' | 'renewer' | 'by'): void {
  if (label === undefined && what !== 'by') return
  if (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL_LENGTH) {
    throw new InvalidParametersError(`${what} must be a string of 1 to ${MAX_LABEL_LENGTH} characters`, { [what]: String(label).slice(0, 64) })
  }
}

/** Whether `by` may renew the shard: its owner label or its renewer label. */
export function mayRenew (record: ShardRecord, by: string): boolean {
  return record.owner === by || record.renewer === by
}

export type CollectReason = 'expired' | 'orphan'

/** Why a collection at `now` takes the shard, or undefined when it stays. */
export function collectReason (record: ShardRecord, now: number, graceMs: number): CollectReason | undefined {
  if (record.leaseUntil + graceMs < now) return 'expired'
  if (record.owner === undefined && record.storedAt + graceMs < now) return 'orphan'
  return undefined
}

/** InvalidParametersError unless `ms` is a number of ms >= 0 (Infinity allowed for a grace that never ends). */
export function checkDuration (ms: unknown, what: string): asserts ms is number {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new InvalidParametersError(`${what} must be a number of milliseconds >= 0`, { [what]: String(ms) })
  }
}

/** InvalidParametersError unless `t` is a finite time in ms. */
export function checkTime (t: unknown, what: string): asserts t is number {
  if (typeof t !== 'number' || !Number.isFinite(t)) {
    throw new InvalidParametersError(`${what} must be a time in ms since the Unix epoch`, { [what]: String(t) })
  }
}
