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
 * Written whole, by temp file + fsync + rename + folder fsync (`durable`),
 * one save running and at most one waiting (../core/coalesce.ts). Renewals
 * wait for their save; a new shard's lease and a loss are saved without
 * being waited for: a crash before that save leaves a shard with no recorded
 * lease, which the next open gives LEGACY_LEASE_MS from then (./lease.ts),
 * never less than the lease granted. A missing, damaged or unreadable
 * (newer) lease file is treated the same way: every shard gets the legacy
 * lease from the open that found it so, and the file is written again. So
 * losing this file never ends a lease early; it only forgets losses.
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
  // in id order: the same leases give the same bytes, whatever order they were set in
  const entries = [...leases].sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)
  return encodeCbor({
    v: LEASE_FILE_VERSION,
    ids: digests(entries.map(([id]) => id)),
    until: entries.map(([, until]) => until),
    lost: digests(lost.map(l => l.id)),
    lostAt: lost.map(l => l.lostAt)
  })
}

function digests (ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * BLAKE3_BYTES)
  ids.forEach((id, i) => { out.set(parseShardCid(id).multihash.digest, i * BLAKE3_BYTES) })
  return out
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
  readonly #leases = new Map<string, number>()
  #lost: LostShard[] = []
  readonly #saver: Coalescer<void>
  /** changes not yet written by a save that succeeded */
  #dirty = false

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
      this.#leases.set(record.id, until)
    }
    if (recorded.size !== records.length) this.#dirty = true
    this.#lost = contents?.lost ?? []
    if (state !== 'read') this.#dirty = true
    if (this.#dirty) await this.save()
    return { lost: this.#lost, state }
  }

  set (id: string, leaseUntil: number): void {
    this.#leases.set(id, leaseUntil)
    this.#dirty = true
  }

  get (id: string): number | undefined {
    return this.#leases.get(id)
  }

  delete (id: string): void {
    if (this.#leases.delete(id)) this.#dirty = true
  }

  setLost (lost: readonly LostShard[]): void {
    this.#lost = lost.map(l => ({ ...l }))
    this.#dirty = true
  }

  /** Write the lease file with every change made before this call. */
  async save (): Promise<void> {
    await this.#saver.run()
  }

  /** Save in the background (a failure leaves the changes for the next save). */
  saveLater (): void {
    this.#saver.run().catch(() => { /* still dirty: the next save, or close, writes it */ })
  }

  /** Wait for saves under way, then write what is still unsaved. */
  async flush (): Promise<void> {
    await this.#saver.idle()
    if (this.#dirty) await this.save()
  }

  async #write (): Promise<void> {
    this.#dirty = false
    const bytes = encodeLeaseFile(this.#leases, this.#lost)
    try {
      await replaceFile(this.#root, LEASE_FILE, bytes, this.#durable)
    } catch (err) {
      this.#dirty = true
      throw err
    }
  }
}

function isDataError (err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name
  return name === 'MalformedDataError' || name === 'UnsupportedVersionError'
}
