/** Reed-Solomon wasm for Node: compiled from the installed package's file. */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { ReedSolomonErasure } from '@digitaldefiance/reed-solomon-erasure.wasm'

export async function instantiateRsWasm (): Promise<ReedSolomonErasure> {
  const require = createRequire(import.meta.url)
  const path = require.resolve('@digitaldefiance/reed-solomon-erasure.wasm/wasm')
  return ReedSolomonErasure.fromBytes(new Uint8Array(await readFile(path)))
}
