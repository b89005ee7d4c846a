/** When the file index is backed up: delayed, one running and one waiting, at once on hide, failures kept and retried with back-off. */
import { describe, expect, it } from 'vitest'
import { BACKUP_DELAY_MS, IndexBackupScheduler, type IndexBackupInit } from '../../../src/app/runtime/index-backup.ts'
import type { IndexBackupStatus } from '../../../src/api/types.ts'
import { FakeClock, settle } from './fake-clock.ts'

interface Run { resolve: (seq: number) => void, reject: (err: Error) => void, index: number }

/** a scheduler whose backups the test ends one by one; `index.value` is what each backup saw when it started */
function setup (init: Partial<IndexBackupInit<number>> = {}): {
  scheduler: IndexBackupScheduler<number>, clock: FakeClock, runs: Run[], index: { value: number }, statuses: IndexBackupStatus[], owner: { unlocked: boolean }
} {
  const clock = new FakeClock()
  const runs: Run[] = []
  const index = { value: 0 }
  const statuses: IndexBackupStatus[] = []
  const owner = { unlocked: true }
  const scheduler = new IndexBackupScheduler<number>({
    backup: async () => await new Promise<number>((resolve, reject) => { runs.push({ resolve, reject, index: index.value }) }),
    canRun: () => owner.unlocked,
    clock,
    onStatus: (s) => { statuses.push(s) },
    ...init
  })
  return { scheduler, clock, runs, index, statuses, owner }
}

describe('IndexBackupScheduler', () => {
  it('backs up the delay after the first change, and a burst of changes shares that backup', async () => {
    const { scheduler, clock, runs } = setup()
    scheduler.changed()
    expect(scheduler.status).toMatchObject({ state: 'scheduled', nextAttemptAt: clock.now() + BACKUP_DELAY_MS })
    await clock.advance(BACKUP_DELAY_MS - 1)
    scheduler.changed()
    scheduler.changed()
    expect(runs).toHaveLength(0)
    await clock.advance(1)
    expect(runs).toHaveLength(1)
    expect(scheduler.status.state).toBe('running')
    runs[0]?.resolve(1)
    await settle()
    expect(scheduler.status).toEqual({ state: 'idle', failures: 0, lastSuccessAt: clock.now() })
    await clock.advance(60_000)
    expect(runs).toHaveLength(1)
  })

  it('runs one backup at a time, with one waiting that holds every change made before it starts', async () => {
    const { scheduler, clock, runs, index } = setup()
    index.value = 1
    scheduler.changed()
    await clock.advance(BACKUP_DELAY_MS)
    expect(runs).toHaveLength(1)
    // changes while it runs: their backup waits for the running one
    index.value = 2
    scheduler.changed()
    await clock.advance(BACKUP_DELAY_MS)
    index.value = 3
    scheduler.changed()
    await clock.advance(BACKUP_DELAY_MS)
    expect(runs).toHaveLength(1)
    runs[0]?.resolve(1)
    await settle()
    expect(runs).toHaveLength(2)
    expect(runs[1]?.index).toBe(3)
    runs[1]?.resolve(2)
    await settle()
    await clock.advance(10 * BACKUP_DELAY_MS)
    expect(runs).toHaveLength(2)
  })

  it('backs up at once when flushed (the page is hidden) while a backup is due, and not otherwise', async () => {
    const { scheduler, clock, runs } = setup()
    scheduler.flush()
    await settle()
    expect(runs).toHaveLength(0)
    scheduler.changed()
    scheduler.flush()
    await settle()
    expect(runs).toHaveLength(1)
    expect(clock.pending).toBe(0)
    runs[0]?.resolve(1)
    await settle()
    scheduler.flush()
    await settle()
    expect(runs).toHaveLength(1)
  })

  it('drops a due backup while no owner key is unlocked', async () => {
    const { scheduler, clock, runs, owner } = setup()
    scheduler.changed()
    owner.unlocked = false
    await clock.advance(BACKUP_DELAY_MS)
    expect(runs).toHaveLength(0)
    expect(scheduler.status.state).toBe('idle')
    owner.unlocked = true
    scheduler.changed()
    await clock.advance(BACKUP_DELAY_MS)
    expect(runs).toHaveLength(1)
  })

  it('reports a failure, keeps it in the status, and retries with back-off until a backup succeeds', async () => {
    const { scheduler, clock, runs, statuses } = setup({ retryMinMs: 5000, retryMaxMs: 20_000 })
    scheduler.changed()
    await clock.advance(BACKUP_DELAY_MS)
    runs[0]?.reject(Object.assign(new Error('No DHT server accepted the index pointer'), { name: 'InsufficientPeersError' }))
    await settle()
    expect(scheduler.status).toEqual({
      state: 'failed',
      failures: 1,
      lastError: { name: 'InsufficientPeersError', message: 'No DHT server accepted the index pointer' },
      nextAttemptAt: clock.now() + 5000
    })
    expect(statuses.at(-1)?.state).toBe('failed')
    // a change meanwhile waits for the retry instead of hammering
    scheduler.changed()
    expect(clock.nextIn).toBe(5000)
    await clock.advance(4999)
    expect(runs).toHaveLength(1)
    await clock.advance(1)
    expect(runs).toHaveLength(2)
    runs[1]?.reject(new Error('again'))
    await settle()
    expect(scheduler.status).toMatchObject({ state: 'failed', failures: 2, nextAttemptAt: clock.now() + 10_000 })
    await clock.advance(10_000)
    runs[2]?.reject(new Error('again'))
    await settle()
    expect(clock.nextIn).toBe(20_000)
    await clock.advance(20_000)
    runs[3]?.reject(new Error('again'))
    await settle()
    expect(clock.nextIn).toBe(20_000) // capped
    await clock.advance(20_000)
    runs[4]?.resolve(9)
    await settle()
    expect(scheduler.status).toEqual({ state: 'idle', failures: 0, lastSuccessAt: clock.now() })
    expect(clock.pending).toBe(0)
  })

  it('an explicit backup runs at once, returns its result, and throws its failure (kept and retried too)', async () => {
    const { scheduler, clock, runs } = setup()
    scheduler.changed()
    const now = scheduler.now()
    await settle()
    expect(runs).toHaveLength(1)
    expect(clock.pending).toBe(0) // the delayed one is this one
    runs[0]?.resolve(7)
    expect(await now).toBe(7)
    const failing = scheduler.now()
    await settle()
    runs[1]?.reject(new Error('nope'))
    await expect(failing).rejects.toThrow('nope')
    expect(scheduler.status).toMatchObject({ state: 'failed', failures: 1 })
    expect(clock.pending).toBe(1)
  })

  it('an explicit backup during a running one waits for it and starts after', async () => {
    const { scheduler, clock, runs, index } = setup()
    scheduler.changed()
    await clock.advance(BACKUP_DELAY_MS)
    index.value = 4
    const now = scheduler.now()
    await settle()
    expect(runs).toHaveLength(1)
    runs[0]?.resolve(1)
    await settle()
    expect(runs[1]?.index).toBe(4)
    runs[1]?.resolve(2)
    expect(await now).toBe(2)
  })

  it('reset forgets what was due and any failure, and ignores the outcome of a backup begun before', async () => {
    const { scheduler, clock, runs } = setup()
    scheduler.changed()
    await clock.advance(BACKUP_DELAY_MS)
    scheduler.reset()
    runs[0]?.reject(new Error('old owner'))
    await settle()
    expect(scheduler.status).toEqual({ state: 'idle', failures: 0 })
    expect(clock.pending).toBe(0)
  })

  it('does nothing once stopped', async () => {
    const { scheduler, clock, runs } = setup()
    scheduler.changed()
    scheduler.stop()
    scheduler.changed()
    await clock.advance(10 * BACKUP_DELAY_MS)
    expect(runs).toHaveLength(0)
  })
})
