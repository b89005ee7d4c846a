/**
 * /datamesh/shard/{store,store-many,fetch,has,delete}/1.0.0 — wire format,
 * version 1.
 *
 * One protocol id per operation (constants.ts SHARD_PROTOCOLS), so a holder
 * knows the cap of a request before reading its body. One request and one
 * response per stream, each a frame (frame.ts) holding a dag-cbor map, read
 * strictly: exact key sets, types and lengths, the version checked first
 * (UnsupportedVersionError). Caps, requests then answers (S = maxShardSize,
 * default 16 MiB):
 *
 *   store       { v: 1, id: <CID bytes>, data: <bytes>, owner: <Ed25519 pub, 32>,
 *                 ts: <ms since epoch>, sig: <64> }          S + 4 KiB  -> { v: 1, ok: true }            8 KiB
 *   fetch       { v: 1, id: <CID bytes> }                        1 KiB  -> { v: 1, ok: true, data: <bytes> } S + 4 KiB
 *   has         { v: 1, ids: [<CID bytes>, ... at most 256] } 17.5 KiB -> { v: 1, ok: true, have: [<bool>, ...] } 8 KiB
 *   delete      { v: 1, id: <CID bytes>, owner: <32>, ts: <ms>, sig: <64> } 1 KiB -> { v: 1, ok: true } 8 KiB
 *   store-many  { v: 1, shards: [[<CID bytes>, <bytes>], ... 1 to 256], owner: <32>,
 *                 exp: <ms since epoch>, sig: <64> }         S + 4 KiB
 *                 -> { v: 1, ok: true, errors: [null | error, ...] }  256 × 6.3 KiB + 1 KiB
 *   failure (any) { v: 1, ok: false, error: { name, message, details? } }  (envelope.ts)
 *
 * Besides its byte cap, every message is decoded under structure caps
 * (`shardLimits`): the items, arrays and maps, nesting and string lengths
 * its largest honest form has, so no frame costs more heap than its own
 * size plus a few KiB.
 *
 * Ids are CIDv1 (raw, BLAKE3-256) in binary form (36 bytes). `have[i]`
 * answers `ids[i]`; `errors[i]` (null, or an error map as in a failure)
 * answers `shards[i]`.
 *
 * Signatures (Ed25519, RFC 8032, by `owner`) over
 *   store:  "datamesh/shard/store/v1"  || 0x00 || dag-cbor([id bytes, owner, holder, ts])
 *   delete: "datamesh/shard/delete/v1" || 0x00 || dag-cbor([id bytes, holder, ts])
 *   grant:  "datamesh/shard/grant/v1"  || 0x00 || dag-cbor([owner, holder, delegate, exp])
 * where `holder` is the holder's peer id as multihash bytes and `ts` an
 * integer. Binding the holder means a holder cannot replay a store (spending
 * the owner's quota elsewhere) or a delete to another holder. A holder
 * accepts `ts` within ±maxClockSkew (default 10 minutes) of its clock; a
 * replay to the same holder inside that window repeats an operation the
 * owner already asked of it (both operations are idempotent).
 *
 * store-many is signed once per holder and period instead of once per
 * shard: the grant lets `delegate`, the peer id the request arrives from
 * (authenticated by Noise), store shards for `owner` on `holder` until
 * `exp`. A holder accepts a grant that has not expired (within the clock
 * skew) and does not reach further than MAX_GRANT_LIFETIME (one hour, plus
 * the skew) into the future, and remembers the grants it verified, so a
 * stream of small stores costs one signature check. A grant is useless to
 * anyone but the delegate, and to any holder but its own. The shards of one
 * request are verified before anything is written and then kept all or
 * none, except that a shard already held is not stored again: for the
 * owner it is a success, for another owner an AlreadyExistsError in its
 * place in `errors`. Deletes stay signed one by one.
 */
import type { CID } from 'multiformats/cid'
import { decodeCborMap, encodeCbor, RecordReader, type CborLimits, type CborStructure } from '../../core/cbor.ts'
import { parseShardCid } from '../../core/hash.ts'
import { domainSeparated, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from '../../core/signature.ts'
import { reviveError, type DataMeshError } from '../../core/errors.ts'
import {
  DELETE_DOMAIN, ERROR_WIRE_MAX, FRAME_HEADER_ALLOWANCE, GRANT_DOMAIN, HAS_REQUEST_MAX, MAX_BATCH_SHARDS, MAX_CID_BYTES, MAX_ERROR_MESSAGE, MAX_HAS_IDS,
  SMALL_ANSWER_MAX, SMALL_REQUEST_MAX, STORE_DOMAIN, WIRE_VERSION, type ShardOp
} from './constants.ts'
import { answerLimits, decodeResponse, ERROR_MAP_ITEMS, readWireError } from './envelope.ts'

export interface StoreRequest { op: 'store', id: CID, data: Uint8Array, owner: Uint8Array, ts: number, sig: Uint8Array }
export interface FetchRequest { op: 'fetch', id: CID }
export interface HasRequest { op: 'has', ids: CID[] }
export interface DeleteRequest { op: 'delete', id: CID, owner: Uint8Array, ts: number, sig: Uint8Array }
export interface StoreManyRequest { op: 'store-many', shards: Array<{ id: CID, data: Uint8Array }>, owner: Uint8Array, exp: number, sig: Uint8Array }
export type ShardRequest = StoreRequest | FetchRequest | HasRequest | DeleteRequest | StoreManyRequest

/** The caps of one operation's request and answer frames (see the module header). */
export interface ShardLimits {
  request: CborLimits
  response: CborLimits
}

/** Text in requests: keys only, the longest "shards". */
const KEY_TEXT = 16

function structure (maxItems: number, maxContainers: number, maxDepth: number, maxTextBytes: number, maxByteStringBytes: number): CborStructure {
  return { maxItems, maxContainers, maxDepth, maxTextBytes, maxByteStringBytes }
}

/** Byte and structure caps of `op`'s messages for shards of at most `maxShardSize` bytes. */
export function shardLimits (op: ShardOp, maxShardSize: number): ShardLimits {
  const shardFrame = maxShardSize + FRAME_HEADER_ALLOWANCE
  // a success with no fields: { v, ok }
  const empty = structure(5, 1, 2, KEY_TEXT, 0)
  switch (op) {
    case 'store': // { v, id, data, owner, ts, sig }
      return { request: { maxBytes: shardFrame, ...structure(13, 1, 2, KEY_TEXT, maxShardSize) }, response: answerLimits(SMALL_ANSWER_MAX, empty) }
    case 'fetch': // { v, id } -> { v, ok, data }
      return { request: { maxBytes: SMALL_REQUEST_MAX, ...structure(5, 1, 2, KEY_TEXT, MAX_CID_BYTES) }, response: answerLimits(shardFrame, structure(7, 1, 2, KEY_TEXT, maxShardSize)) }
    case 'has': // { v, ids: [id...] } -> { v, ok, have: [bool...] }
      return {
        request: { maxBytes: HAS_REQUEST_MAX, ...structure(5 + MAX_HAS_IDS, 2, 3, KEY_TEXT, MAX_CID_BYTES) },
        response: answerLimits(SMALL_ANSWER_MAX, structure(7 + MAX_HAS_IDS, 2, 3, KEY_TEXT, 0))
      }
    case 'delete': // { v, id, owner, ts, sig }
      return { request: { maxBytes: SMALL_REQUEST_MAX, ...structure(11, 1, 2, KEY_TEXT, MAX_CID_BYTES) }, response: answerLimits(SMALL_ANSWER_MAX, empty) }
    case 'store-many': // { v, shards: [[id, data]...], owner, exp, sig } -> { v, ok, errors: [null | error...] }
      return {
        request: { maxBytes: shardFrame, ...structure(11 + 3 * MAX_BATCH_SHARDS, 2 + MAX_BATCH_SHARDS, 4, KEY_TEXT, maxShardSize) },
        response: {
          maxBytes: MAX_BATCH_SHARDS * ERROR_WIRE_MAX + SMALL_REQUEST_MAX,
          ...structure(7 + MAX_BATCH_SHARDS * ERROR_MAP_ITEMS, 2 + 2 * MAX_BATCH_SHARDS, 5, MAX_ERROR_MESSAGE, 0)
        }
      }
  }
}

/** The request's map as it goes on the wire; the operation is its protocol id. */
export function encodeShardRequest (request: ShardRequest): Uint8Array {
  switch (request.op) {
    case 'store':
      return encodeCbor({ v: WIRE_VERSION, id: request.id.bytes, data: request.data, owner: request.owner, ts: request.ts, sig: request.sig })
    case 'fetch':
      return encodeCbor({ v: WIRE_VERSION, id: request.id.bytes })
    case 'has':
      return encodeCbor({ v: WIRE_VERSION, ids: request.ids.map(id => id.bytes) })
    case 'delete':
      return encodeCbor({ v: WIRE_VERSION, id: request.id.bytes, owner: request.owner, ts: request.ts, sig: request.sig })
    case 'store-many':
      return encodeCbor({ v: WIRE_VERSION, shards: request.shards.map(s => [s.id.bytes, s.data]), owner: request.owner, exp: request.exp, sig: request.sig })
  }
}

/** Strictly decode a request frame of `op` (MalformedDataError / UnsupportedVersionError). */
export function decodeShardRequest (op: ShardOp, frame: Uint8Array, maxShardSize: number): ShardRequest {
  const what = `shard ${op} request`
  const reader = new RecordReader(decodeCborMap(frame, shardLimits(op, maxShardSize).request, what), what)
  reader.version(WIRE_VERSION)
  let request: ShardRequest
  switch (op) {
    case 'store':
      request = {
        op,
        id: readId(reader, reader.bytes('id', { min: 1, max: MAX_CID_BYTES })),
        data: reader.bytes('data', { min: 0, max: maxShardSize }),
        ...readSigned(reader)
      }
      break
    case 'fetch':
      request = { op, id: readId(reader, reader.bytes('id', { min: 1, max: MAX_CID_BYTES })) }
      break
    case 'has': {
      const ids = reader.array('ids', MAX_HAS_IDS) as unknown[]
      request = { op, ids: ids.map(id => readId(reader, id)) }
      break
    }
    case 'delete':
      request = { op, id: readId(reader, reader.bytes('id', { min: 1, max: MAX_CID_BYTES })), ...readSigned(reader) }
      break
    case 'store-many': {
      const shards = reader.array('shards', MAX_BATCH_SHARDS) as unknown[]
      if (shards.length === 0) throw reader.fail('"shards" must not be empty')
      request = {
        op,
        shards: shards.map(pair => {
          if (!Array.isArray(pair) || pair.length !== 2 || !(pair[1] instanceof Uint8Array) || pair[1].byteLength > maxShardSize) {
            throw reader.fail(`"shards" must hold [id, bytes] pairs of at most ${maxShardSize} bytes`)
          }
          return { id: readId(reader, pair[0]), data: pair[1] }
        }),
        owner: reader.bytes('owner', ED25519_PUBLIC_KEY_BYTES),
        exp: reader.int('exp', 0, Number.MAX_SAFE_INTEGER),
        sig: reader.bytes('sig', ED25519_SIGNATURE_BYTES)
      }
      break
    }
  }
  reader.done()
  return request
}

function readSigned (reader: RecordReader): { owner: Uint8Array, ts: number, sig: Uint8Array } {
  return {
    owner: reader.bytes('owner', ED25519_PUBLIC_KEY_BYTES),
    ts: reader.int('ts', 0, Number.MAX_SAFE_INTEGER),
    sig: reader.bytes('sig', ED25519_SIGNATURE_BYTES)
  }
}

function readId (reader: RecordReader, value: unknown): CID {
  if (!(value instanceof Uint8Array) || value.byteLength === 0 || value.byteLength > MAX_CID_BYTES) {
    throw reader.fail(`ids must be CID bytes of at most ${MAX_CID_BYTES} bytes`)
  }
  return parseShardCid(value)
}

/** The bytes the owner signs to store `id` on `holder` (see the module header). */
export function storePreimage (id: CID, owner: Uint8Array, holder: Uint8Array, ts: number): Uint8Array {
  return domainSeparated(STORE_DOMAIN, encodeCbor([id.bytes, owner, holder, ts]))
}

/** The bytes the owner signs to let `delegate` store on `holder` until `exp` (see the module header). */
export function grantPreimage (owner: Uint8Array, holder: Uint8Array, delegate: Uint8Array, exp: number): Uint8Array {
  return domainSeparated(GRANT_DOMAIN, encodeCbor([owner, holder, delegate, exp]))
}

/** The bytes the owner signs to delete `id` from `holder` (see the module header). */
export function deletePreimage (id: CID, holder: Uint8Array, ts: number): Uint8Array {
  return domainSeparated(DELETE_DOMAIN, encodeCbor([id.bytes, holder, ts]))
}

// responses (client side)

export function decodeEmptyResponse (op: 'store' | 'delete', frame: Uint8Array): void {
  decodeResponse(frame, shardLimits(op, 0).response, `shard ${op} response`, () => undefined)
}

export function decodeFetchResponse (frame: Uint8Array, maxShardSize: number): Uint8Array {
  return decodeResponse(frame, shardLimits('fetch', maxShardSize).response, 'shard fetch response', r => r.bytes('data', { min: 0, max: maxShardSize }))
}

/** One entry per shard sent: undefined when it is kept, else the typed error the holder answered for it. */
export function decodeStoreManyResponse (frame: Uint8Array, count: number): Array<DataMeshError | undefined> {
  return decodeResponse(frame, shardLimits('store-many', 0).response, 'shard store-many response', r => {
    const errors = r.array('errors', MAX_BATCH_SHARDS) as unknown[]
    if (errors.length !== count) throw r.fail(`"errors" must have ${count} entries, one per shard sent`)
    return errors.map(e => {
      if (e === null) return undefined
      if (typeof e !== 'object' || Array.isArray(e) || e instanceof Uint8Array) throw r.fail('"errors" must hold null or error maps')
      return reviveError(readWireError(e as Record<string, unknown>, 'shard store-many response'))
    })
  })
}

export function decodeHasResponse (frame: Uint8Array, count: number): boolean[] {
  return decodeResponse(frame, shardLimits('has', 0).response, 'shard has response', r => {
    const have = r.array('have', MAX_HAS_IDS) as unknown[]
    if (have.length !== count || !have.every(b => typeof b === 'boolean')) {
      throw r.fail(`"have" must be ${count} booleans, one per id asked`)
    }
    return have as boolean[]
  })
}
