/**
 * The lease file of a filesystem shard store: `<root>/leases`, one per
 * root, holding what changes too often to rewrite shard files for: each
 * shard's lease end, and the ids the store lost (./lost.ts). Owner and
 * renewer labels never change, so they stay in the shard files.
 *
 * Format, version 1 (dag-cbor map, exactly these keys):
 *   v       1
 *   ids     bytes: the 32-byte BLAKE3 digests of the shard ids (n x 32),
 *           each id being CIDv1(raw, blake3-256) of its digest; written in
 *           the order of the ids' text, so equal leases give equal bytes
 *   until   [n integers]: lease ends, ms since the Unix epoch, in `ids` order
 *   lost    bytes: digests of the lost ids (m x 32, m <= MAX_LOST_SHARDS), oldest loss first
 *   lostAt  [m integers]: when each loss was found, ms
 * Digests rather than CID text: 32 bytes a shard, and a byte string costs
 * one item to decode however many shards it holds (../core/cbor.ts caps).
 *
 * Written whole, by temp file + rename, one save running and at most one
 * waiting (../core/coalesce.ts). A renewal, and the legacy leases an open
 * gives, are saved with fsyncs (the file before the rename, the folder
 * after: `durable`) and waited for: after a crash the file holds them. A
 * new shard's lease, a removal and a loss are saved without fsync and
 * without being waited for: a crash before that save reaches the disk
 * leaves the previous file (a shard with no recorded lease, which the next
 * open gives LEGACY_LEASE_MS from then, ./lease.ts, never less than the
 * lease granted) or, on a file system that does not order the data before
 * the rename, a damaged file. A missing, damaged or unreadable (newer)
 * lease file is treated the same way: every shard gets the legacy lease
 * from the open that found it so, and the file is written again. Leases
 * are capped at that span, so losing this file never ends a lease early;
 * it only forgets losses. Saving without fsync keeps a put at the cost of
 * its own shard file: measured, fsyncing the lease file after every put
 * tripled the time of a durable 1 MiB put.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { MiB } from '../core/bytes.ts'
import { decodeCborMap, encodeCbor, RecordReader } from '../core/cbor.ts'
import { Coalescer } from '../core/coalesce.ts'
import { MalformedDataError } from '../core/errors.ts'
import { BLAKE3_BYTES, cidFromDigest, parseShardCid } from '../core/hash.ts'
import { errorCode, LEASE_FILE, replaceFile } from './fs-format.ts'
import { legacyLeaseUntil } from './lease.ts'
import { MAX_LOST_SHARDS } from './lost.ts'
import type { LostShard, ShardRecord } from './types.ts'

export const LEASE_FILE_VERSION = 1
/** How soon a background save follows a change: at most one unsynced save a second, however fast shards arrive. */
export const SAVE_DELAY_MS = 1000
/**
 * Largest lease file read: ~41 bytes a shard, so about 1.6 million shards
 * (1.6 TB of 1 MiB shards). A larger file is treated as damaged: its
 * shards get the legacy lease, never an early end.
 */
export const MAX_LEASE_FILE_BYTES = 64 * MiB

export interface LeaseFileContents {
  leases: Map<string, number>
  lost: LostShard[]
}

/** The lease file's bytes for these leases and losses. */
export function encodeLeaseFile (leases: Iterable<[id: string, leaseUntil: number]>, lost: readonly LostShard[]): Uint8Array {
  const entries = new Map<string, { until: number, digest: Uint8Array }>()
  for (const [id, until] of leases) entries.set(id, { until, digest: parseShardCid(id).multihash.digest })
  return encode(entries, lost)
}

function encode (leases: ReadonlyMap<string, { until: number, digest: Uint8Array }>, lost: readonly LostShard[]): Uint8Array {
  // in id order: the same leases give the same bytes, whatever order they were set in
  const ids = [...leases.keys()].sort()
  const digests = new Uint8Array(ids.length * BLAKE3_BYTES)
  const until: number[] = []
  ids.forEach((id, i) => {
    const entry = leases.get(id) as { until: number, digest: Uint8Array }
    digests.set(entry.digest, i * BLAKE3_BYTES)
    until.push(entry.until)
  })
  const lostDigests = new Uint8Array(lost.length * BLAKE3_BYTES)
  lost.forEach((l, i) => { lostDigests.set(parseShardCid(l.id).multihash.digest, i * BLAKE3_BYTES) })
  return encodeCbor({ v: LEASE_FILE_VERSION, ids: digests, until, lost: lostDigests, lostAt: lost.map(l => l.lostAt) })
}

/** Parse a lease file: MalformedDataError when damaged, UnsupportedVersionError for another version. */
export function decodeLeaseFile (bytes: Uint8Array): LeaseFileContents {
  const what = 'Lease file'
  const r = new RecordReader(decodeCborMap(bytes, MAX_LEASE_FILE_BYTES, what), what)
  r.version(LEASE_FILE_VERSION)
  const ids = idsOf(r, 'ids', Number.MAX_SAFE_INTEGER)
  const until = times(r, 'until', ids.length)
  const lostIds = idsOf(r, 'lost', MAX_LOST_SHARDS)
  const lostAt = times(r, 'lostAt', lostIds.length)
  r.done()
  return {
    leases: new Map(ids.map((id, i) => [id, until[i] as number])),
    lost: lostIds.map((id, i) => ({ id, lostAt: lostAt[i] as number }))
  }
}

function idsOf (r: RecordReader, key: string, max: number): string[] {
  const bytes = r.bytes(key)
  if (bytes.byteLength % BLAKE3_BYTES !== 0 || bytes.byteLength / BLAKE3_BYTES > max) throw r.fail(`"${key}" must hold whole 32-byte digests`)
  return Array.from({ length: bytes.byteLength / BLAKE3_BYTES }, (_, i) => cidFromDigest(bytes.slice(i * BLAKE3_BYTES, (i + 1) * BLAKE3_BYTES)).toString())
}

function times (r: RecordReader, key: string, count: number): number[] {
  const list = r.array(key, count) as unknown[]
  if (list.length !== count || !list.every(t => typeof t === 'number' && Number.isSafeInteger(t) && t >= 0)) {
    throw r.fail(`"${key}" must hold ${count} times in ms`)
  }
  return list as number[]
}

/** How a store found its lease file on open. */
export type LeaseFileState = 'read' | 'missing' | 'damaged'

/**
 * The leases and losses of one root, in memory, with coalesced saves of the
 * lease file. Every change is made in memory first; `save()` resolves once a
 * save that began after the call has written the file.
 */
export class LeaseBook {
  readonly #root: string
  readonly #durable: boolean
  /** lease end and id digest (kept, so a save does not parse every id again) per shard */
  readonly #leases = new Map<string, { until: number, digest: Uint8Array }>()
  #lost: LostShard[] = []
  readonly #saver: Coalescer<void>
  /** changes not yet written by a save that succeeded */
  #dirty = false
  /** the next save must reach the disk (fsyncs), for a renewal or an open's legacy leases */
  #syncWanted = false
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor (root: string, durable: boolean) {
    this.#root = root
    this.#durable = durable
    this.#saver = new Coalescer(async () => { await this.#write() })
  }

  /**
   * Read the lease file and give every record its lease: the recorded one,
   * or the legacy lease from `now` (then saved, so it does not move on the
   * next open). Entries of shards no longer there are dropped.
   */
  async load (records: ShardRecord[], now: number): Promise<{ lost: LostShard[], state: LeaseFileState }> {
    let contents: LeaseFileContents | undefined
    let state: LeaseFileState = 'read'
    const path = join(this.#root, LEASE_FILE)
    try {
      // never read more than a lease file can be: a larger one is damaged
      if ((await stat(path)).size > MAX_LEASE_FILE_BYTES) throw new MalformedDataError('Lease file too large', { maxBytes: MAX_LEASE_FILE_BYTES })
      contents = decodeLeaseFile(new Uint8Array(await readFile(path)))
    } catch (err) {
      if (errorCode(err) === 'ENOENT') state = 'missing'
      else if (isDataError(err)) state = 'damaged'
      else throw err
    }
    const recorded = contents?.leases ?? new Map<string, number>()
    for (const record of records) {
      let until = recorded.get(record.id)
      if (until === undefined) {
        until = legacyLeaseUntil(record.storedAt, now)
        this.#dirty = true
      }
      record.leaseUntil = until
      this.#leases.set(record.id, { until, digest: parseShardCid(record.id).multihash.digest })
    }
    if (recorded.size !== records.length) this.#dirty = true
    this.#lost = contents?.lost ?? []
    if (state !== 'read') this.#dirty = true
    if (this.#dirty) await this.save({ sync: true })
    return { lost: this.#lost, state }
  }

  set (id: string, leaseUntil: number): void {
    const digest = this.#leases.get(id)?.digest ?? parseShardCid(id).multihash.digest
    this.#leases.set(id, { until: leaseUntil, digest })
    this.#dirty = true
  }

  get (id: string): number | undefined {
    return this.#leases.get(id)?.until
  }

  delete (id: string): void {
    if (this.#leases.delete(id)) this.#dirty = true
  }

  setLost (lost: readonly LostShard[]): void {
    this.#lost = lost.map(l => ({ ...l }))
    this.#dirty = true
  }

  /** Write the lease file with every change made before this call; `sync`: fsynced, so a crash keeps it. */
  async save (options: { sync: boolean }): Promise<void> {
    if (options.sync) this.#syncWanted = true
    await this.#saver.run()
  }

  /** Save in the background, without fsync, within SAVE_DELAY_MS (a failure leaves the changes for the next save). */
  saveLater (): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.#saver.run().catch(() => { /* still dirty: the next save, or close, writes it */ })
    }, SAVE_DELAY_MS)
    // an exit before it fires loses only what a crash may lose (see the module header)
    if (typeof this.#timer === 'object' && 'unref' in this.#timer) this.#timer.unref()
  }

  /** Wait for saves under way, then write what is still unsaved. */
  async flush (): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#saver.idle()
    if (this.#dirty) await this.save({ sync: false })
  }

  async #write (): Promise<void> {
    const sync = this.#syncWanted
    this.#dirty = false
    this.#syncWanted = false
    const bytes = encode(this.#leases, this.#lost)
    try {
      await replaceFile(this.#root, LEASE_FILE, bytes, this.#durable && sync)
    } catch (err) {
      this.#dirty = true
      if (sync) this.#syncWanted = true
      throw err
    }
  }
}

function isDataError (err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name
  return name === 'MalformedDataError' || name === 'UnsupportedVersionError'
}
