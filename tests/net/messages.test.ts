/** Wire formats: requests, responses, the error envelope, signature preimages, frames. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { encodeCbor } from '../../src/core/cbor.ts'
import { DataMeshError, QuotaExceededError } from '../../src/core/errors.ts'
import { parseShardCid, shardCid } from '../../src/core/hash.ts'
import { decodeResponse, encodeFailure, encodeOk } from '../../src/net/protocol/envelope.ts'
import { decodeInfoRequest, decodeInfoResponse, encodeInfoRequest, encodeInfoResponse } from '../../src/net/protocol/info-messages.ts'
import {
  decodeFetchResponse, decodeHasResponse, decodeShardRequest, decodeStoreManyResponse, deletePreimage, encodeShardRequest, grantPreimage, storePreimage, type ShardRequest
} from '../../src/net/protocol/shard-messages.ts'
import { wireError } from '../../src/net/protocol/envelope.ts'

const MAX = 1 << 20
const id = shardCid(Uint8Array.of(1, 2, 3))
const owner = new Uint8Array(32).fill(7)
const sig = new Uint8Array(64).fill(9)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function errorOf (fn: () => unknown): Error & { details?: Record<string, unknown> } {
  try { fn() } catch (err) { return err as Error }
  throw new Error('expected a throw')
}

describe('shard requests', () => {
  const requests: ShardRequest[] = [
    { op: 'store', id, data: Uint8Array.of(1, 2, 3), owner, ts: 1_700_000_000_000, sig },
    { op: 'fetch', id },
    { op: 'has', ids: [id, shardCid(Uint8Array.of(4))] },
    { op: 'has', ids: [] },
    { op: 'delete', id, owner, ts: 5, sig },
    { op: 'store-many', shards: [{ id, data: Uint8Array.of(1, 2, 3) }, { id: shardCid(Uint8Array.of(4)), data: new Uint8Array(0) }], owner, exp: 1_700_000_600_000, sig }
  ]

  it('round-trip', () => {
    for (const request of requests) {
      const back = decodeShardRequest(encodeShardRequest(request), MAX, MAX)
      expect(encodeShardRequest(back)).toEqual(encodeShardRequest(request))
    }
  })

  it('read the version first, then refuse unknown, missing and mistyped fields', () => {
    const base = { v: 1, op: 'fetch', id: id.bytes }
    expect(errorOf(() => decodeShardRequest(encodeCbor({ ...base, v: 2, junk: 1 }), MAX, MAX)).name).toBe('UnsupportedVersionError')
    for (const bad of [
      { ...base, extra: 1 },
      { v: 1, op: 'fetch' },
      { ...base, id: 'bafk' },
      { ...base, op: 'steal' },
      { ...base, id: new Uint8Array(65) },
      { ...base, id: shardCid(Uint8Array.of(1)).bytes.subarray(0, 20) },
      { v: 1, op: 'has', ids: Array.from({ length: 257 }, () => id.bytes) },
      { v: 1, op: 'delete', id: id.bytes, owner: new Uint8Array(31), ts: 1, sig },
      { v: 1, op: 'delete', id: id.bytes, owner, ts: -1, sig },
      { v: 1, op: 'delete', id: id.bytes, owner, ts: 1.5, sig },
      { v: 1, op: 'store', id: id.bytes, data: new Uint8Array(11), owner, ts: 1, sig },
      { v: 1, op: 'store-many', shards: [], owner, exp: 1, sig },
      { v: 1, op: 'store-many', shards: [[id.bytes]], owner, exp: 1, sig },
      { v: 1, op: 'store-many', shards: [[id.bytes, new Uint8Array(11)]], owner, exp: 1, sig },
      { v: 1, op: 'store-many', shards: [[id.bytes, 'data']], owner, exp: 1, sig },
      { v: 1, op: 'store-many', shards: [[id.bytes, new Uint8Array(1)]], owner, exp: 1 },
      { v: 1, op: 'store-many', shards: Array.from({ length: 257 }, () => [id.bytes, new Uint8Array(1)]), owner, exp: 1, sig }
    ]) {
      expect(errorOf(() => decodeShardRequest(encodeCbor(bad), MAX, 10)).name).toBe('MalformedDataError')
    }
    expect(errorOf(() => decodeShardRequest(encodeShardRequest(requests[0] as ShardRequest), 10, MAX)).name).toBe('MalformedDataError')
  })

  it('never throw anything but typed errors on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
      try { decodeShardRequest(bytes, MAX, MAX) } catch (err) { expect(err).toBeInstanceOf(DataMeshError) }
    }), { numRuns: 300 })
  })
})

describe('signature preimages (frozen: changing them breaks every deployed holder)', () => {
  const holder = Uint8Array.of(0x00, 0x24, 0x08, 0x01)
  it('store binds id, owner, holder and time', () => {
    const cid = parseShardCid('bafkr4iaasrh2ibcymfwuxdtfxh4fc3kgvvc2cd5n3kvvbwt25cikdmfsti')
    const p = storePreimage(cid, owner, holder, 1_700_000_000_000)
    expect(Buffer.from(p.subarray(0, 24)).toString()).toBe('datamesh/shard/store/v1\0')
    expect(hex(p.subarray(24))).toBe(hex(encodeCbor([cid.bytes, owner, holder, 1_700_000_000_000])))
    expect(hex(p.subarray(24, 26))).toBe('8458') // array(4), bytes(1-byte length)
  })
  it('grant binds owner, holder, delegate and expiry', () => {
    const delegate = Uint8Array.of(0x00, 0x24, 0x08, 0x02)
    const p = grantPreimage(owner, holder, delegate, 1_700_000_600_000)
    expect(Buffer.from(p.subarray(0, 24)).toString()).toBe('datamesh/shard/grant/v1\0')
    expect(hex(p.subarray(24))).toBe(hex(encodeCbor([owner, holder, delegate, 1_700_000_600_000])))
  })
  it('delete binds id, holder and time', () => {
    const p = deletePreimage(id, holder, 42)
    expect(Buffer.from(p.subarray(0, 25)).toString()).toBe('datamesh/shard/delete/v1\0')
    expect(hex(p.subarray(25))).toBe(hex(encodeCbor([id.bytes, holder, 42])))
  })
})

describe('response envelope', () => {
  it('carries typed errors with sanitised details', () => {
    const err = new QuotaExceededError('full', { quota: 10, used: 9, needed: 2, limit: Number.POSITIVE_INFINITY, nested: { a: 1 }, owner: 'abc' })
    const thrown = errorOf(() => decodeResponse(encodeFailure(err), MAX, 'x', () => undefined))
    expect(thrown).toBeInstanceOf(QuotaExceededError)
    expect(thrown.message).toBe('full')
    expect(thrown.details).toEqual({ quota: 10, used: 9, needed: 2, owner: 'abc' })
  })

  it('never leaks what a non-DataMesh error says', () => {
    const thrown = errorOf(() => decodeResponse(encodeFailure(new Error('/secret/path failed')), MAX, 'x', () => undefined))
    expect(thrown.message).toBe('Internal error')
  })

  it('reads successes strictly', () => {
    expect(decodeFetchResponse(encodeOk({ data: Uint8Array.of(1) }), MAX, MAX)).toEqual(Uint8Array.of(1))
    expect(errorOf(() => decodeFetchResponse(encodeOk({ data: Uint8Array.of(1), more: 1 }), MAX, MAX)).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeFetchResponse(encodeCbor({ v: 1, ok: 'yes', data: Uint8Array.of(1) }), MAX, MAX)).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeFetchResponse(encodeCbor({ v: 3, ok: true }), MAX, MAX)).name).toBe('UnsupportedVersionError')
    expect(decodeHasResponse(encodeOk({ have: [true, false] }), MAX, 2)).toEqual([true, false])
    expect(errorOf(() => decodeHasResponse(encodeOk({ have: [true] }), MAX, 2)).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeHasResponse(encodeOk({ have: [1, 0] }), MAX, 2)).name).toBe('MalformedDataError')
    const badDetails = encodeCbor({ v: 1, ok: false, error: { name: 'NotFoundError', message: 'x', details: { a: [1] } } })
    expect(errorOf(() => decodeResponse(badDetails, MAX, 'x', () => undefined)).name).toBe('MalformedDataError')
  })

  it('reads store-many answers per shard, with typed errors', () => {
    const quota = wireError(new QuotaExceededError('full', { quota: 1 }))
    const answers = decodeStoreManyResponse(encodeOk({ errors: [null, quota] }), MAX, 2)
    expect(answers[0]).toBeUndefined()
    expect(answers[1]).toBeInstanceOf(QuotaExceededError)
    expect(answers[1]?.details).toEqual({ quota: 1 })
    for (const bad of [{ errors: [null] }, { errors: [null, 'no'] }, { errors: [null, { name: 'X' }] }, {}]) {
      expect(errorOf(() => decodeStoreManyResponse(encodeOk(bad), MAX, 2)).name).toBe('MalformedDataError')
    }
  })
})

describe('info messages', () => {
  it('round-trip, with -1 on the wire for unlimited', () => {
    decodeInfoRequest(encodeInfoRequest())
    const info = { nodeType: 'relay' as const, version: '0.1.0', free: Number.MAX_SAFE_INTEGER, used: 5, quota: Number.POSITIVE_INFINITY, perOwnerQuota: Number.POSITIVE_INFINITY, shards: 1 }
    const frame = encodeInfoResponse(info)
    expect(decodeResponse(frame, MAX, 'x', r => [r.int('quota', -1, 0), r.int('perOwnerQuota', -1, 0), r.int('free', 0, Number.MAX_SAFE_INTEGER), r.string('nodeType', 9), r.string('version', 9), r.int('used', 0, 9), r.int('shards', 0, 9)]))
      .toEqual([-1, -1, Number.MAX_SAFE_INTEGER, 'relay', '0.1.0', 5, 1])
    expect(decodeInfoResponse(frame)).toEqual(info)
    expect(errorOf(() => decodeInfoResponse(encodeOk({ ...info, quota: -1, perOwnerQuota: -1, nodeType: 'toaster' }))).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeInfoRequest(encodeCbor({ v: 1, op: 'info', x: 1 }))).name).toBe('MalformedDataError')
  })
})
