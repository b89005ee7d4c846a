/** Wire formats: requests, responses, the error envelope, signature preimages, frames. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { encodeCbor } from '../../src/core/cbor.ts'
import { DataMeshError, QuotaExceededError } from '../../src/core/errors.ts'
import { parseShardCid, shardCid } from '../../src/core/hash.ts'
import { decodeResponse, encodeFailure, encodeOk } from '../../src/net/protocol/envelope.ts'
import { decodeInfoRequest, decodeInfoResponse, encodeInfoRequest, encodeInfoResponse } from '../../src/net/protocol/info-messages.ts'
import {
  decodeFetchResponse, decodeHasResponse, decodeShardRequest, decodeStoreManyResponse, deletePreimage, encodeShardRequest, grantPreimage, shardLimits,
  storePreimage, type ShardRequest
} from '../../src/net/protocol/shard-messages.ts'
import { ERROR_ANSWER_STRUCTURE, wireError } from '../../src/net/protocol/envelope.ts'
import { DEFAULT_MAX_SHARD_SIZE, MAX_BATCH_SHARDS, MAX_DETAIL_KEY, MAX_DETAIL_STRING, MAX_ERROR_DETAILS, MAX_ERROR_MESSAGE, MAX_ERROR_NAME, MAX_HAS_IDS, SHARD_OPS, type ShardOp } from '../../src/net/protocol/constants.ts'

const MAX = 1 << 20
/** an envelope's caps large enough for any test answer */
const ANY = { maxBytes: MAX, maxItems: 10_000, maxContainers: 1000, maxDepth: 8, maxTextBytes: MAX, maxByteStringBytes: MAX }
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

  it('round-trip, without the operation on the wire (it is the protocol id)', () => {
    for (const request of requests) {
      const wire = encodeShardRequest(request)
      const back = decodeShardRequest(request.op, wire, MAX)
      expect(encodeShardRequest(back)).toEqual(wire)
      expect(Object.keys(dagCbor.decode(wire) as object)).not.toContain('op')
    }
  })

  it('read the version first, then refuse unknown, missing and mistyped fields', () => {
    const base = { v: 1, id: id.bytes }
    expect(errorOf(() => decodeShardRequest('fetch', encodeCbor({ ...base, v: 2 }), MAX)).name).toBe('UnsupportedVersionError')
    const cases: Array<[ShardOp, Record<string, unknown>]> = [
      ['fetch', { ...base, extra: 1 }],
      ['fetch', { ...base, op: 'fetch' }],
      ['fetch', { v: 1 }],
      ['fetch', { ...base, id: 'bafk' }],
      ['fetch', { ...base, id: new Uint8Array(65) }],
      ['fetch', { ...base, id: shardCid(Uint8Array.of(1)).bytes.subarray(0, 20) }],
      ['has', { v: 1, ids: Array.from({ length: 257 }, () => id.bytes) }],
      ['delete', { v: 1, id: id.bytes, owner: new Uint8Array(31), ts: 1, sig }],
      ['delete', { v: 1, id: id.bytes, owner, ts: -1, sig }],
      ['delete', { v: 1, id: id.bytes, owner, ts: 1.5, sig }],
      ['store', { v: 1, id: id.bytes, data: new Uint8Array(11), owner, ts: 1, sig }],
      ['store', { v: 1, id: id.bytes, owner, ts: 1, sig }],
      ['store-many', { v: 1, shards: [], owner, exp: 1, sig }],
      ['store-many', { v: 1, shards: [[id.bytes]], owner, exp: 1, sig }],
      ['store-many', { v: 1, shards: [[id.bytes, new Uint8Array(11)]], owner, exp: 1, sig }],
      ['store-many', { v: 1, shards: [[id.bytes, 'data']], owner, exp: 1, sig }],
      ['store-many', { v: 1, shards: [[id.bytes, new Uint8Array(1)]], owner, exp: 1 }],
      ['store-many', { v: 1, shards: Array.from({ length: 257 }, () => [id.bytes, new Uint8Array(1)]), owner, exp: 1, sig }]
    ]
    for (const [op, bad] of cases) {
      expect(errorOf(() => decodeShardRequest(op, encodeCbor(bad), 10)).name).toBe('MalformedDataError')
    }
  })

  it('never throw anything but typed errors on random bytes', () => {
    fc.assert(fc.property(fc.constantFrom(...SHARD_OPS), fc.uint8Array({ maxLength: 200 }), (op, bytes) => {
      try { decodeShardRequest(op, bytes, MAX) } catch (err) { expect(err).toBeInstanceOf(DataMeshError) }
    }), { numRuns: 300 })
  })
})

describe('the caps of each operation', () => {
  const S = DEFAULT_MAX_SHARD_SIZE
  const worst = new QuotaExceededError('x'.repeat(5000), Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`${'k'.repeat(80)}${i}`.slice(-MAX_DETAIL_KEY), 'é'.repeat(500)])))
  const biggest: Record<ShardOp, ShardRequest> = {
    store: { op: 'store', id, data: new Uint8Array(S), owner, ts: Number.MAX_SAFE_INTEGER, sig },
    fetch: { op: 'fetch', id },
    has: { op: 'has', ids: Array.from({ length: MAX_HAS_IDS }, () => id) },
    delete: { op: 'delete', id, owner, ts: Number.MAX_SAFE_INTEGER, sig },
    'store-many': { op: 'store-many', shards: [{ id, data: new Uint8Array(S - MAX_BATCH_SHARDS * 65 - 256) }, ...Array.from({ length: MAX_BATCH_SHARDS - 1 }, () => ({ id, data: new Uint8Array(1) }))], owner, exp: Number.MAX_SAFE_INTEGER, sig },
    renew: { op: 'renew', ids: Array.from({ length: MAX_HAS_IDS }, () => id), until: Number.MAX_SAFE_INTEGER, owner, ts: Number.MAX_SAFE_INTEGER, sig }
  }

  it('let the largest honest request of each operation through, and refuse one more id or byte', () => {
    for (const op of SHARD_OPS) {
      const wire = encodeShardRequest(biggest[op])
      expect(wire.byteLength).toBeLessThanOrEqual(shardLimits(op, S).request.maxBytes)
      expect(decodeShardRequest(op, wire, S).op).toBe(op)
    }
    // has, fetch and delete: a few KiB at most
    for (const op of ['has', 'fetch', 'delete'] as const) expect(shardLimits(op, S).request.maxBytes).toBeLessThanOrEqual(18 * 1024)
    const oneMoreId = encodeCbor({ v: 1, ids: Array.from({ length: MAX_HAS_IDS + 1 }, () => id.bytes) })
    expect(errorOf(() => decodeShardRequest('has', oneMoreId, S)).details).toMatchObject({ reason: 'structure' })
  })

  it('let the largest honest answers through: every error, 256 errors in a store-many answer, a whole shard', () => {
    const failure = encodeFailure(worst)
    for (const op of SHARD_OPS) {
      expect(failure.byteLength).toBeLessThanOrEqual(shardLimits(op, S).response.maxBytes)
      expect(errorOf(() => decodeResponse(failure, shardLimits(op, S).response, 'x', () => undefined))).toBeInstanceOf(QuotaExceededError)
    }
    const errors = encodeOk({ errors: Array.from({ length: MAX_BATCH_SHARDS }, () => wireError(worst)) })
    expect(errors.byteLength).toBeLessThanOrEqual(shardLimits('store-many', S).response.maxBytes)
    expect(decodeStoreManyResponse(errors, MAX_BATCH_SHARDS).every(e => e instanceof QuotaExceededError)).toBe(true)
    expect(decodeFetchResponse(encodeOk({ data: new Uint8Array(S) }), S).byteLength).toBe(S)
    expect(decodeHasResponse(encodeOk({ have: Array.from({ length: MAX_HAS_IDS }, () => true) }), MAX_HAS_IDS)).toHaveLength(MAX_HAS_IDS)
    expect(wireError(worst).name.length).toBeLessThanOrEqual(MAX_ERROR_NAME)
    expect(ERROR_ANSWER_STRUCTURE.maxTextBytes).toBe(MAX_ERROR_MESSAGE)
    expect(Object.keys(wireError(worst).details ?? {})).toHaveLength(MAX_ERROR_DETAILS)
    expect(Object.values(wireError(worst).details ?? {}).every(v => typeof v === 'string' && new TextEncoder().encode(v).byteLength <= MAX_DETAIL_STRING)).toBe(true)
  })

  it('refuse answers shaped to cost more than an honest one', () => {
    const shapes = [
      encodeCbor({ v: 1, ok: true, have: Array.from({ length: MAX_HAS_IDS }, () => ({})) }),
      encodeCbor({ v: 1, ok: false, error: { name: 'X', message: 'y', details: { a: [[[[1]]]] } } }),
      encodeCbor({ v: 1, ok: true, data: Uint8Array.of(1), pad: Array.from({ length: 100 }, () => 1) })
    ]
    for (const frame of shapes) {
      for (const op of ['has', 'fetch', 'store'] as const) {
        expect(errorOf(() => decodeResponse(frame, shardLimits(op, S).response, 'x', () => undefined)).name).toBe('MalformedDataError')
      }
    }
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
    const thrown = errorOf(() => decodeResponse(encodeFailure(err), ANY, 'x', () => undefined))
    expect(thrown).toBeInstanceOf(QuotaExceededError)
    expect(thrown.message).toBe('full')
    expect(thrown.details).toEqual({ quota: 10, used: 9, needed: 2, owner: 'abc' })
  })

  it('never leaks what a non-DataMesh error says', () => {
    const thrown = errorOf(() => decodeResponse(encodeFailure(new Error('/secret/path failed')), ANY, 'x', () => undefined))
    expect(thrown.message).toBe('Internal error')
  })

  it('reads successes strictly', () => {
    expect(decodeFetchResponse(encodeOk({ data: Uint8Array.of(1) }), MAX)).toEqual(Uint8Array.of(1))
    expect(errorOf(() => decodeFetchResponse(encodeOk({ data: Uint8Array.of(1), more: 1 }), MAX)).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeFetchResponse(encodeCbor({ v: 1, ok: 'yes', data: Uint8Array.of(1) }), MAX)).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeFetchResponse(encodeCbor({ v: 3, ok: true }), MAX)).name).toBe('UnsupportedVersionError')
    expect(decodeHasResponse(encodeOk({ have: [true, false] }), 2)).toEqual([true, false])
    expect(errorOf(() => decodeHasResponse(encodeOk({ have: [true] }), 2)).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeHasResponse(encodeOk({ have: [1, 0] }), 2)).name).toBe('MalformedDataError')
    const badDetails = encodeCbor({ v: 1, ok: false, error: { name: 'NotFoundError', message: 'x', details: { a: [1] } } })
    expect(errorOf(() => decodeResponse(badDetails, ANY, 'x', () => undefined)).name).toBe('MalformedDataError')
    const longKey = encodeCbor({ v: 1, ok: false, error: { name: 'NotFoundError', message: 'x', details: { ['k'.repeat(MAX_DETAIL_KEY + 1)]: 1 } } })
    expect(errorOf(() => decodeResponse(longKey, ANY, 'x', () => undefined)).name).toBe('MalformedDataError')
  })

  it('reads store-many answers per shard, with typed errors', () => {
    const quota = wireError(new QuotaExceededError('full', { quota: 1 }))
    const answers = decodeStoreManyResponse(encodeOk({ errors: [null, quota] }), 2)
    expect(answers[0]).toBeUndefined()
    expect(answers[1]).toBeInstanceOf(QuotaExceededError)
    expect(answers[1]?.details).toEqual({ quota: 1 })
    for (const bad of [{ errors: [null] }, { errors: [null, 'no'] }, { errors: [null, { name: 'X' }] }, {}]) {
      expect(errorOf(() => decodeStoreManyResponse(encodeOk(bad), 2)).name).toBe('MalformedDataError')
    }
  })
})

describe('info messages', () => {
  it('round-trip, with -1 on the wire for unlimited', () => {
    decodeInfoRequest(encodeInfoRequest())
    const info = { nodeType: 'relay' as const, version: '0.1.0', free: Number.MAX_SAFE_INTEGER, used: 5, quota: Number.POSITIVE_INFINITY, perOwnerQuota: Number.POSITIVE_INFINITY, shards: 1 }
    const frame = encodeInfoResponse(info)
    expect(decodeResponse(frame, ANY, 'x', r => [r.int('quota', -1, 0), r.int('perOwnerQuota', -1, 0), r.int('free', 0, Number.MAX_SAFE_INTEGER), r.string('nodeType', 9), r.string('version', 9), r.int('used', 0, 9), r.int('shards', 0, 9)]))
      .toEqual([-1, -1, Number.MAX_SAFE_INTEGER, 'relay', '0.1.0', 5, 1])
    expect(decodeInfoResponse(frame)).toEqual(info)
    expect(errorOf(() => decodeInfoResponse(encodeOk({ ...info, quota: -1, perOwnerQuota: -1, nodeType: 'toaster' }))).name).toBe('MalformedDataError')
    expect(errorOf(() => decodeInfoRequest(encodeCbor({ v: 1, op: 'info', x: 1 }))).name).toBe('MalformedDataError')
  })
})
