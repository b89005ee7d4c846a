/**
 * The two lease operations of a store (./verified-store.ts), over its
 * index, write lock and medium: `renew` and `collect` (rules in ./lease.ts).
 *
 * Invariants: both run their changes under the store's write lock, the
 * medium first, then the index. A collection chooses its shards from a
 * snapshot, then judges each again under the lock, batch by batch, so a
 * renew, delete or put that lands first always wins, and puts and reads
 * interleave with a large collection.
 */
import { throwIfAborted, AbortedError } from '../core/errors.ts'
import { parseShardCid } from '../core/hash.ts'
import { shardChargeBytes } from './charge.ts'
import { checkDuration, checkLabel, checkTime, collectReason, grantedLease, mayRenew } from './lease.ts'
import type { CollectOptions, CollectReport, RenewOptions, RenewReport, ShardMedium, ShardRecord } from './types.ts'
import type { UsageIndex } from './usage-index.ts'
import type { WriteLock } from './write-lock.ts'

/** Shards a collection removes per hold of the write lock. */
const COLLECT_BATCH = 256

export interface LeaseState {
  index: UsageIndex
  lock: WriteLock
  medium: Pick<ShardMedium, 'setLeases' | 'remove'>
  now: () => number
  /** the medium has been closed (checked under the lock) */
  closed: () => boolean
}

function closedError (): AbortedError {
  return new AbortedError('The shard store is closed', { reason: 'closed' })
}

export async function renewLeases (state: LeaseState, ids: Iterable<string>, until: number, options: RenewOptions): Promise<RenewReport> {
  const { signal, by } = options ?? {}
  throwIfAborted(signal)
  checkLabel(by, 'by')
  grantedLease(until, 0)
  const keys = [...new Set([...ids].map(id => parseShardCid(id).toString()))]
  return await state.lock.run(async () => {
    if (state.closed()) throw closedError()
    const leaseUntil = grantedLease(until, state.now())
    const report: RenewReport = { extended: [], unchanged: [] }
    for (const id of keys) {
      const record = state.index.get(id)
      if (record === undefined || !mayRenew(record, by)) continue
      if (leaseUntil > record.leaseUntil) report.extended.push(id)
      else report.unchanged.push(id)
    }
    if (report.extended.length === 0) return report
    await state.medium.setLeases(report.extended.map(id => ({ id, leaseUntil })))
    for (const id of report.extended) state.index.setLease(id, leaseUntil)
    return report
  }, signal)
}

export async function collectShards (state: LeaseState, options: CollectOptions): Promise<CollectReport> {
  const { signal, graceMs } = options
  throwIfAborted(signal)
  checkDuration(graceMs, 'graceMs')
  const now = options.now ?? state.now()
  checkTime(now, 'now')
  const dryRun = options.dryRun === true
  const report: CollectReport = { shards: [], bytes: 0, dryRun }
  const take = (record: ShardRecord): void => {
    const reason = collectReason(record, now, graceMs)
    if (reason === undefined) return
    const { id, size, storedAt, leaseUntil, owner } = record
    report.shards.push(owner === undefined ? { id, size, storedAt, leaseUntil, reason } : { id, size, owner, storedAt, leaseUntil, reason })
    report.bytes += shardChargeBytes(size)
  }
  const candidates = state.index.snapshot().filter(r => collectReason(r, now, graceMs) !== undefined).map(r => r.id)
  if (dryRun) {
    for (const id of candidates) take(state.index.get(id) as ShardRecord)
    return report
  }
  for (let i = 0; i < candidates.length; i += COLLECT_BATCH) {
    throwIfAborted(signal)
    await state.lock.run(async () => {
      if (state.closed()) throw closedError()
      // judged again under the lock: a renew or delete since the snapshot wins
      const batch = candidates.slice(i, i + COLLECT_BATCH).map(id => state.index.get(id))
        .filter((r): r is ShardRecord => r !== undefined && collectReason(r, now, graceMs) !== undefined)
      if (batch.length === 0) return
      await state.medium.remove(batch.map(r => r.id))
      for (const r of batch) {
        state.index.remove(r.id)
        take(r)
      }
    }, signal)
  }
  return report
}
