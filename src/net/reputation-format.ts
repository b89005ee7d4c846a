/**
 * The persisted form of a node's reputation book (./reputation.ts), version 1,
 * and its parser: the one home of this format.
 *
 *   dag-cbor { v: 1, peers: [ record, ... ] }   least recently seen first
 *   record = [ id, good, bad, at, seen, endorsed, latencyMs, latencyAt, slot, up, total ]
 *
 * - id: the peer id string (base58btc or base32), at most 128 bytes
 * - good, bad: the evidence counts in thousandths (integers; >= 1000 each)
 * - at: ms since the epoch when good and bad were last decayed
 * - seen: ms since the epoch of the last observation
 * - endorsed: 1 when the operator's trust was added to the evidence, else 0
 * - latencyMs: the round-trip average (EWMA) in ms, 0 with latencyAt 0 when none
 * - latencyAt: ms since the epoch of the last latency sample (0: none)
 * - slot: the index (ms since the epoch / slotMs) of the newest availability slot
 * - up, total: bytes, one per slot (REPUTATION.availabilitySlots), slot s at
 *   position s mod slots: the online samples and all samples of that slot
 *   (each saturating at 255)
 *
 * Nothing here is secret or signed: it is this node's own notebook. A file
 * that does not parse is a MalformedDataError or UnsupportedVersionError and
 * the book starts empty (reputation is soft state).
 */
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { MalformedDataError } from '../core/errors.ts'

export const REPUTATION_FORMAT_VERSION = 1
/** the most records a file holds (above any book's `maxPeers`) */
export const REPUTATION_FILE_MAX_PEERS = 20_000
/** availability slots per record (7 days of 6 hours) */
export const AVAILABILITY_SLOTS = 28
/** one record is ~170 bytes; 256 leaves room for the longest ids */
export const REPUTATION_FILE_MAX_BYTES = REPUTATION_FILE_MAX_PEERS * 256 + 64
const ID_MAX_BYTES = 128
const ID_PATTERN = /^[1-9A-HJ-NP-Za-km-z]+$|^b[a-z2-7]+$/
/** a year past the epoch's maximum safe ms is not a time: cap every stamp */
const MAX_TIME = 8.64e15

/** What a book keeps per peer (see ./reputation.ts for what each field means). */
export interface PeerRecord {
  /** positive evidence (>= 1; 1 is none beyond the neutral prior) */
  good: number
  /** negative evidence (>= 1) */
  bad: number
  /** ms: when good and bad were last decayed */
  at: number
  /** ms: last observation (least recently seen is forgotten first) */
  seen: number
  /** the operator's trust was added to the evidence once */
  endorsed: boolean
  /** EWMA of round trips, ms */
  latencyMs: number
  /** ms of the last latency sample; 0: none */
  latencyAt: number
  /** index of the newest availability slot */
  slot: number
  /** online samples per slot */
  up: Uint8Array
  /** all samples per slot */
  total: Uint8Array
}

const milli = (x: number): number => Math.round(x * 1000)

export function encodeReputation (records: Iterable<[string, PeerRecord]>): Uint8Array {
  const peers: unknown[] = []
  for (const [id, r] of records) {
    peers.push([id, milli(r.good), milli(r.bad), Math.round(r.at), Math.round(r.seen), r.endorsed ? 1 : 0, Math.round(r.latencyMs), Math.round(r.latencyAt), r.slot, r.up, r.total])
  }
  return encodeCbor({ v: REPUTATION_FORMAT_VERSION, peers })
}

function fail (message: string, details?: Record<string, unknown>): MalformedDataError {
  return new MalformedDataError(`reputation file: ${message}`, details)
}

function int (value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw fail(`${what} must be an integer in [${min}, ${max}]`)
  return value
}

function slots (value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength !== AVAILABILITY_SLOTS) throw fail(`${what} must be ${AVAILABILITY_SLOTS} bytes`)
  return value.slice()
}

/**
 * The records of a reputation file, in stored order. `now` caps every
 * time stamp (a file written under a clock that ran ahead must not keep
 * evidence from decaying).
 */
export function parseReputation (bytes: Uint8Array, now: number): Array<[string, PeerRecord]> {
  const map = decodeCborMap(bytes, { maxBytes: REPUTATION_FILE_MAX_BYTES, maxDepth: 4 }, 'reputation file')
  const r = new RecordReader(map, 'reputation file')
  r.version(REPUTATION_FORMAT_VERSION)
  const list = r.array('peers', REPUTATION_FILE_MAX_PEERS) as unknown[]
  r.done()
  const out = new Map<string, PeerRecord>()
  const time = (value: unknown, what: string): number => Math.min(int(value, 0, MAX_TIME, what), now)
  for (const item of list) {
    if (!Array.isArray(item) || item.length !== 11) throw fail('a record must be a list of 11 fields')
    const [id, good, bad, at, seen, endorsed, latencyMs, latencyAt, slot, up, total] = item as unknown[]
    if (typeof id !== 'string' || id.length === 0 || id.length > ID_MAX_BYTES || !ID_PATTERN.test(id)) throw fail('a record needs a peer id')
    const record: PeerRecord = {
      good: int(good, 1000, 1e12, 'good') / 1000,
      bad: int(bad, 1000, 1e12, 'bad') / 1000,
      at: time(at, 'at'),
      seen: time(seen, 'seen'),
      endorsed: int(endorsed, 0, 1, 'endorsed') === 1,
      latencyMs: int(latencyMs, 0, 3_600_000, 'latencyMs'),
      latencyAt: time(latencyAt, 'latencyAt'),
      slot: int(slot, 0, MAX_TIME, 'slot'),
      up: slots(up, 'up'),
      total: slots(total, 'total')
    }
    if (record.up.some((u, i) => u > (record.total[i] as number))) throw fail('a slot has more online samples than samples')
    // a peer listed twice keeps its later record (the order is least recently seen first)
    out.delete(id)
    out.set(id, record)
  }
  return [...out]
}
