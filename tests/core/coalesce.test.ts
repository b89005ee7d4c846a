/** One run at a time, at most one waiting: the run after a call includes what the caller changed before it. */
import { describe, expect, it } from 'vitest'
import { Coalescer } from '../../src/core/coalesce.ts'

interface Deferred { resolve: () => void, reject: (err: Error) => void }

/** a task whose runs the test ends one by one; each run reports the `state` it started with */
function gated (): { task: () => Promise<number>, runs: Deferred[], state: { value: number } } {
  const runs: Deferred[] = []
  const state = { value: 0 }
  const task = async (): Promise<number> => {
    const seen = state.value
    await new Promise<void>((resolve, reject) => { runs.push({ resolve, reject }) })
    return seen
  }
  return { task, runs, state }
}

const tick = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

describe('Coalescer', () => {
  it('runs at once when idle, and resolves with that run', async () => {
    const { task, runs, state } = gated()
    const c = new Coalescer(task)
    state.value = 1
    const p = c.run()
    expect(c.waiting).toBe(true) // it starts a microtask later
    await tick()
    expect(c.running).toBe(true)
    expect(c.waiting).toBe(false)
    expect(runs).toHaveLength(1)
    runs[0]?.resolve()
    expect(await p).toBe(1)
    expect(c.running).toBe(false)
  })

  it('calls made before a run starts share it', async () => {
    const { task, runs, state } = gated()
    const c = new Coalescer(task)
    const first = c.run()
    state.value = 1
    expect(c.run()).toBe(first)
    await tick()
    runs[0]?.resolve()
    expect(await first).toBe(1)
    await tick()
    expect(runs).toHaveLength(1)
  })

  it('calls made during a run share one run after it, which sees their changes', async () => {
    const { task, runs, state } = gated()
    const c = new Coalescer(task)
    const first = c.run()
    await tick()
    state.value = 2
    const second = c.run()
    state.value = 3
    const third = c.run()
    expect(third).toBe(second)
    expect(c.waiting).toBe(true)
    await tick()
    expect(runs).toHaveLength(1) // the second waits for the first
    runs[0]?.resolve()
    expect(await first).toBe(0)
    await tick()
    expect(runs).toHaveLength(2)
    expect(c.waiting).toBe(false)
    runs[1]?.resolve()
    expect(await second).toBe(3)
    await tick()
    expect(runs).toHaveLength(2) // nothing more ran
  })

  it('a call after the waiting run has started needs one more run', async () => {
    const { task, runs, state } = gated()
    const c = new Coalescer(task)
    void c.run()
    await tick()
    const second = c.run()
    runs[0]?.resolve()
    await tick()
    expect(runs).toHaveLength(2) // the second is running now
    state.value = 5
    const third = c.run()
    expect(third).not.toBe(second)
    runs[1]?.resolve()
    await tick()
    runs[2]?.resolve()
    expect(await third).toBe(5)
  })

  it('a failed run rejects the calls that shared it and does not stop the next', async () => {
    const { task, runs } = gated()
    const c = new Coalescer(task)
    const first = c.run()
    await tick()
    const second = c.run()
    runs[0]?.reject(new Error('disk full'))
    await expect(first).rejects.toThrow('disk full')
    await tick()
    runs[1]?.resolve()
    await expect(second).resolves.toBe(0)
  })

  it('idle() waits for the running and the waiting run, whatever their outcome', async () => {
    const { task, runs } = gated()
    const c = new Coalescer(task)
    c.run().catch(() => {})
    await tick()
    void c.run()
    let idle = false
    const done = c.idle().then(() => { idle = true })
    await tick()
    runs[0]?.reject(new Error('x'))
    await tick()
    expect(idle).toBe(false)
    runs[1]?.resolve()
    await done
    expect(c.running || c.waiting).toBe(false)
  })
})
