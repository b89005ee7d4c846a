/**
 * /datamesh/info/1.0.0 — wire format, version 1.
 *
 * One request and one response per stream, each a frame (frame.ts)
 * holding a dag-cbor map, read strictly (version first): a request of at
 * most 1 KiB, an answer of at most 8 KiB, each under the structure caps
 * its largest honest form has (INFO_REQUEST_LIMITS, INFO_RESPONSE_LIMITS).
 *
 *   request   { v: 1, op: 'info' }
 *   response  { v: 1, ok: true, nodeType: 'browser' | 'storage' | 'relay',
 *               version: <string, at most 64 bytes>, free, used, quota, perOwnerQuota, shards }
 *   failure   { v: 1, ok: false, error: { name, message, details? } }   (envelope.ts)
 *
 * All numbers are integers in [-1, 2^53 - 1], in bytes except `shards`
 * (a count). `quota` and `perOwnerQuota` are -1 when unlimited; `free` is
 * quota - used, and 2^53 - 1 when the quota is unlimited. A node that keeps
 * no store answers 0 for free, used, quota and shards. The client reads -1
 * back as Infinity.
 */
import { decodeCborMap, encodeCbor, RecordReader, type CborLimits } from '../../core/cbor.ts'
import { INFO_FRAME_MAX, SMALL_REQUEST_MAX, WIRE_VERSION } from './constants.ts'
import { answerLimits, decodeResponse, encodeOk } from './envelope.ts'

export type NodeType = 'browser' | 'storage' | 'relay'
export const NODE_TYPES: readonly NodeType[] = ['browser', 'storage', 'relay']
export const MAX_VERSION_BYTES = 64

/** { v, op }: 5 items, no bytes, short text. */
export const INFO_REQUEST_LIMITS: Readonly<CborLimits> = Object.freeze({
  maxBytes: SMALL_REQUEST_MAX, maxItems: 5, maxContainers: 1, maxDepth: 2, maxTextBytes: 16, maxByteStringBytes: 0
})
/** { v, ok, and 7 fields }: 19 items, or an error answer. */
export const INFO_RESPONSE_LIMITS: Readonly<CborLimits> = Object.freeze(answerLimits(INFO_FRAME_MAX, {
  maxItems: 19, maxContainers: 1, maxDepth: 2, maxTextBytes: MAX_VERSION_BYTES, maxByteStringBytes: 0
}))

/** What a node says about itself; `Infinity` stands for an unlimited quota. */
export interface NodeInfo {
  nodeType: NodeType
  /** DataMesh software version */
  version: string
  /** bytes still accepted (Number.MAX_SAFE_INTEGER when unlimited) */
  free: number
  /** bytes stored */
  used: number
  /** contribution size in bytes, or Infinity */
  quota: number
  /** most bytes kept for one owner, or Infinity */
  perOwnerQuota: number
  /** shards stored */
  shards: number
}

const WHAT = 'info request'

export function encodeInfoRequest (): Uint8Array {
  return encodeCbor({ v: WIRE_VERSION, op: 'info' })
}

export function decodeInfoRequest (frame: Uint8Array): void {
  const reader = new RecordReader(decodeCborMap(frame, INFO_REQUEST_LIMITS, WHAT), WHAT)
  reader.version(WIRE_VERSION)
  const op = reader.string('op', 16)
  if (op !== 'info') throw reader.fail(`unknown op "${op}"`)
  reader.done()
}

export function encodeInfoResponse (info: NodeInfo): Uint8Array {
  return encodeOk({
    nodeType: info.nodeType,
    version: info.version,
    free: toWire(info.free),
    used: toWire(info.used),
    quota: toWire(info.quota),
    perOwnerQuota: toWire(info.perOwnerQuota),
    shards: toWire(info.shards)
  })
}

export function decodeInfoResponse (frame: Uint8Array): NodeInfo {
  return decodeResponse(frame, INFO_RESPONSE_LIMITS, 'info response', r => {
    const nodeType = r.string('nodeType', 16)
    if (!(NODE_TYPES as readonly string[]).includes(nodeType)) throw r.fail(`unknown node type "${nodeType}"`)
    const max = Number.MAX_SAFE_INTEGER
    return {
      nodeType: nodeType as NodeType,
      version: r.string('version', MAX_VERSION_BYTES),
      free: r.int('free', 0, max),
      used: r.int('used', 0, max),
      quota: fromWire(r.int('quota', -1, max)),
      perOwnerQuota: fromWire(r.int('perOwnerQuota', -1, max)),
      shards: r.int('shards', 0, max)
    }
  })
}

/** Infinity -> -1; everything else clamped to [0, 2^53 - 1] and floored. */
function toWire (n: number): number {
  if (n === Number.POSITIVE_INFINITY) return -1
  if (!(n > 0)) return 0
  return Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER)
}

function fromWire (n: number): number {
  return n === -1 ? Number.POSITIVE_INFINITY : n
}
