/**
 * /datamesh/repair/{adopt,release,store,renew}/1.0.0 — wire format, version 1.
 *
 * One request and one answer per stream, each a frame (../protocol/frame.ts)
 * holding a dag-cbor map, read strictly (exact keys, types and lengths,
 * version first), under byte and structure caps known from the protocol id
 * before the body is read. `cap` is a repair capability's payload bytes and
 * `sig` K_f's signature over it (../../core/repair-cap.ts, at most 4 MiB,
 * decoded separately under its own caps). S = the largest shard (16 MiB by
 * default), C = 4 MiB.
 *
 *   adopt    { v: 1, cap: <bytes>, sig: <64> }                    C + 4 KiB   -> { v: 1, ok: true }      8 KiB
 *   release  { v: 1, key: <32>, seq: <int>, sig: <64> }              1 KiB   -> { v: 1, ok: true }      8 KiB
 *   store    { v: 1, cap, sig, id: <CID bytes>, data: <bytes> }  C + S + 4 KiB -> { v: 1, ok: true }   8 KiB
 *   renew    { v: 1, cap, sig, ids: [<CID bytes> x 1..256], until: <ms> }
 *                                                        C + 17.5 KiB + 4 KiB -> { v: 1, ok: true, extended: [<bool> ...] } 8 KiB
 *   failure (any) { v: 1, ok: false, error: { name, message, details? } }  (../protocol/envelope.ts)
 *
 * adopt and release go to a repairer, store and renew to a holder.
 * release is signed by K_f (`key`) over
 *   "datamesh/repair-release/v1" || 0x00 || dag-cbor([key, seq, repairer])
 * where `repairer` is the receiving repairer's peer id as multihash bytes,
 * so a release is good for one repairer only. It drops the capability of
 * `key` whose seq is at most `seq`.
 */
import type { CID } from 'multiformats/cid'
import { decodeCborMap, encodeCbor, RecordReader, type CborLimits, type CborStructure } from '../../core/cbor.ts'
import { parseShardCid } from '../../core/hash.ts'
import { domainSeparated, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from '../../core/signature.ts'
import type { SignedRepairCap } from '../../core/repair-cap.ts'
import { FRAME_HEADER_ALLOWANCE, MAX_CID_BYTES, SMALL_ANSWER_MAX, SMALL_REQUEST_MAX } from '../protocol/constants.ts'
import { answerLimits, decodeResponse } from '../protocol/envelope.ts'
import { MAX_CAP_FIELD_BYTES, MAX_RENEW_IDS, RELEASE_DOMAIN, REPAIR_HEADER_ALLOWANCE, REPAIR_WIRE_VERSION, type RepairOp } from './constants.ts'

export interface AdoptRequest { op: 'adopt', cap: SignedRepairCap }
export interface ReleaseRequest { op: 'release', key: Uint8Array, seq: number, sig: Uint8Array }
export interface RepairStoreRequest { op: 'store', cap: SignedRepairCap, id: CID, data: Uint8Array }
export interface RenewRequest { op: 'renew', cap: SignedRepairCap, ids: CID[], until: number }
export type RepairRequest = AdoptRequest | ReleaseRequest | RepairStoreRequest | RenewRequest

export interface RepairLimits {
  request: CborLimits
  response: CborLimits
}

/** keys only: the longest is "until" */
const KEY_TEXT = 8

function structure (maxItems: number, maxContainers: number, maxDepth: number, maxTextBytes: number, maxByteStringBytes: number): CborStructure {
  return { maxItems, maxContainers, maxDepth, maxTextBytes, maxByteStringBytes }
}

/** Byte and structure caps of `op`'s messages for shards of at most `maxShardSize` bytes. */
export function repairLimits (op: RepairOp, maxShardSize: number): RepairLimits {
  const empty = answerLimits(SMALL_ANSWER_MAX, structure(5, 1, 2, KEY_TEXT, 0))
  switch (op) {
    case 'adopt': // { v, cap, sig }
      return { request: { maxBytes: MAX_CAP_FIELD_BYTES + REPAIR_HEADER_ALLOWANCE, ...structure(7, 1, 2, KEY_TEXT, MAX_CAP_FIELD_BYTES) }, response: empty }
    case 'release': // { v, key, seq, sig }
      return { request: { maxBytes: SMALL_REQUEST_MAX, ...structure(9, 1, 2, KEY_TEXT, ED25519_SIGNATURE_BYTES) }, response: empty }
    case 'store': // { v, cap, sig, id, data }
      return {
        request: { maxBytes: MAX_CAP_FIELD_BYTES + maxShardSize + FRAME_HEADER_ALLOWANCE, ...structure(11, 1, 2, KEY_TEXT, Math.max(MAX_CAP_FIELD_BYTES, maxShardSize)) },
        response: empty
      }
    case 'renew': // { v, cap, sig, ids: [...], until } -> { v, ok, extended: [...] }
      return {
        request: {
          maxBytes: MAX_CAP_FIELD_BYTES + MAX_RENEW_IDS * (MAX_CID_BYTES + 2) + REPAIR_HEADER_ALLOWANCE,
          ...structure(11 + MAX_RENEW_IDS, 2, 3, KEY_TEXT, MAX_CAP_FIELD_BYTES)
        },
        response: answerLimits(SMALL_ANSWER_MAX, structure(7 + MAX_RENEW_IDS, 2, 3, KEY_TEXT, 0))
      }
  }
}

export function encodeRepairRequest (request: RepairRequest): Uint8Array {
  const v = REPAIR_WIRE_VERSION
  switch (request.op) {
    case 'adopt': return encodeCbor({ v, cap: request.cap.bytes, sig: request.cap.sig })
    case 'release': return encodeCbor({ v, key: request.key, seq: request.seq, sig: request.sig })
    case 'store': return encodeCbor({ v, cap: request.cap.bytes, sig: request.cap.sig, id: request.id.bytes, data: request.data })
    case 'renew': return encodeCbor({ v, cap: request.cap.bytes, sig: request.cap.sig, ids: request.ids.map(id => id.bytes), until: request.until })
  }
}

/** Strictly decode a request frame of `op` (MalformedDataError / UnsupportedVersionError); the capability is not yet parsed. */
export function decodeRepairRequest (op: RepairOp, frame: Uint8Array, maxShardSize: number): RepairRequest {
  const what = `repair ${op} request`
  const r = new RecordReader(decodeCborMap(frame, repairLimits(op, maxShardSize).request, what), what)
  r.version(REPAIR_WIRE_VERSION)
  let request: RepairRequest
  switch (op) {
    case 'adopt':
      request = { op, cap: readCap(r) }
      break
    case 'release':
      request = { op, key: r.bytes('key', ED25519_PUBLIC_KEY_BYTES), seq: r.int('seq', 0, Number.MAX_SAFE_INTEGER), sig: r.bytes('sig', ED25519_SIGNATURE_BYTES) }
      break
    case 'store':
      request = { op, cap: readCap(r), id: readId(r, r.bytes('id', { min: 1, max: MAX_CID_BYTES })), data: r.bytes('data', { min: 0, max: maxShardSize }) }
      break
    case 'renew': {
      const ids = r.array('ids', MAX_RENEW_IDS) as unknown[]
      if (ids.length === 0) throw r.fail('"ids" must not be empty')
      request = { op, cap: readCap(r), ids: ids.map(id => readId(r, id)), until: r.int('until', 0, Number.MAX_SAFE_INTEGER) }
      break
    }
  }
  r.done()
  return request
}

function readCap (r: RecordReader): SignedRepairCap {
  return { bytes: r.bytes('cap', { min: 1, max: MAX_CAP_FIELD_BYTES }), sig: r.bytes('sig', ED25519_SIGNATURE_BYTES) }
}

function readId (r: RecordReader, value: unknown): CID {
  if (!(value instanceof Uint8Array) || value.byteLength === 0 || value.byteLength > MAX_CID_BYTES) {
    throw r.fail(`ids must be CID bytes of at most ${MAX_CID_BYTES} bytes`)
  }
  return parseShardCid(value)
}

/** The bytes K_f signs to release its capability (seq and older) from `repairer` (see the module header). */
export function releasePreimage (key: Uint8Array, seq: number, repairer: Uint8Array): Uint8Array {
  return domainSeparated(RELEASE_DOMAIN, encodeCbor([key, seq, repairer]))
}

// answers (client side)

export function decodeRepairEmptyResponse (op: 'adopt' | 'release' | 'store', frame: Uint8Array): void {
  decodeResponse(frame, repairLimits(op, 0).response, `repair ${op} response`, () => undefined)
}

export function decodeRenewResponse (frame: Uint8Array, count: number): boolean[] {
  return decodeResponse(frame, repairLimits('renew', 0).response, 'repair renew response', r => {
    const extended = r.array('extended', MAX_RENEW_IDS) as unknown[]
    if (extended.length !== count || !extended.every(b => typeof b === 'boolean')) throw r.fail(`"extended" must be ${count} booleans, one per id`)
    return extended as boolean[]
  })
}
