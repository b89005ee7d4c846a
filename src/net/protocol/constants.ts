/**
 * Protocol ids, wire versions, size caps, time limits and signature domains
 * of the DataMesh request/response protocols. The wire formats themselves
 * are specified in `shard-messages.ts` and `info-messages.ts`.
 *
 * Every shard operation has its own protocol id, so a server knows what a
 * stream carries, and so how large its request may be, before it reads a
 * byte of the body: a `has` request is refused at its length prefix when
 * it announces more than a few KiB.
 */
import { KiB, MiB } from '../../core/bytes.ts'

const second = 1000
const minute = 60 * second

/** Shard exchange: one protocol per operation. */
export const SHARD_PROTOCOLS = Object.freeze({
  store: '/datamesh/shard/store/1.0.0',
  'store-many': '/datamesh/shard/store-many/1.0.0',
  fetch: '/datamesh/shard/fetch/1.0.0',
  has: '/datamesh/shard/has/1.0.0',
  delete: '/datamesh/shard/delete/1.0.0',
  renew: '/datamesh/shard/renew/1.0.0'
})
export type ShardOp = keyof typeof SHARD_PROTOCOLS
export const SHARD_OPS = Object.keys(SHARD_PROTOCOLS) as readonly ShardOp[]
/** Node description: type, version, capacity. */
export const INFO_PROTOCOL = '/datamesh/info/1.0.0'

/** The `v` field of every request and response on the shard and info protocols (but see STORE_LEASE_VERSION). */
export const WIRE_VERSION = 1
/**
 * The `v` of a store or store-many request that carries a lease (and
 * optionally a renewer); version 1 requests are still served, with the
 * holder's legacy lease. Answers stay version 1.
 */
export const STORE_LEASE_VERSION = 2

/** DataMesh software version reported by info (kept equal to package.json by a test). */
export const DATAMESH_VERSION = '0.1.0'

/** Largest shard sent or accepted by default: a 64 MiB stripe (the codec's largest) over the default k = 4. */
export const DEFAULT_MAX_SHARD_SIZE = 16 * MiB
/** Room for everything in a shard frame besides the shard bytes (keys, id, owner, signature). */
export const FRAME_HEADER_ALLOWANCE = 4 * KiB
/** Cap of a request that names at most one shard (fetch, delete) and of an info request. */
export const SMALL_REQUEST_MAX = 1 * KiB
/** Cap of an answer that carries no shard: an error, has, info, or an empty success (see ERROR_WIRE_MAX). */
export const SMALL_ANSWER_MAX = 8 * KiB
/** Cap of every info frame (an info answer is a small answer). */
export const INFO_FRAME_MAX = SMALL_ANSWER_MAX

/** Most ids one `has` request may ask about. */
export const MAX_HAS_IDS = 256
/** Most shards one `store-many` request may carry (its frame is capped like any other). */
export const MAX_BATCH_SHARDS = 256
/** Room a `store-many` frame needs per shard besides its bytes (id, array headers, a lease and a renewer key). */
export const BATCH_ITEM_ALLOWANCE = 128
/** Most ids one `renew` request may extend. */
export const MAX_RENEW_IDS = 256
/** Longest shard id in bytes (a CIDv1 raw BLAKE3-256 is 36; room for no more). */
export const MAX_CID_BYTES = 64
/** Cap of a has request: 256 ids of at most 64 bytes with their heads, and the map around them. */
export const HAS_REQUEST_MAX = MAX_HAS_IDS * (MAX_CID_BYTES + 2) + SMALL_REQUEST_MAX

/** Accepted distance between a signed timestamp and the holder's clock, either way. */
export const DEFAULT_MAX_CLOCK_SKEW = 10 * minute
/** How long a client asks a store grant to last: one signature per holder every few minutes. */
export const GRANT_LIFETIME = 10 * minute
/** The longest a holder lets a store grant last (beyond the clock skew): a leaked grant is worth little. */
export const MAX_GRANT_LIFETIME = 60 * minute
/** Time for one whole exchange (request in, response out), on either side. */
export const DEFAULT_TIMEOUT = 30 * second
/**
 * Time for the first byte of a request to arrive once its stream is open.
 * A peer that opens a stream and says nothing frees its slot this soon.
 */
export const DEFAULT_FIRST_BYTE_TIMEOUT = 5 * second
/**
 * While a frame is incomplete, every window of this length must bring
 * MIN_PROGRESS_BYTES (or the rest of the frame): a stalled or trickled
 * frame frees its reservation this soon, long before DEFAULT_TIMEOUT.
 * Above the 1.5–2.7 s a new WebRTC connection sometimes pauses.
 */
export const DEFAULT_PROGRESS_TIMEOUT = 5 * second
/** Bytes each progress window must bring: 3.2 KiB/s, far below any link that carries shards. */
export const MIN_PROGRESS_BYTES = 16 * KiB
/** How long a server lingers for the peer to finish after an error answer, before resetting. */
export const CLOSE_GRACE = 2 * second

/** Per-owner quota a holder enforces unless configured: 1 GiB. */
export const DEFAULT_PER_OWNER_QUOTA = 1024 * MiB

/**
 * Streams of one protocol per connection, checked by libp2p's registrar
 * before our own per-peer limits (which answer with a typed error); kept
 * above `DEFAULT_LIMITS.maxStreamsPerPeer` so ours speak first.
 */
export const MAX_INBOUND_STREAMS = 32
/** Outbound streams of one protocol per connection (parallel shard transfers to one peer). */
export const MAX_OUTBOUND_STREAMS = 32

/** Domain strings of the owner signatures (see shard-messages.ts). */
export const STORE_DOMAIN = 'datamesh/shard/store/v1'
export const DELETE_DOMAIN = 'datamesh/shard/delete/v1'
export const GRANT_DOMAIN = 'datamesh/shard/grant/v1'
/** A store with a lease (request version 2): the preimage also covers the lease and the renewer. */
export const STORE_LEASE_DOMAIN = 'datamesh/shard/store/v2'
export const RENEW_DOMAIN = 'datamesh/shard/renew/v1'

/** Longest error message and name carried in an error answer. */
export const MAX_ERROR_MESSAGE = 1024
export const MAX_ERROR_NAME = 64
/** Most entries kept from an error's details, the longest key and the longest string value. */
export const MAX_ERROR_DETAILS = 16
export const MAX_DETAIL_KEY = 64
export const MAX_DETAIL_STRING = 256
/** Largest encoded error map: name, message and details at their caps, with heads and keys. */
export const ERROR_WIRE_MAX = MAX_ERROR_NAME + MAX_ERROR_MESSAGE + MAX_ERROR_DETAILS * (MAX_DETAIL_KEY + MAX_DETAIL_STRING + 12) + 64
