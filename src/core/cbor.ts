/**
 * Strict reading of dag-cbor records: size caps, exact key sets and typed
 * field access. Every failure is a MalformedDataError (or the error the
 * caller passes), never a raw decoder exception.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { MalformedDataError, UnsupportedVersionError, type DataMeshError } from './errors.ts'

export type Fail = (message: string, details?: Record<string, unknown>) => DataMeshError
const malformed: Fail = (message, details) => new MalformedDataError(message, details)

export function encodeCbor (value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

/** Decode dag-cbor bytes of at most `maxBytes` into a plain map. */
export function decodeCborMap (bytes: Uint8Array, maxBytes: number, what: string, fail: Fail = malformed): Record<string, unknown> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: expected a Uint8Array`)
  if (bytes.byteLength > maxBytes) throw fail(`${what} is larger than ${maxBytes} bytes`, { size: bytes.byteLength, maxBytes })
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (err) {
    throw fail(`${what} is not valid dag-cbor`, { cause: String(err) })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || CID.asCID(value) != null) {
    throw fail(`${what} must be a map`)
  }
  return value as Record<string, unknown>
}

/** Reads fields of one decoded map, checking types and the exact key set. */
export class RecordReader {
  readonly #map: Record<string, unknown>
  readonly #what: string
  readonly #fail: Fail
  readonly #seen = new Set<string>()

  constructor (map: Record<string, unknown>, what: string, fail: Fail = malformed) {
    this.#map = map
    this.#what = what
    this.#fail = fail
  }

  fail (message: string, details?: Record<string, unknown>): DataMeshError {
    return this.#fail(`${this.#what}: ${message}`, details)
  }

  #get (key: string, optional: boolean): unknown {
    this.#seen.add(key)
    const v = this.#map[key]
    if (v === undefined && !optional) throw this.fail(`missing field "${key}"`)
    return v
  }

  /** Check the version field first, so a newer format gets the right error. */
  version (supported: number, key = 'v'): number {
    const v = this.#get(key, false)
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.fail('version must be an integer')
    if (v !== supported) throw new UnsupportedVersionError(`${this.#what}: version ${v} is not supported (this build reads version ${supported})`, { version: v, supported })
    return v
  }

  int (key: string, min: number, max: number): number {
    const v = this.#get(key, false)
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw this.fail(`"${key}" must be an integer in [${min}, ${max}]`)
    return v
  }

  string (key: string, maxBytes: number): string {
    const v = this.#get(key, false)
    if (typeof v !== 'string' || utf8Length(v) > maxBytes) throw this.fail(`"${key}" must be a string of at most ${maxBytes} bytes`)
    return v
  }

  bytes (key: string, length?: { min: number, max: number } | number): Uint8Array {
    const v = this.#get(key, false)
    if (!(v instanceof Uint8Array)) throw this.fail(`"${key}" must be bytes`)
    const { min, max } = typeof length === 'number' ? { min: length, max: length } : length ?? { min: 0, max: Infinity }
    if (v.byteLength < min || v.byteLength > max) throw this.fail(`"${key}" has the wrong length`, { length: v.byteLength })
    return v
  }

  array (key: string, maxItems: number, optional = false): unknown[] | undefined {
    const v = this.#get(key, optional)
    if (v === undefined && optional) return undefined
    if (!Array.isArray(v) || v.length > maxItems) throw this.fail(`"${key}" must be a list of at most ${maxItems} items`)
    return v
  }

  map (key: string): Record<string, unknown> {
    const v = this.#get(key, false)
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || CID.asCID(v) != null) throw this.fail(`"${key}" must be a map`)
    return v as Record<string, unknown>
  }

  /** Refuse fields this version does not define. */
  done (): void {
    for (const key of Object.keys(this.#map)) {
      if (!this.#seen.has(key)) throw this.fail(`unknown field "${key}"`)
    }
  }
}

const encoder = new TextEncoder()
export function utf8Length (s: string): number {
  return encoder.encode(s).byteLength
}
