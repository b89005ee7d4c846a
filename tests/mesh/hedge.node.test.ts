/** Hedged reads (src/mesh/hedge.ts): fail over at once, hedge a slow candidate, stop on abort. */
import { describe, it, expect } from 'vitest'
import { firstSuccess } from '../../src/mesh/hedge.ts'

const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => await new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms)
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(new Error('aborted')) }, { once: true })
})

async function * from<T> (items: T[], log?: string[]): AsyncGenerator<T> {
  for (const item of items) { log?.push(`pulled ${String(item)}`); yield item }
}

describe('firstSuccess', () => {
  it('moves to the next candidate as soon as one fails', async () => {
    const tried: string[] = []
    const start = Date.now()
    const result = await firstSuccess(from(['a', 'b', 'c']), async (c) => {
      tried.push(c)
      if (c !== 'c') throw new Error('nope')
      return c.toUpperCase()
    }, { hedgeDelay: 10_000, onError: () => {} })
    expect(result).toBe('C')
    expect(tried).toEqual(['a', 'b', 'c'])
    expect(Date.now() - start).toBeLessThan(1000)
  })

  it('asks the next candidate too when one is slow, and aborts the loser', async () => {
    let slowAborted = false
    const result = await firstSuccess(from(['slow', 'fast']), async (c, signal) => {
      if (c === 'slow') {
        try { await sleep(5000, signal) } catch { slowAborted = true; throw new Error('aborted') }
        return 'slow'
      }
      await sleep(10)
      return 'fast'
    }, { hedgeDelay: 50 })
    expect(result).toBe('fast')
    expect(slowAborted).toBe(true)
  })

  it('pulls candidates only when needed', async () => {
    const log: string[] = []
    await firstSuccess(from(['a', 'b', 'c'], log), async c => c, { hedgeDelay: 1000 })
    expect(log).toEqual(['pulled a'])
  })

  it('returns undefined when every candidate fails, and reports each failure', async () => {
    const errors: string[] = []
    const result = await firstSuccess(from(['a', 'b']), async () => { throw new Error('x') }, { hedgeDelay: 10, onError: c => errors.push(c) })
    expect(result).toBeUndefined()
    expect(errors.sort()).toEqual(['a', 'b'])
    expect(await firstSuccess(from<string>([]), async c => c, { hedgeDelay: 10 })).toBeUndefined()
  })

  it('stops with AbortedError when the caller aborts', async () => {
    const controller = new AbortController()
    const pending = firstSuccess(from(['a']), async (_c, signal) => { await sleep(5000, signal); return 1 }, { hedgeDelay: 10, signal: controller.signal })
    setTimeout(() => { controller.abort() }, 20)
    await expect(pending).rejects.toMatchObject({ name: 'AbortedError' })
  })
})
