/**
 * Strict reading of dag-cbor records: size caps, structure caps checked
 * before decoding, exact key sets and typed field access. Every failure is
 * a MalformedDataError (or the error the caller passes), never a raw
 * decoder exception.
 *
 * Why a structure check first: decoding allocates per item, not per byte.
 * One byte of CBOR (0xa0, an empty map) becomes a JS object of ~64 bytes, so
 * 2 MiB of empty maps cost ~134 MiB of heap and half a second of a blocked
 * event loop. cborg (under @ipld/dag-cbor) has no limits on item counts or
 * nesting, so `checkCborStructure` walks the item heads (RFC 8949 §3) without
 * allocating and refuses input over the caller's caps before anything is
 * decoded. Each caller caps what its format can legitimately hold; a caller
 * that gives only a byte cap gets `defaultStructure`, whose caps grow with
 * the input: at most one item per 2 bytes and one array or map per 16
 * bytes (beyond small floors). Measured with cborg 6: a scalar costs ~11
 * bytes of heap, an empty array ~43 and an empty map ~64, so under the
 * defaults no input decodes to more than ~10 times its own size.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { MalformedDataError, UnsupportedVersionError, type DataMeshError } from './errors.ts'

export type Fail = (message: string, details?: Record<string, unknown>) => DataMeshError
const malformed: Fail = (message, details) => new MalformedDataError(message, details)

export function encodeCbor (value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

/** Caps on the shape of one CBOR value, checked before it is decoded. */
export interface CborStructure {
  /** most data items in all: the top-level item, every array entry, map key, map value and tag count one each */
  maxItems: number
  /** most arrays and maps among them (the costly items to decode) */
  maxContainers: number
  /** deepest nesting: the top-level item is at depth 1, each array, map or tag adds one */
  maxDepth: number
  /** longest text string (map keys included), in bytes */
  maxTextBytes: number
  /** longest byte string, in bytes */
  maxByteStringBytes: number
}

const STRUCTURE_KEYS = ['maxItems', 'maxContainers', 'maxDepth', 'maxTextBytes', 'maxByteStringBytes'] as const

/** A byte cap plus structure caps; structure caps left out take DEFAULT_STRUCTURE. */
export interface CborLimits extends Partial<CborStructure> {
  /** largest encoding accepted, in bytes */
  maxBytes: number
}

/**
 * Caps for what a caller leaves out: depth 16 (the deepest format, a
 * manifest, nests 6), no string caps beyond the byte cap, 256 items plus one
 * per 2 bytes of input, 64 arrays and maps plus one per 16 bytes. The
 * formats read this way spend far more per item (keys, ids, hashes, keys
 * sealed to the owner) and hundreds of bytes per array or map.
 */
export function defaultStructure (byteLength: number, maxBytes: number): CborStructure {
  return {
    maxItems: 256 + Math.floor(byteLength / 2),
    maxContainers: 64 + Math.floor(byteLength / 16),
    maxDepth: 16,
    maxTextBytes: maxBytes,
    maxByteStringBytes: maxBytes
  }
}

/**
 * Walk the heads of one CBOR data item that must fill `bytes` exactly, and
 * throw (through `fail`) when it breaks a cap or is not well-formed enough
 * to walk: a length past the end, trailing bytes, indefinite lengths (which
 * dag-cbor never uses), reserved additional information. Allocates nothing
 * that grows with the input, and stops at the first cap exceeded: a declared
 * count is charged in full when its head is read.
 */
export function checkCborStructure (bytes: Uint8Array, caps: CborStructure, what: string, fail: Fail = malformed): void {
  const end = bytes.byteLength
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const refuse = (problem: string, details: Record<string, unknown> = {}): DataMeshError =>
    fail(`${what}: ${problem}`, { reason: 'structure', ...details })
  // items still expected by each open array, map or tag, innermost last
  const open: number[] = []
  let items = 1
  let containers = 0
  let at = 0
  if (items > caps.maxItems) throw refuse('too many items', { maxItems: caps.maxItems })
  while (true) {
    if (at >= end) throw refuse('ends in the middle of an item')
    const head = bytes[at++] as number
    const major = head >> 5
    const info = head & 0x1f
    let arg: number
    if (info < 24) {
      arg = info
    } else if (info < 28) {
      const size = 1 << (info - 24)
      if (at + size > end) throw refuse('ends in the middle of an item')
      if (size === 1) arg = view.getUint8(at)
      else if (size === 2) arg = view.getUint16(at)
      else if (size === 4) arg = view.getUint32(at)
      else {
        const hi = view.getUint32(at)
        // beyond 2^53 only an integer or a float can be meant, never a length
        arg = hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 2 ** 32 + view.getUint32(at + 4)
      }
      at += size
    } else if (info === 31) {
      throw refuse(major === 7 ? 'unexpected break' : 'indefinite lengths are not allowed')
    } else {
      throw refuse('reserved additional information')
    }
    let children = 0
    switch (major) {
      case 2:
      case 3: {
        const cap = major === 2 ? caps.maxByteStringBytes : caps.maxTextBytes
        if (arg > cap) throw refuse(`a ${major === 2 ? 'byte' : 'text'} string is longer than ${cap} bytes`, { length: arg })
        if (arg > end - at) throw refuse('ends in the middle of a string')
        at += arg
        break
      }
      case 4:
      case 5:
        if (++containers > caps.maxContainers) throw refuse('too many arrays and maps', { maxContainers: caps.maxContainers })
        children = major === 4 ? arg : 2 * arg
        // every item takes at least one byte
        if (children > end - at) throw refuse('declares more items than it has bytes', { declared: children })
        break
      case 6:
        children = 1
        break
      default: // 0, 1: integers; 7: simple values and floats, their bytes already skipped
        break
    }
    if (children > 0) {
      items += children
      if (items > caps.maxItems) throw refuse('too many items', { maxItems: caps.maxItems })
      if (open.length + 2 > caps.maxDepth) throw refuse('nested too deeply', { maxDepth: caps.maxDepth })
      open.push(children)
      continue
    }
    // this item is complete: close every container it completes
    while (open.length > 0) {
      const left = (open[open.length - 1] as number) - 1
      if (left > 0) { open[open.length - 1] = left; break }
      open.pop()
    }
    if (open.length === 0) break
  }
  if (at !== end) throw refuse('trailing bytes after the item', { length: end, used: at })
}

/**
 * Decode dag-cbor bytes into a plain map, after checking the byte cap and
 * the structure caps (a number is a byte cap alone, with `defaultStructure`).
 */
export function decodeCborMap (bytes: Uint8Array, limits: number | CborLimits, what: string, fail: Fail = malformed): Record<string, unknown> {
  const value = decodeCbor(bytes, limits, what, fail)
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || CID.asCID(value) != null) {
    throw fail(`${what} must be a map`)
  }
  return value as Record<string, unknown>
}

/** Decode one dag-cbor value of any kind under the same caps as `decodeCborMap`. */
export function decodeCbor (bytes: Uint8Array, limits: number | CborLimits, what: string, fail: Fail = malformed): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: expected a Uint8Array`)
  const given: CborLimits = typeof limits === 'number' ? { maxBytes: limits } : limits
  const { maxBytes } = given
  if (bytes.byteLength > maxBytes) throw fail(`${what} is larger than ${maxBytes} bytes`, { size: bytes.byteLength, maxBytes })
  const caps = defaultStructure(bytes.byteLength, maxBytes)
  for (const key of STRUCTURE_KEYS) {
    const cap = given[key]
    if (cap !== undefined) caps[key] = cap
  }
  checkCborStructure(bytes, caps, what, fail)
  try {
    return dagCbor.decode(bytes)
  } catch (err) {
    throw fail(`${what} is not valid dag-cbor`, { cause: String(err) })
  }
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
