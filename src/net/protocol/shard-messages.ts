/**
 * /datamesh/shard/1.0.0 — wire format, version 1.
 *
 * One request and one response per stream, each a frame (frame.ts) holding a
 * dag-cbor map. A request frame is at most maxShardSize (default 16 MiB) +
 * 4 KiB; a response frame likewise. Maps are read strictly: exact key sets,
 * types and lengths, the version checked first (UnsupportedVersionError).
 *
 *   store   { v: 1, op: 'store',  id: <CID bytes>, data: <bytes>, owner: <Ed25519 pub, 32>,
 *             ts: <ms since epoch>, sig: <64> }                          -> { v: 1, ok: true }
 *   fetch   { v: 1, op: 'fetch',  id: <CID bytes> }                      -> { v: 1, ok: true, data: <bytes> }
 *   has     { v: 1, op: 'has',    ids: [<CID bytes>, ... at most 256] }  -> { v: 1, ok: true, have: [<bool>, ...] }
 *   delete  { v: 1, op: 'delete', id: <CID bytes>, owner: <32>, ts: <ms>, sig: <64> } -> { v: 1, ok: true }
 *   store-many { v: 1, op: 'store-many', shards: [[<CID bytes>, <bytes>], ... 1 to 256],
 *             owner: <32>, exp: <ms since epoch>, sig: <64> }
 *                                              -> { v: 1, ok: true, errors: [null | error, ...] }
 *   failure (any op) { v: 1, ok: false, error: { name, message, details? } }   (envelope.ts)
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
import { decodeCborMap, encodeCbor, RecordReader } from '../../core/cbor.ts'
import { parseShardCid } from '../../core/hash.ts'
import { domainSeparated, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from '../../core/signature.ts'
import { reviveError, type DataMeshError } from '../../core/errors.ts'
import { DELETE_DOMAIN, GRANT_DOMAIN, MAX_BATCH_SHARDS, MAX_CID_BYTES, MAX_HAS_IDS, STORE_DOMAIN, WIRE_VERSION } from './constants.ts'
import { decodeResponse, readWireError } from './envelope.ts'

export interface StoreRequest { op: 'store', id: CID, data: Uint8Array, owner: Uint8Array, ts: number, sig: Uint8Array }
export interface FetchRequest { op: 'fetch', id: CID }
export interface HasRequest { op: 'has', ids: CID[] }
export interface DeleteRequest { op: 'delete', id: CID, owner: Uint8Array, ts: number, sig: Uint8Array }
export interface StoreManyRequest { op: 'store-many', shards: Array<{ id: CID, data: Uint8Array }>, owner: Uint8Array, exp: number, sig: Uint8Array }
export type ShardRequest = StoreRequest | FetchRequest | HasRequest | DeleteRequest | StoreManyRequest

const WHAT = 'shard request'

export function encodeShardRequest (request: ShardRequest): Uint8Array {
  switch (request.op) {
    case 'store':
      return encodeCbor({ v: WIRE_VERSION, op: 'store', id: request.id.bytes, data: request.data, owner: request.owner, ts: request.ts, sig: request.sig })
    case 'fetch':
      return encodeCbor({ v: WIRE_VERSION, op: 'fetch', id: request.id.bytes })
    case 'has':
      return encodeCbor({ v: WIRE_VERSION, op: 'has', ids: request.ids.map(id => id.bytes) })
    case 'delete':
      return encodeCbor({ v: WIRE_VERSION, op: 'delete', id: request.id.bytes, owner: request.owner, ts: request.ts, sig: request.sig })
    case 'store-many':
      return encodeCbor({ v: WIRE_VERSION, op: 'store-many', shards: request.shards.map(s => [s.id.bytes, s.data]), owner: request.owner, exp: request.exp, sig: request.sig })
  }
}

/** Strictly decode a request frame (MalformedDataError / UnsupportedVersionError). */
export function decodeShardRequest (frame: Uint8Array, maxBytes: number, maxShardSize: number): ShardRequest {
  const reader = new RecordReader(decodeCborMap(frame, maxBytes, WHAT), WHAT)
  reader.version(WIRE_VERSION)
  const op = reader.string('op', 16)
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
    default:
      throw reader.fail(`unknown op "${op}"`)
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

export function decodeEmptyResponse (frame: Uint8Array, maxBytes: number, op: string): void {
  decodeResponse(frame, maxBytes, `shard ${op} response`, () => undefined)
}

export function decodeFetchResponse (frame: Uint8Array, maxBytes: number, maxShardSize: number): Uint8Array {
  return decodeResponse(frame, maxBytes, 'shard fetch response', r => r.bytes('data', { min: 0, max: maxShardSize }))
}

/** One entry per shard sent: undefined when it is kept, else the typed error the holder answered for it. */
export function decodeStoreManyResponse (frame: Uint8Array, maxBytes: number, count: number): Array<DataMeshError | undefined> {
  return decodeResponse(frame, maxBytes, 'shard store-many response', r => {
    const errors = r.array('errors', MAX_BATCH_SHARDS) as unknown[]
    if (errors.length !== count) throw r.fail(`"errors" must have ${count} entries, one per shard sent`)
    return errors.map(e => {
      if (e === null) return undefined
      if (typeof e !== 'object' || Array.isArray(e) || e instanceof Uint8Array) throw r.fail('"errors" must hold null or error maps')
      return reviveError(readWireError(e as Record<string, unknown>, 'shard store-many response'))
    })
  })
}

export function decodeHasResponse (frame: Uint8Array, maxBytes: number, count: number): boolean[] {
  return decodeResponse(frame, maxBytes, 'shard has response', r => {
    const have = r.array('have', MAX_HAS_IDS) as unknown[]
    if (have.length !== count || !have.every(b => typeof b === 'boolean')) {
      throw r.fail(`"have" must be ${count} booleans, one per id asked`)
    }
    return have as boolean[]
  })
}
