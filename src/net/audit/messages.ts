/**
 * /datamesh/audit/1.0.0 — wire format, version 1.
 *
 * A proof-of-storage challenge: the auditor names a shard and a fresh
 * nonce; the holder answers with the bytes of the 16 KiB groups the nonce
 * selects (./indices.ts) and the BLAKE3 chaining values proving them
 * against the shard id (../../core/blake3-tree.ts). One request and one
 * answer per stream, each a frame (../protocol/frame.ts) holding a dag-cbor
 * map, read strictly: exact key sets, types and lengths, the version first
 * (UnsupportedVersionError).
 *
 *   request  { v: 1, id: <CID bytes, <= 64>, nonce: <32 bytes>, groups: <int 0..8> }      cap 1 KiB
 *   answer   { v: 1, ok: true, size: <int>, groups: [<bytes> x groups],
 *              siblings: [<32 bytes> x <= 64] }             cap groups x 16 KiB + 64 x 34 + 4 KiB
 *   failure  { v: 1, ok: false, error: { name, message, details? } }   (../protocol/envelope.ts)
 *            NotFoundError: the holder does not have the shard (never had it, or it was deleted);
 *            CorruptShardError, details.reason 'lost': it had the shard and lost it (found damaged
 *            or vanished); CorruptShardError otherwise: found damaged while answering (now lost).
 *
 * `groups` in the request is how many groups are asked (at most the
 * shard's group count are given: min(groups, groupCount(size))); the
 * answer's `groups` holds their bytes in increasing index order, each
 * exactly its group's length, and `siblings` the proof CVs in the order
 * verifyGroups takes them. `groups: 0` is the basic test: the holder
 * answers the size only. The auditor derives the indices from the size it
 * expects (the manifest's), checks the answered size against it and the
 * proof against the id's digest; it never uses a size the holder reports.
 * An answer for another nonce proves other groups and fails.
 */
import type { CID } from 'multiformats/cid'
import { AUDIT_GROUP_BYTES, CV_BYTES, MAX_TREE_BYTES } from '../../core/blake3-tree.ts'
import { decodeCborMap, encodeCbor, RecordReader, type CborLimits, type CborStructure } from '../../core/cbor.ts'
import { parseShardCid } from '../../core/hash.ts'
import { MAX_CID_BYTES } from '../protocol/constants.ts'
import { answerLimits, decodeResponse, encodeOk } from '../protocol/envelope.ts'
import { AUDIT_NONCE_BYTES, AUDIT_REQUEST_MAX, AUDIT_WIRE_VERSION, auditAnswerMax, MAX_AUDIT_GROUPS, MAX_AUDIT_SIBLINGS } from './constants.ts'

export interface AuditRequest {
  id: CID
  nonce: Uint8Array
  /** groups asked, 0..MAX_AUDIT_GROUPS */
  groups: number
}

export interface AuditAnswer {
  /** the shard's length as the holder keeps it */
  size: number
  /** the groups' bytes, in increasing index order */
  groups: Uint8Array[]
  siblings: Uint8Array[]
}

/** Text in these messages: keys only, the longest "siblings". */
const KEY_TEXT = 16

/** { v, id, nonce, groups }: the map, 4 keys, 4 values. */
const REQUEST_STRUCTURE: CborStructure = { maxItems: 9, maxContainers: 1, maxDepth: 2, maxTextBytes: KEY_TEXT, maxByteStringBytes: MAX_CID_BYTES }

export const AUDIT_REQUEST_LIMITS: Readonly<CborLimits> = Object.freeze({ maxBytes: AUDIT_REQUEST_MAX, ...REQUEST_STRUCTURE })

/** Caps of the answer to a challenge of `groups` groups (a success or an error answer). */
export function auditAnswerLimits (groups: number): CborLimits {
  // { v, ok, size, groups: [...], siblings: [...] }: the map, 5 keys, 3 scalars, 2 lists and their items
  return answerLimits(auditAnswerMax(groups), {
    maxItems: 11 + groups + MAX_AUDIT_SIBLINGS,
    maxContainers: 3,
    maxDepth: 3,
    maxTextBytes: KEY_TEXT,
    maxByteStringBytes: groups === 0 ? 0 : AUDIT_GROUP_BYTES
  })
}

export function encodeAuditRequest (request: AuditRequest): Uint8Array {
  return encodeCbor({ v: AUDIT_WIRE_VERSION, id: request.id.bytes, nonce: request.nonce, groups: request.groups })
}

/** Strictly decode a request frame (MalformedDataError / UnsupportedVersionError). */
export function decodeAuditRequest (frame: Uint8Array): AuditRequest {
  const what = 'audit request'
  const reader = new RecordReader(decodeCborMap(frame, AUDIT_REQUEST_LIMITS, what), what)
  reader.version(AUDIT_WIRE_VERSION)
  const idBytes = reader.bytes('id', { min: 1, max: MAX_CID_BYTES })
  const request = {
    id: parseShardCid(idBytes),
    nonce: reader.bytes('nonce', AUDIT_NONCE_BYTES),
    groups: reader.int('groups', 0, MAX_AUDIT_GROUPS)
  }
  reader.done()
  return request
}

export function encodeAuditAnswer (answer: AuditAnswer): Uint8Array {
  return encodeOk({ size: answer.size, groups: answer.groups, siblings: answer.siblings })
}

/**
 * Strictly decode the answer to a challenge of `groups` groups: a success's
 * fields (at most `groups` groups of at most 16 KiB, at most 64 siblings of
 * 32 bytes), or the holder's typed error, thrown.
 */
export function decodeAuditAnswer (frame: Uint8Array, groups: number): AuditAnswer {
  return decodeResponse(frame, auditAnswerLimits(groups), 'audit answer', r => {
    const size = r.int('size', 0, MAX_TREE_BYTES)
    const list = r.array('groups', groups) as unknown[]
    const siblings = r.array('siblings', MAX_AUDIT_SIBLINGS) as unknown[]
    if (!list.every(g => g instanceof Uint8Array && g.byteLength <= AUDIT_GROUP_BYTES)) throw r.fail(`"groups" must hold at most ${groups} byte strings of at most ${AUDIT_GROUP_BYTES} bytes`)
    if (!siblings.every(s => s instanceof Uint8Array && s.byteLength === CV_BYTES)) throw r.fail(`"siblings" must hold ${CV_BYTES}-byte chaining values`)
    return { size, groups: list as Uint8Array[], siblings: siblings as Uint8Array[] }
  })
}
