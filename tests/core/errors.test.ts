/** Typed errors and their serialized form (what crosses threads and the wire). */
import { describe, expect, it } from 'vitest'
import {
  DataMeshError, MalformedDataError, NotFoundError, QuotaExceededError, RateLimitedError, reviveError, serializeError
} from '../../src/core/errors.ts'

describe('reviveError', () => {
  it('rebuilds the class a name stands for, with message and details', () => {
    for (const err of [new QuotaExceededError('full', { used: 3 }), new NotFoundError(), new RateLimitedError('slow down', { retryAfter: 100 })]) {
      const back = reviveError(serializeError(err))
      expect(back).toBeInstanceOf(err.constructor)
      expect(back).toMatchObject({ name: err.name, message: err.message, details: err.details })
    }
  })

  it('turns an unknown name into a DataMeshError that keeps the name in its details', () => {
    const back = reviveError({ name: 'SomethingNew', message: 'hm', details: { a: 1 } })
    expect(back.constructor).toBe(DataMeshError)
    expect(back.name).toBe('DataMeshError')
    expect(back.details).toEqual({ a: 1, originalName: 'SomethingNew' })
  })

  // names a peer may send that exist on Object.prototype or are not error classes
  const hostile = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'Error', 'prototype', 'name', 'length']

  it.each(hostile)('gives a plain DataMeshError for the name %j', name => {
    const back = reviveError({ name, message: 'from a peer', details: { x: 'y' } })
    expect(back).toBeInstanceOf(DataMeshError)
    expect(back.constructor).toBe(DataMeshError)
    expect(back.name).toBe('DataMeshError')
    expect(back.message).toBe('from a peer')
    expect(back.details).toEqual({ x: 'y', originalName: name })
  })

  it('revives the family\'s own name as itself (an internal error), without an originalName', () => {
    const back = reviveError({ name: 'DataMeshError', message: 'Internal error' })
    expect(back.constructor).toBe(DataMeshError)
    expect(back.details).toEqual({})
  })

  it('keeps a detail named __proto__ as data', () => {
    const details = JSON.parse('{"__proto__": {"polluted": true}, "reason": "x"}') as Record<string, unknown>
    const back = reviveError({ name: 'MalformedDataError', message: 'm', details })
    expect(back).toBeInstanceOf(MalformedDataError)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(back.details)).toBe(Object.prototype)
  })
})
