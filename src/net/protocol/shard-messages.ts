/**
 * /datamesh/shard/{store,store-many,fetch,has,delete,renew}/1.0.0 — wire
 * format. Requests are version 1, except store and store-many requests
 * that carry a lease, which are version 2; every answer is version 1.
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
 *               { v: 2, id, data, owner, ts, lease: <ms since epoch>, renewer?: <Ed25519 pub, 32>, sig }
 *   fetch       { v: 1, id: <CID bytes> }                        1 KiB  -> { v: 1, ok: true, data: <bytes> } S + 4 KiB
 *   has         { v: 1, ids: [<CID bytes>, ... at most 256] } 17.5 KiB -> { v: 1, ok: true, have: [<bool>, ...] } 8 KiB
 *   delete      { v: 1, id: <CID bytes>, owner: <32>, ts: <ms>, sig: <64> } 1 KiB -> { v: 1, ok: true } 8 KiB
 *   store-many  { v: 1, shards: [[<CID bytes>, <bytes>], ... 1 to 256], owner: <32>,
 *                 exp: <ms since epoch>, sig: <64> }         S + 4 KiB
 *               { v: 2, shards: [[id, bytes, lease] | [id, bytes, lease, renewer], ... 1 to 256], owner, exp, sig }
 *                 -> { v: 1, ok: true, errors: [null | error, ...] }  256 × 6.3 KiB + 1 KiB
 *   renew       { v: 1, ids: [<CID bytes>, ... 1 to 256], until: <ms since epoch>, owner: <32>,
 *                 ts: <ms>, sig: <64> }                       17.5 KiB -> { v: 1, ok: true, extended: [<bool>, ...] } 8 KiB
 *   failure (any) { v: 1, ok: false, error: { name, message, details? } }  (envelope.ts)
 *
 * Besides its byte cap, every message is decoded under structure caps
 * (`shardLimits`): the items, arrays and maps, nesting and string lengths
 * its largest honest form has, so no frame costs more heap than its own
 * size plus a few KiB.
 *
 * Ids are CIDv1 (raw, BLAKE3-256) in binary form (36 bytes). `have[i]`
 * answers `ids[i]`; `errors[i]` (null, or an error map as in a failure)
 * answers `shards[i]`; `extended[i]` answers `ids[i]`: true when the shard
 * is held here for `owner` (its owner or renewer key) and its lease now
 * ends no earlier than `until` as the holder caps it (extended now, or
 * already that long), false otherwise (not held, or not this key's).
 *
 * Leases: `lease` is when the holder may stop keeping the shard (ms since
 * the epoch); the holder keeps min(lease, its clock + 90 days)
 * (src/store/lease.ts MAX_LEASE_MS). `renewer` is a second key (the file's
 * repair key) that may extend the lease besides the owner. A version 1
 * store gets the holder's legacy lease (90 days from when it is stored).
 * A store of a shard already held for the same owner extends its lease to
 * the one asked (never shortens it); its renewer stays the first one.
 *
 * Signatures (Ed25519, RFC 8032, by `owner`) over
 *   store v1: "datamesh/shard/store/v1"  || 0x00 || dag-cbor([id bytes, owner, holder, ts])
 *   store v2: "datamesh/shard/store/v2"  || 0x00 || dag-cbor([id bytes, owner, holder, ts, lease, renewer | null])
 *   delete:   "datamesh/shard/delete/v1" || 0x00 || dag-cbor([id bytes, holder, ts])
 *   grant:    "datamesh/shard/grant/v1"  || 0x00 || dag-cbor([owner, holder, delegate, exp])
 *   renew:    "datamesh/shard/renew/v1"  || 0x00 || dag-cbor([[id bytes, ...], owner, holder, until, ts])
 * where `holder` is the holder's peer id as multihash bytes and `ts` an
 * integer. Binding the holder means a holder cannot replay a store (spending
 * the owner's quota elsewhere), a delete or a renewal to another holder. A
 * holder accepts `ts` within ±maxClockSkew (default 10 minutes) of its
 * clock; a replay to the same holder inside that window repeats an
 * operation the owner already asked of it (all are idempotent). A store
 * version 2 has its own domain, so a version 1 signature can never be
 * presented with a lease or a renewer it did not cover, and a third party
 * relaying a signed store cannot name itself renewer.
 *
 * store-many is signed once per holder and period instead of once per
 * shard: the grant lets `delegate`, the peer id the request arrives from
 * (authenticated by Noise), store shards for `owner` on `holder` until
 * `exp`. A holder accepts a grant that has not expired (within the clock
 * skew) and does not reach further than MAX_GRANT_LIFETIME (one hour, plus
 * the skew) into the future, and remembers the grants it verified, so a
 * stream of small stores costs one signature check. A grant is useless to
 * anyone but the delegate, and to any holder but its own. The grant is the
 * same in both versions: it makes the delegate the owner's agent for the
 * whole request, whose ids, bytes, leases and renewers come over the
 * delegate's authenticated channel (none of them is signed one by one).
 * The shards of one
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
  MAX_RENEW_IDS, RENEW_DOMAIN, SMALL_ANSWER_MAX, SMALL_REQUEST_MAX, STORE_DOMAIN, STORE_LEASE_DOMAIN, STORE_LEASE_VERSION, WIRE_VERSION, type ShardOp
} from './constants.ts'
import { answerLimits, decodeResponse, ERROR_MAP_ITEMS, readWireError } from './envelope.ts'

/** What a version 2 store asks besides the shard: its lease end and, optionally, a key that may renew it. */
export interface ShardLease {
  /** ms since the Unix epoch */
  lease: number
  /** an Ed25519 public key (32 bytes) */
  renewer?: Uint8Array
}

/** A store; with `lease` it goes as version 2 (see the module header). */
export interface StoreRequest extends Partial<ShardLease> { op: 'store', id: CID, data: Uint8Array, owner: Uint8Array, ts: number, sig: Uint8Array }
export interface FetchRequest { op: 'fetch', id: CID }
export interface HasRequest { op: 'has', ids: CID[] }
export interface DeleteRequest { op: 'delete', id: CID, owner: Uint8Array, ts: number, sig: Uint8Array }
/** One shard of a store-many; with `lease` (all of a request's shards, or none) it goes as version 2. */
export interface BatchShard extends Partial<ShardLease> { id: CID, data: Uint8Array }
export interface StoreManyRequest { op: 'store-many', shards: BatchShard[], owner: Uint8Array, exp: number, sig: Uint8Array }
export interface RenewRequest { op: 'renew', ids: CID[], until: number, owner: Uint8Array, ts: number, sig: Uint8Array }
export type ShardRequest = StoreRequest | FetchRequest | HasRequest | DeleteRequest | StoreManyRequest | RenewRequest

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
    case 'store': // { v, id, data, owner, ts, lease, renewer, sig }
      return { request: { maxBytes: shardFrame, ...structure(17, 1, 2, KEY_TEXT, maxShardSize) }, response: answerLimits(SMALL_ANSWER_MAX, empty) }
    case 'fetch': // { v, id } -> { v, ok, data }
      return { request: { maxBytes: SMALL_REQUEST_MAX, ...structure(5, 1, 2, KEY_TEXT, MAX_CID_BYTES) }, response: answerLimits(shardFrame, structure(7, 1, 2, KEY_TEXT, maxShardSize)) }
    case 'has': // { v, ids: [id...] } -> { v, ok, have: [bool...] }
      return {
        request: { maxBytes: HAS_REQUEST_MAX, ...structure(5 + MAX_HAS_IDS, 2, 3, KEY_TEXT, MAX_CID_BYTES) },
        response: answerLimits(SMALL_ANSWER_MAX, structure(7 + MAX_HAS_IDS, 2, 3, KEY_TEXT, 0))
      }
    case 'delete': // { v, id, owner, ts, sig }
      return { request: { maxBytes: SMALL_REQUEST_MAX, ...structure(11, 1, 2, KEY_TEXT, MAX_CID_BYTES) }, response: answerLimits(SMALL_ANSWER_MAX, empty) }
    case 'store-many': // { v, shards: [[id, data, lease?, renewer?]...], owner, exp, sig } -> { v, ok, errors: [null | error...] }
      return {
        request: { maxBytes: shardFrame, ...structure(11 + 5 * MAX_BATCH_SHARDS, 2 + MAX_BATCH_SHARDS, 4, KEY_TEXT, maxShardSize) },
        response: {
          maxBytes: MAX_BATCH_SHARDS * ERROR_WIRE_MAX + SMALL_REQUEST_MAX,
          ...structure(7 + MAX_BATCH_SHARDS * ERROR_MAP_ITEMS, 2 + 2 * MAX_BATCH_SHARDS, 5, MAX_ERROR_MESSAGE, 0)
        }
      }
    case 'renew': // { v, ids: [id...], until, owner, ts, sig } -> { v, ok, extended: [bool...] }
      return {
        request: { maxBytes: HAS_REQUEST_MAX, ...structure(13 + MAX_RENEW_IDS, 2, 3, KEY_TEXT, MAX_CID_BYTES) },
        response: answerLimits(SMALL_ANSWER_MAX, structure(7 + MAX_RENEW_IDS, 2, 3, KEY_TEXT, 0))
      }
  }
}

/** The request's map as it goes on the wire; the operation is its protocol id. */
export function encodeShardRequest (request: ShardRequest): Uint8Array {
  switch (request.op) {
    case 'store':
      return request.lease === undefined
        ? encodeCbor({ v: WIRE_VERSION, id: request.id.bytes, data: request.data, owner: request.owner, ts: request.ts, sig: request.sig })
        : encodeCbor({
          v: STORE_LEASE_VERSION,
          id: request.id.bytes,
          data: request.data,
          owner: request.owner,
          ts: request.ts,
          lease: request.lease,
          ...(request.renewer !== undefined ? { renewer: request.renewer } : {}),
          sig: request.sig
        })
    case 'fetch':
      return encodeCbor({ v: WIRE_VERSION, id: request.id.bytes })
    case 'has':
      return encodeCbor({ v: WIRE_VERSION, ids: request.ids.map(id => id.bytes) })
    case 'delete':
      return encodeCbor({ v: WIRE_VERSION, id: request.id.bytes, owner: request.owner, ts: request.ts, sig: request.sig })
    case 'store-many': {
      const leased = request.shards.some(s => s.lease !== undefined)
      if (leased && !request.shards.every(s => s.lease !== undefined)) throw new TypeError('store-many: give every shard a lease, or none')
      const shards = request.shards.map(s => leased ? [s.id.bytes, s.data, s.lease, ...(s.renewer !== undefined ? [s.renewer] : [])] : [s.id.bytes, s.data])
      return encodeCbor({ v: leased ? STORE_LEASE_VERSION : WIRE_VERSION, shards, owner: request.owner, exp: request.exp, sig: request.sig })
    }
    case 'renew':
      return encodeCbor({ v: WIRE_VERSION, ids: request.ids.map(id => id.bytes), until: request.until, owner: request.owner, ts: request.ts, sig: request.sig })
  }
}

/** Strictly decode a request frame of `op` (MalformedDataError / UnsupportedVersionError). */
export function decodeShardRequest (op: ShardOp, frame: Uint8Array, maxShardSize: number): ShardRequest {
  const what = `shard ${op} request`
  const map = decodeCborMap(frame, shardLimits(op, maxShardSize).request, what)
  const reader = new RecordReader(map, what)
  const leased = (op === 'store' || op === 'store-many') && map.v === STORE_LEASE_VERSION
  reader.version(leased ? STORE_LEASE_VERSION : WIRE_VERSION)
  let request: ShardRequest
  switch (op) {
    case 'store':
      request = {
        op,
        id: readId(reader, reader.bytes('id', { min: 1, max: MAX_CID_BYTES })),
        data: reader.bytes('data', { min: 0, max: maxShardSize }),
        ...readSigned(reader),
        ...(leased ? readStoreLease(reader, map) : {})
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
      const lengths = leased ? [3, 4] : [2]
      request = {
        op,
        shards: shards.map(item => {
          if (!Array.isArray(item) || !lengths.includes(item.length) || !(item[1] instanceof Uint8Array) || item[1].byteLength > maxShardSize) {
            throw reader.fail(`"shards" must hold ${leased ? '[id, bytes, lease, renewer?]' : '[id, bytes]'} items of at most ${maxShardSize} bytes`)
          }
          return { id: readId(reader, item[0]), data: item[1], ...(leased ? readLease(reader, item[2], item[3]) : {}) }
        }),
        owner: reader.bytes('owner', ED25519_PUBLIC_KEY_BYTES),
        exp: reader.int('exp', 0, Number.MAX_SAFE_INTEGER),
        sig: reader.bytes('sig', ED25519_SIGNATURE_BYTES)
      }
      break
    }
    case 'renew': {
      const ids = reader.array('ids', MAX_RENEW_IDS) as unknown[]
      if (ids.length === 0) throw reader.fail('"ids" must not be empty')
      request = { op, ids: ids.map(id => readId(reader, id)), until: reader.int('until', 0, Number.MAX_SAFE_INTEGER), ...readSigned(reader) }
      break
    }
  }
  reader.done()
  return request
}

/** The lease and optional renewer fields of a version 2 store. */
function readStoreLease (reader: RecordReader, map: Record<string, unknown>): ShardLease {
  const lease = reader.int('lease', 0, Number.MAX_SAFE_INTEGER)
  return map.renewer === undefined ? { lease } : { lease, renewer: reader.bytes('renewer', ED25519_PUBLIC_KEY_BYTES) }
}

/** A lease and an optional renewer, as a store-many item carries them. */
function readLease (reader: RecordReader, lease: unknown, renewer: unknown): ShardLease {
  if (typeof lease !== 'number' || !Number.isSafeInteger(lease) || lease < 0) throw reader.fail('"lease" must be an integer of ms since the Unix epoch')
  if (renewer === undefined) return { lease }
  if (!(renewer instanceof Uint8Array) || renewer.byteLength !== ED25519_PUBLIC_KEY_BYTES) throw reader.fail(`"renewer" must be a ${ED25519_PUBLIC_KEY_BYTES}-byte public key`)
  return { lease, renewer }
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

/** The bytes the owner signs to store `id` on `holder` with a lease (request version 2, see the module header). */
export function storeLeasePreimage (id: CID, owner: Uint8Array, holder: Uint8Array, ts: number, lease: ShardLease): Uint8Array {
  return domainSeparated(STORE_LEASE_DOMAIN, encodeCbor([id.bytes, owner, holder, ts, lease.lease, lease.renewer ?? null]))
}

/** The bytes a store request's signature covers: version 1 without a lease, version 2 with one. */
export function signedStorePreimage (request: Omit<StoreRequest, 'op' | 'data' | 'sig'>, holder: Uint8Array): Uint8Array {
  const { id, owner, ts, lease, renewer } = request
  return lease === undefined ? storePreimage(id, owner, holder, ts) : storeLeasePreimage(id, owner, holder, ts, renewer !== undefined ? { lease, renewer } : { lease })
}

/** The bytes the owner (or renewer) key signs to extend the leases of `ids` on `holder` to `until` (see the module header). */
export function renewPreimage (ids: readonly CID[], owner: Uint8Array, holder: Uint8Array, until: number, ts: number): Uint8Array {
  return domainSeparated(RENEW_DOMAIN, encodeCbor([ids.map(id => id.bytes), owner, holder, until, ts]))
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

/** One boolean per id asked: whether its lease now lasts until the time asked (see the module header). */
export function decodeRenewResponse (frame: Uint8Array, count: number): boolean[] {
  return decodeResponse(frame, shardLimits('renew', 0).response, 'shard renew response', r => {
    const extended = r.array('extended', MAX_RENEW_IDS) as unknown[]
    if (extended.length !== count || !extended.every(b => typeof b === 'boolean')) {
      throw r.fail(`"extended" must be ${count} booleans, one per id sent`)
    }
    return extended as boolean[]
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
