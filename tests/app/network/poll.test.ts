/** Polling while the view is visible: no overlapping runs, a floor between asked-for runs. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { poll } from '../../../src/app/network/poll.ts'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

describe('poll', () => {
  it('runs at once, then every interval, until stopped', async () => {
    let runs = 0
    const p = poll(() => { runs++ }, { interval: 1000 })
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toBe(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect(runs).toBe(4)
    p.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(runs).toBe(4)
  })

  it('never runs twice at once, and counts the interval from the end of a slow run', async () => {
    let running = 0
    let most = 0
    let runs = 0
    const p = poll(async () => {
      runs++
      most = Math.max(most, ++running)
      await new Promise(resolve => setTimeout(resolve, 2500))
      running--
    }, { interval: 1000 })
    p.now()
    p.now()
    await vi.advanceTimersByTimeAsync(2500)
    expect(runs).toBe(1)
    // asked for during the run: runs once more straight after it
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toBe(2)
    await vi.advanceTimersByTimeAsync(2500 + 999)
    expect(runs).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toBe(3)
    expect(most).toBe(1)
    p.stop()
  })

  it('keeps asked-for runs at least minGap apart', async () => {
    let runs = 0
    const p = poll(() => { runs++ }, { interval: 60_000, minGap: 5000, clock: Date.now })
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    p.now()
    p.now()
    await vi.advanceTimersByTimeAsync(3999)
    expect(runs).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toBe(2)
    // long after the last run: at once
    await vi.advanceTimersByTimeAsync(10_000)
    p.now()
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toBe(3)
    p.stop()
  })

  it('skips runs while inactive and picks up again', async () => {
    let visible = false
    let runs = 0
    const p = poll(() => { runs++ }, { interval: 1000, active: () => visible })
    await vi.advanceTimersByTimeAsync(5000)
    expect(runs).toBe(0)
    visible = true
    p.now()
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toBe(1)
    p.stop()
  })

  it('keeps going after a failing run', async () => {
    let runs = 0
    const p = poll(() => { runs++; throw new Error('offline') }, { interval: 1000 })
    await vi.advanceTimersByTimeAsync(2000)
    expect(runs).toBe(3)
    p.stop()
  })
})
