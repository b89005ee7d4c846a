/**
 * Reed-Solomon wasm for the browser: Vite emits the file and gives its URL;
 * it is compiled asynchronously (browsers refuse large synchronous compiles on
 * the main thread).
 */
import wasmUrl from '@digitaldefiance/reed-solomon-erasure.wasm/wasm?url'

export async function instantiateRsWasm (): Promise<WebAssembly.Instance> {
  const response = await fetch(wasmUrl)
  if (!response.ok) throw new Error(`Could not load the Reed-Solomon wasm (${wasmUrl}): HTTP ${response.status}`)
  const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {})
  return instance
}
