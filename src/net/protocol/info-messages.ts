/**
 * /datamesh/info/1.0.0 — wire format, version 1.
 *
 * One request and one response per stream, each a frame (frame.ts) of at
 * most 64 KiB holding a dag-cbor map, read strictly (version first).
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
import { decodeCborMap, encodeCbor, RecordReader } from '../../core/cbor.ts'
import { INFO_FRAME_MAX, WIRE_VERSION } from './constants.ts'
import { decodeResponse, encodeOk } from './envelope.ts'

export type NodeType = 'browser' | 'storage' | 'relay'
export const NODE_TYPES: readonly NodeType[] = ['browser', 'storage', 'relay']
export const MAX_VERSION_BYTES = 64

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
  const reader = new RecordReader(decodeCborMap(frame, INFO_FRAME_MAX, WHAT), WHAT)
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
  return decodeResponse(frame, INFO_FRAME_MAX, 'info response', r => {
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
