/**
 * The response envelope shared by every DataMesh request/response protocol.
 *
 *   success  { v: 1, ok: true, ...fields of the operation }
 *   failure  { v: 1, ok: false, error: { name, message, details? } }
 *
 * `name` is a DataMesh error class name (at most 64 bytes), `message` at most
 * 1 KiB, `details` a map of at most 16 entries whose values are strings (at
 * most 256 bytes), finite numbers, booleans or null. The client rebuilds the
 * error with `reviveError`, so it throws the same class the holder threw
 * (QuotaExceededError, NotFoundError ...). Errors that are not DataMesh
 * errors are answered as a bare `DataMeshError` "Internal error": internals
 * (paths, stack traces) never leave the node.
 *
 * An answer is decoded under structure caps (core/cbor.ts): those of the
 * operation's success, or of an error answer, whichever is larger
 * (`answerLimits`), so a hostile peer's answer cannot cost more to decode
 * than the largest honest one.
 */
import { decodeCborMap, encodeCbor, RecordReader, utf8Length, type CborLimits, type CborStructure } from '../../core/cbor.ts'
import { DataMeshError, MalformedDataError, reviveError, type ErrorDetails, type SerializedError } from '../../core/errors.ts'
import { MAX_DETAIL_KEY, MAX_DETAIL_STRING, MAX_ERROR_DETAILS, MAX_ERROR_MESSAGE, MAX_ERROR_NAME, WIRE_VERSION } from './constants.ts'

/** Items of one error map: the map, 3 keys, name, message, the details map and its 16 entries. */
export const ERROR_MAP_ITEMS = 1 + 3 + 2 + 1 + 2 * MAX_ERROR_DETAILS
/** An error answer: { v, ok, error } around one error map, nested at most 4 deep (details values). */
export const ERROR_ANSWER_STRUCTURE: Readonly<CborStructure> = Object.freeze({
  maxItems: 1 + 3 + 2 + ERROR_MAP_ITEMS,
  maxContainers: 3,
  maxDepth: 4,
  maxTextBytes: MAX_ERROR_MESSAGE,
  maxByteStringBytes: 0
})

/** The caps of an answer of at most `maxBytes`: each the larger of its success's and an error answer's. */
export function answerLimits (maxBytes: number, ok: Readonly<CborStructure>): CborLimits {
  const e = ERROR_ANSWER_STRUCTURE
  return {
    maxBytes,
    maxItems: Math.max(ok.maxItems, e.maxItems),
    maxContainers: Math.max(ok.maxContainers, e.maxContainers),
    maxDepth: Math.max(ok.maxDepth, e.maxDepth),
    maxTextBytes: Math.max(ok.maxTextBytes, e.maxTextBytes),
    maxByteStringBytes: Math.max(ok.maxByteStringBytes, e.maxByteStringBytes)
  }
}

export function encodeOk (fields: Record<string, unknown> = {}): Uint8Array {
  return encodeCbor({ ...fields, v: WIRE_VERSION, ok: true })
}

export function encodeFailure (err: unknown): Uint8Array {
  return encodeCbor({ v: WIRE_VERSION, ok: false, error: wireError(err) })
}

/** What of an error goes on the wire (see the module header). */
export function wireError (err: unknown): SerializedError {
  if (!(err instanceof DataMeshError)) return { name: 'DataMeshError', message: 'Internal error' }
  const out: SerializedError = { name: truncate(err.name, MAX_ERROR_NAME), message: truncate(err.message, MAX_ERROR_MESSAGE) }
  const details = wireDetails(err.details)
  if (details !== undefined) out.details = details
  return out
}

function wireDetails (details: ErrorDetails): ErrorDetails | undefined {
  const out: ErrorDetails = {}
  let n = 0
  for (const [key, value] of Object.entries(details)) {
    if (n === MAX_ERROR_DETAILS) break
    if (utf8Length(key) > MAX_DETAIL_KEY) continue
    if (typeof value === 'string') out[key] = truncate(value, MAX_DETAIL_STRING)
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || value === null) out[key] = value
    else continue
    n++
  }
  return n === 0 ? undefined : out
}

/** Cut a string to at most `maxBytes` of UTF-8 (on a code point boundary). */
function truncate (s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s
  let out = ''
  for (const ch of s) {
    if (utf8Length(out + ch) > maxBytes) break
    out += ch
  }
  return out
}

/**
 * Decode a response frame: the fields of a success are handed to `readOk`
 * (which must read all of them); a failure is thrown as its typed error.
 */
export function decodeResponse<T> (frame: Uint8Array, limits: CborLimits, what: string, readOk: (reader: RecordReader) => T): T {
  const { ok, ...rest } = decodeCborMap(frame, limits, what)
  const reader = new RecordReader(rest, what)
  reader.version(WIRE_VERSION)
  if (ok === true) {
    const value = readOk(reader)
    reader.done()
    return value
  }
  if (ok !== false) throw reader.fail('"ok" must be a boolean')
  const error = readWireError(reader.map('error'), what)
  reader.done()
  throw reviveError(error)
}

/** Strictly read an error map (see the module header). */
export function readWireError (map: Record<string, unknown>, what: string): SerializedError {
  const { details, ...rest } = map
  const reader = new RecordReader(rest, `${what} error`)
  const out: SerializedError = { name: reader.string('name', MAX_ERROR_NAME), message: reader.string('message', MAX_ERROR_MESSAGE) }
  reader.done()
  if (details !== undefined) out.details = readDetails(details, what)
  return out
}

function readDetails (details: unknown, what: string): ErrorDetails {
  const bad = (): MalformedDataError => new MalformedDataError(`${what} error: "details" must be a small map of scalars`)
  if (details === null || typeof details !== 'object' || Array.isArray(details) || details instanceof Uint8Array) throw bad()
  const entries = Object.entries(details)
  if (entries.length > MAX_ERROR_DETAILS) throw bad()
  for (const [key, value] of entries) {
    if (utf8Length(key) > MAX_DETAIL_KEY) throw bad()
    const scalar = (typeof value === 'string' && utf8Length(value) <= MAX_DETAIL_STRING) ||
      typeof value === 'number' || typeof value === 'boolean' || value === null
    if (!scalar) throw bad()
  }
  return Object.fromEntries(entries)
}
