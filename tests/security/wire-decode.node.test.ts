/**
 * Every decoder a peer's bytes reach, fuzzed with amplification inputs:
 * masses of empty maps and arrays, deep nesting, huge declared lengths,
 * indefinite lengths, each bare or inside a well-formed envelope. Each must
 * fail with a MalformedDataError, and decoding must not cost more heap than
 * a small multiple of the input (margins wide enough never to flake).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { getHeapStatistics } from 'node:v8'
import { decodeCborMap, encodeCbor } from '../../src/core/cbor.ts'
import { MiB } from '../../src/core/bytes.ts'
import { DataMeshError } from '../../src/core/errors.ts'
import { DEFAULT_MAX_SHARD_SIZE, SHARD_OPS } from '../../src/net/protocol/constants.ts'
import { decodeInfoRequest, decodeInfoResponse } from '../../src/net/protocol/info-messages.ts'
import {
  decodeEmptyResponse, decodeFetchResponse, decodeHasResponse, decodeShardRequest, decodeStoreManyResponse
} from '../../src/net/protocol/shard-messages.ts'
import { collectGarbage } from './wire-probe.ts'

const S = DEFAULT_MAX_SHARD_SIZE

/** Every decoder that reads a peer's bytes, by name. */
const decoders: Record<string, (bytes: Uint8Array) => unknown> = {
  ...Object.fromEntries(SHARD_OPS.map(op => [`${op} request`, (b: Uint8Array) => decodeShardRequest(op, b, S)])),
  'store answer': b => { decodeEmptyResponse('store', b) },
  'delete answer': b => { decodeEmptyResponse('delete', b) },
  'fetch answer': b => decodeFetchResponse(b, S),
  'has answer': b => decodeHasResponse(b, 256),
  'store-many answer': b => decodeStoreManyResponse(b, 256),
  'info request': b => { decodeInfoRequest(b) },
  'info answer': b => decodeInfoResponse(b),
  // records and manifests read with a byte cap alone (the default structure caps)
  'a 16 MiB record': b => decodeCborMap(b, 16 * MiB, 'record')
}

/** A CBOR head in its shortest form. */
function head (major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n]
  if (n < 0x100) return [(major << 5) | 24, n]
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff]
  return [(major << 5) | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
}

function repeat (unit: number[], times: number): Uint8Array {
  const out = new Uint8Array(unit.length * times)
  for (let i = 0; i < times; i++) out.set(unit, i * unit.length)
  return out
}

function join (...parts: Array<Uint8Array | number[]>): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** The amplification shapes, each about `size` bytes. */
const shapes: Record<string, (size: number) => Uint8Array> = {
  'empty maps': size => join(head(4, size), repeat([0xa0], size)),
  'empty arrays': size => join(head(4, size), repeat([0x80], size)),
  'maps of one empty map': size => join(head(4, size / 3), repeat([0xa1, 0x60, 0xa0], size / 3)),
  'small integers': size => join(head(4, size), repeat([0x01], size)),
  'deep arrays': size => join(repeat([0x81], size), [0x80]),
  'deep maps': size => join(repeat([0xa1, 0x60], size / 2), [0xa0]),
  'deep tags': size => join(repeat([0xd8, 42], size / 2), [0x40]),
  'a huge declared count': size => join([0x9a, 0xff, 0xff, 0xff, 0xff], repeat([0xa0], size)),
  'a huge declared string': size => join([0x5b, 0, 0, 0, 1, 0, 0, 0, 0], new Uint8Array(size)),
  'indefinite arrays': size => join(repeat([0x9f], size / 2), repeat([0xff], size / 2)),
  'indefinite maps of empty arrays': size => join([0xbf], repeat([0x60, 0x80], size / 2), [0xff])
}

/** `inner` as the value of the last key of a well-formed envelope, so the decoder gets past the outer map. */
function wrapped (inner: Uint8Array, key: string): Uint8Array {
  const outer = encodeCbor({ v: 1, ok: true })
  const keyBytes = new TextEncoder().encode(key)
  return join([0xa3], outer.subarray(1), head(3, keyBytes.byteLength), keyBytes, inner)
}

const input = fc.record({
  shape: fc.constantFrom(...Object.keys(shapes)),
  size: fc.integer({ min: 256 * 1024, max: 2 * MiB }).map(n => n - (n % 6)),
  key: fc.option(fc.constantFrom('ids', 'have', 'data', 'errors', 'shards', 'entries', 'stripes'), { nil: undefined })
}).map(({ shape, size, key }) => {
  const body = (shapes[shape] as (size: number) => Uint8Array)(size)
  return { label: `${shape}${key === undefined ? '' : ` in "${key}"`}`, bytes: key === undefined ? body : wrapped(body, key) }
})

/** Heap a synchronous call costs: growth of used and of committed heap, whichever is larger (the garbage it leaves counts). */
function heapCost (run: () => void): number {
  collectGarbage()
  const before = getHeapStatistics()
  run()
  const after = getHeapStatistics()
  return Math.max(after.used_heap_size - before.used_heap_size, after.total_heap_size - before.total_heap_size)
}

describe('decoders under amplification inputs', () => {
  it.each(Object.keys(decoders))('%s: a MalformedDataError, at a small multiple of the input in heap', (name) => {
    const decode = decoders[name] as (bytes: Uint8Array) => unknown
    let worst = { ratio: 0, label: '' }
    fc.assert(fc.property(input, ({ label, bytes }) => {
      let failure: unknown
      const cost = heapCost(() => {
        try { decode(bytes) } catch (err) { failure = err }
      })
      expect(failure, label).toBeInstanceOf(DataMeshError)
      expect((failure as DataMeshError).name, label).toBe('MalformedDataError')
      const ratio = cost / bytes.byteLength
      if (ratio > worst.ratio) worst = { ratio, label }
      // 8 times the input, plus 16 MiB for what the heap grows by whatever it is asked
      expect(cost, `${label}: ${(cost / MiB).toFixed(1)} MiB for ${(bytes.byteLength / MiB).toFixed(2)} MiB`).toBeLessThan(8 * bytes.byteLength + 16 * MiB)
    }), { numRuns: 15, seed: 8 })
    console.log(`${name}: worst ${worst.ratio.toFixed(2)} x (${worst.label})`)
  })
})
