/**
 * What a hostile frame costs the process that receives it: how far the
 * committed V8 heap grows and how long the event loop stalls, sampled while
 * `run` is in flight. Node only.
 */
import { getHeapStatistics } from 'node:v8'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--expose-gc')
/** a full collection, so a measurement starts from live objects only */
export const collectGarbage = runInNewContext('gc') as () => void

export interface Cost<T> {
  result: T
  /** growth of V8's committed heap (total_heap_size) over its value before `run`, at its highest */
  heapGrowthBytes: number
  /** the longest the event loop was blocked, ms */
  maxDelayMs: number
}

/** Run `run` and report the most heap and event-loop delay it cost. */
export async function measure<T> (run: () => Promise<T>): Promise<Cost<T>> {
  collectGarbage()
  const base = getHeapStatistics().total_heap_size
  let peak = base
  const sample = (): void => { peak = Math.max(peak, getHeapStatistics().total_heap_size) }
  const sampler = setInterval(sample, 2)
  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  try {
    const result = await run()
    sample()
    return { result, heapGrowthBytes: peak - base, maxDelayMs: delay.max / 1e6 }
  } finally {
    clearInterval(sampler)
    delay.disable()
  }
}

/**
 * dag-cbor of `{ ...fields, [key]: [{}, {}, ... count times] }` without
 * building the objects: `key` must sort after every key of `fields`
 * (dag-cbor orders keys by length, then bytewise).
 */
export function emptyMapsFrame (fields: Uint8Array, fieldCount: number, key: string, count: number): Uint8Array {
  const keyBytes = new TextEncoder().encode(key)
  if (fieldCount >= 23 || keyBytes.byteLength >= 24) throw new TypeError('emptyMapsFrame: a few short fields only')
  const out = new Uint8Array(fields.byteLength + 1 + keyBytes.byteLength + 5 + count)
  out.set(fields)
  out[0] = 0xa0 + fieldCount + 1 // the map head, one more entry
  let at = fields.byteLength
  out[at++] = 0x60 + keyBytes.byteLength
  out.set(keyBytes, at)
  at += keyBytes.byteLength
  out[at++] = 0x9a // array, 32-bit count
  new DataView(out.buffer).setUint32(at, count)
  at += 4
  out.fill(0xa0, at) // empty maps
  return out
}
