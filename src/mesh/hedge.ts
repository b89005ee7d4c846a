/**
 * Hedged requests: ask the first candidate; when it fails ask the next at
 * once, and when it is merely slow (no answer within `hedgeDelay`) ask the
 * next one too, so one slow holder never stalls a read. The first success
 * wins and the others are aborted. Candidates are pulled lazily (the later
 * ones may come from a DHT lookup that is only started when needed).
 */
import { AbortedError } from '../core/errors.ts'

export interface HedgeOptions<C> {
  hedgeDelay: number
  signal?: AbortSignal
  /** told of every failed attempt */
  onError?: (candidate: C, err: unknown) => void
}

/** The first successful attempt's result, or undefined when every candidate failed. */
export async function firstSuccess<C, T> (candidates: AsyncIterable<C>, attempt: (candidate: C, signal: AbortSignal) => Promise<T>, options: HedgeOptions<C>): Promise<T | undefined> {
  if (options.signal?.aborted === true) throw new AbortedError()
  const inner = new AbortController()
  const signal = options.signal === undefined ? inner.signal : AbortSignal.any([options.signal, inner.signal])
  const iterator = candidates[Symbol.asyncIterator]()
  return await new Promise<T | undefined>((resolve, reject) => {
    let pending = 0
    let pulling = false
    let exhausted = false
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined

    const onAbort = (): void => { finish(undefined, new AbortedError()) }
    const finish = (value: T | undefined, err?: unknown): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      inner.abort()
      iterator.return?.(undefined)?.catch(() => {})
      if (err !== undefined) reject(err)
      else resolve(value)
    }
    const checkDone = (): void => {
      if (exhausted && pending === 0 && !pulling) finish(undefined)
    }
    const armHedge = (): void => {
      clearTimeout(timer)
      timer = setTimeout(launch, options.hedgeDelay)
    }
    function launch (): void {
      if (settled || pulling || exhausted) return
      pulling = true
      iterator.next().then(next => {
        pulling = false
        if (settled) return
        if (next.done === true) { exhausted = true; checkDone(); return }
        const candidate = next.value
        pending++
        armHedge()
        attempt(candidate, signal).then(value => { finish(value) }, (err: unknown) => {
          pending--
          if (settled) return
          if (options.signal?.aborted === true) { finish(undefined, new AbortedError()); return }
          options.onError?.(candidate, err)
          launch()
          checkDone()
        })
      }, () => {
        pulling = false
        exhausted = true // a failed lookup ends the candidates; the attempts in flight may still succeed
        checkDone()
      })
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    launch()
  })
}
