import { describe, expect, it } from 'vitest'
import { TransferList } from '../../../src/app/files/transfers.ts'
import { NotFoundError } from '../../../src/core/errors.ts'

describe('TransferList', () => {
  it('tracks progress, speed and time left, then done with the task\'s answer', async () => {
    let now = 0
    const list = new TransferList({ now: () => now })
    let step: (n: number) => void = () => {}
    let finish: () => void = () => {}
    const ended = list.start('a.jpg', 1000, async ({ progress }) => {
      step = progress
      await new Promise<void>(resolve => { finish = resolve })
      return 'picker'
    })
    await Promise.resolve()
    now = 1000
    step(250)
    expect(list.items[0]).toMatchObject({ label: 'a.jpg', status: 'running', bytesDone: 250, rate: 250, eta: 3 })
    finish()
    expect(await ended).toMatchObject({ status: 'done', bytesDone: 1000, result: 'picker', rate: 0 })
    expect(list.items[0]?.eta).toBeUndefined()
  })

  it('the task can tell the size once it knows it', async () => {
    const list = new TransferList()
    const t = await list.start('all.zip', undefined, async ({ setSize, progress }) => { setSize(500); progress(200) })
    expect(t).toMatchObject({ size: 500, bytesDone: 500, status: 'done' })
  })

  it('a failure is a readable message', async () => {
    const list = new TransferList()
    const t = await list.start('x', undefined, async () => { throw new NotFoundError('No file named x') })
    expect(t.status).toBe('failed')
    expect(t.error).toBe('Not found: No file named x')
  })

  it('a closed save dialog (AbortError) counts as cancelled', async () => {
    const list = new TransferList()
    const t = await list.start('x', 1, async () => { throw new DOMException('The user aborted a request.', 'AbortError') })
    expect(t.status).toBe('cancelled')
    expect(t.error).toBeUndefined()
  })

  it('cancel aborts the task\'s signal and shows at once', async () => {
    const list = new TransferList()
    let signal: AbortSignal | undefined
    const ended = list.start('big', 10, async (t) => {
      signal = t.signal
      await new Promise((_resolve, reject) => { t.signal.addEventListener('abort', () => { reject(new Error('aborted')) }) })
    })
    await Promise.resolve()
    const id = list.items[0]?.id as number
    list.cancel(id)
    expect(signal?.aborted).toBe(true)
    expect(list.items[0]?.status).toBe('cancelled')
    expect((await ended).status).toBe('cancelled')
    list.clearFinished()
    expect(list.items).toEqual([])
  })

  it('clearFinished(id) forgets one finished transfer and never a running one', async () => {
    const list = new TransferList()
    await list.start('a', 1, async () => {})
    await list.start('b', 1, async () => {})
    void list.start('c', 1, async () => { await new Promise(() => {}) })
    const [a, , c] = list.items
    list.clearFinished(a?.id)
    list.clearFinished(c?.id)
    expect(list.items.map(t => t.label)).toEqual(['b', 'c'])
  })
})
