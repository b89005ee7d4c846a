/**
 * Protocol ids, caps, defaults and signature domains of the repair protocol
 * (wire format: ./messages.ts). One protocol id per operation, as for the
 * shard protocol, so a node knows a request's cap before reading its body.
 */
import { KiB } from '../../core/bytes.ts'
import { MAX_REPAIR_CAP_BYTES } from '../../core/repair-cap.ts'

const minute = 60 * 1000
const day = 24 * 60 * minute

export const REPAIR_PROTOCOLS = Object.freeze({
  adopt: '/datamesh/repair/adopt/1.0.0',
  release: '/datamesh/repair/release/1.0.0',
  store: '/datamesh/repair/store/1.0.0',
  renew: '/datamesh/repair/renew/1.0.0'
})
export type RepairOp = keyof typeof REPAIR_PROTOCOLS
export const REPAIR_OPS = Object.keys(REPAIR_PROTOCOLS) as readonly RepairOp[]
/** ops a repairer serves (with a capability book) and ops a holder serves (with a store) */
export const REPAIRER_OPS: readonly RepairOp[] = ['adopt', 'release']
export const HOLDER_OPS: readonly RepairOp[] = ['store', 'renew']

/** The `v` field of every repair request and answer. */
export const REPAIR_WIRE_VERSION = 1

/** Signature domain of a release (K_f over key, seq and the repairer). */
export const RELEASE_DOMAIN = 'datamesh/repair-release/v1'

/** Room in a request for everything besides the capability and the shard (keys, id, signature, heads). */
export const REPAIR_HEADER_ALLOWANCE = 4 * KiB
/** Most ids one renew request names (as many as a shard `has`). */
export const MAX_RENEW_IDS = 256
/** A request's capability field holds at most this. */
export const MAX_CAP_FIELD_BYTES = MAX_REPAIR_CAP_BYTES

/** How long a holder lets a repaired shard's lease run at most (the owner's own leases: DURABILITY leaseMs). */
export const REPAIR_LEASE_MS = 30 * day

/** Capability-book bounds (./book.ts), each with its reason. */
export const BOOK_DEFAULTS = Object.freeze({
  /** capabilities kept in all: ten thousand files' worth of repair work for one always-on peer */
  maxCaps: 10_000,
  /** and their bytes: a book is kept in memory and rewritten whole on change */
  maxBytes: 64 * 1024 * KiB,
  /** capabilities one sending peer may have kept here: one person's files */
  maxCapsPerPeer: 1_000,
  /** their bytes: four of the largest capabilities */
  maxBytesPerPeer: 16 * 1024 * KiB,
  /** a change is saved this soon (adoptions are rare; a restart should not lose one) */
  saveDelayMs: 1000
})

/** Verified capabilities a holder remembers, so a repairer's many stores of one file cost one verification. */
export const VERIFIED_CAP_CACHE = Object.freeze({ maxEntries: 16, maxBytes: 32 * 1024 * KiB })
/** Repair keys whose highest sequence number a holder remembers (an older capability is refused). */
export const MAX_SEEN_KEYS = 10_000
