/**
 * Reed-Solomon wasm for the browser: Vite emits the file and gives its URL;
 * it is compiled asynchronously (browsers refuse large synchronous compiles on
 * the main thread).
 */
import { ReedSolomonErasure } from '@digitaldefiance/reed-solomon-erasure.wasm'
import wasmUrl from '@digitaldefiance/reed-solomon-erasure.wasm/wasm?url'

export async function instantiateRsWasm (): Promise<ReedSolomonErasure> {
  return await ReedSolomonErasure.fromResponse(fetch(wasmUrl))
}
