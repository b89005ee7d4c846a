/**
 * Frozen sample: the error envelope `{ v: 1, ok: false, error: { name,
 * message, details? } }` that every request/response protocol answers a
 * failure with (error-envelope-v1.json), made by an earlier build. Today's
 * decoders revive each recorded answer to the recorded typed error (the
 * same class, message and details, whatever protocol it arrives on), and
 * today's encoder writes the same bytes for it. An error that is not a
 * DataMesh error goes out as a bare "Internal error"; names a hostile peer
 * sends that are no error class (`constructor`, `__proto__` ...) revive
 * to a plain DataMeshError carrying the name, never to anything else.
 */
import { describe, it, expect } from 'vitest'
import { DataMeshError, reviveError } from '../../src/core/errors.ts'
import { decodeBandwidthAnswer } from '../../src/net/bandwidth/index.ts'
import { encodeFailure } from '../../src/net/protocol/envelope.ts'
import { decodeInfoResponse } from '../../src/net/protocol/info-messages.ts'
import { decodeEmptyResponse, decodeFetchResponse, decodeHasResponse, decodeStoreManyResponse } from '../../src/net/protocol/shard-messages.ts'
import { fromHex, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/error-envelope-v1.json'

/** Every decoder of an answer, each of which must throw the answered error. */
const decoders: Array<[string, (frame: Uint8Array) => unknown]> = [
  ['store', f => { decodeEmptyResponse('store', f) }],
  ['delete', f => { decodeEmptyResponse('delete', f) }],
  ['fetch', f => decodeFetchResponse(f, 16 * 1024 * 1024)],
  ['has', f => decodeHasResponse(f, 1)],
  ['store-many', f => decodeStoreManyResponse(f, 1)],
  ['info', f => decodeInfoResponse(f)],
  ['bandwidth', f => decodeBandwidthAnswer(f)]
]

function thrown (decode: (frame: Uint8Array) => unknown, frame: Uint8Array): DataMeshError {
  try {
    decode(frame)
  } catch (err) {
    return err as DataMeshError
  }
  throw new Error('the answer decoded as a success')
}

const shape = (e: DataMeshError): unknown => ({ name: e.name, message: e.message, details: e.details })


describe('frozen error envelope (v1)', () => {
  for (const e of sample.errors) {
    it(`${e.name}: revived by every protocol's decoder to the recorded error, and encoded to the same bytes`, () => {
      const frame = fromHex(e.answerHex)
      for (const [protocol, decode] of decoders) {
        const err = thrown(decode, frame)
        expect(err, protocol).toBeInstanceOf(DataMeshError)
        expect(shape(err), protocol).toEqual({ name: e.name, message: e.message, details: e.details })
        expect(err.constructor.name, protocol).toBe(e.name)
      }
      const error = reviveError({ name: e.name, message: e.message, details: e.details })
      expect(toHex(encodeFailure(error))).toBe(e.answerHex)
    })
  }

  it('an error that is not a DataMesh error goes out as a bare internal error', () => {
    const err = thrown(decoders[0]![1], fromHex(sample.internal.answerHex))
    expect(shape(err)).toEqual({ name: 'DataMeshError', message: 'Internal error', details: {} })
    const [kind, ...message] = sample.internal.thrown.split(': ')
    expect(kind).toBe('Error')
    expect(toHex(encodeFailure(new Error(message.join(': '))))).toBe(sample.internal.answerHex)
  })

  it('names that are no error class revive to a plain DataMeshError that keeps the name', () => {
    for (const c of sample.crafted) {
      for (const [protocol, decode] of decoders) {
        const err = thrown(decode, fromHex(c.answerHex))
        expect(err, `${c.name} on ${protocol}`).toBeInstanceOf(DataMeshError)
        expect(shape(err), `${c.name} on ${protocol}`).toEqual({ name: c.revivedName, message: c.message, details: c.details })
      }
    }
  })
})
