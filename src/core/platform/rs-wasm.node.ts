/** Reed-Solomon wasm for Node: compiled from the installed package's file. */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'

export async function instantiateRsWasm (): Promise<WebAssembly.Instance> {
  const require = createRequire(import.meta.url)
  const path = require.resolve('@digitaldefiance/reed-solomon-erasure.wasm/wasm')
  const { instance } = await WebAssembly.instantiate(await readFile(path), {})
  return instance
}
