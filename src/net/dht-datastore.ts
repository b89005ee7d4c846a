/**
 * The datastore of a DataMesh DHT server (the relay and the storage peers):
 * what kad-dht stores for others goes through here, so that it is bounded,
 * fair and kept in order.
 *
 * Keys (kad-dht 16, datastorePrefix "/dht"):
 *   /dht/record/<base32 of the record key>             a Libp2pRecord (PUT_VALUE)
 *   /dht/provider/<base32 multihash>/<provider peer id> varint ms (ADD_PROVIDER)
 * Everything else (the peer store) passes through to memory untouched.
 *
 * Records
 * - live in `records`: a persistent store on servers (datastore-fs under the
 *   node's data folder), so a restarted relay still answers for every
 *   owner's index pointer;
 * - index pointers (index-record.ts) are checked once more here, against
 *   what is held: a record older than the held one, or expired, is refused
 *   (StaleRecordError), so an old record replayed to a server cannot replace
 *   a newer one; a held index pointer is served until its own expiry (its
 *   receive time is renewed when read, which kad-dht would otherwise drop
 *   48 h after receipt) and then deleted; expired ones are swept hourly;
 * - are charged to the peer and address that first stored the key
 *   (dht-sender.ts), within FairShare limits (fair-share.ts); a refusal is a
 *   QuotaExceededError. Records found on disk at start are charged to a
 *   source of their own each (their senders are not kept).
 * Provider records stay in memory and are charged to the provider (the
 * sender: kad-dht ignores providers other than the sender) and its address.
 * The process's own peers and this node's own work are not charged.
 */
import { BaseDatastore, MemoryDatastore } from 'datastore-core'
import { Key, type Datastore, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import { Libp2pRecord } from '@libp2p/record'
import { base32 } from 'multiformats/bases/base32'
import type { AbortOptions } from '@libp2p/interface'
import { NotFoundError, QuotaExceededError } from '../core/errors.ts'
import { FairShare, type FairShareLimits } from './fair-share.ts'
import { checkIndexRecordFresh, checkIndexRecordUpdate, isIndexRecordKey, openIndexRecord } from './index-record.ts'

export const RECORD_PREFIX = '/dht/record'
export const PROVIDER_PREFIX = '/dht/provider'

export interface DhtLimits {
  records: FairShareLimits
  providers: FairShareLimits
}

/**
 * Index pointers are one per owner key and a few hundred bytes: 65,536 take
 * well under 300 MiB of disk at the 4 KiB cap (tens of MiB in practice). A
 * tab stores one or two keys; an address with many users a few hundred.
 * Provider records: a tab announces the shards it keeps (tens of thousands
 * at most); 262,144 take about 50 MiB of memory.
 */
export const DEFAULT_DHT_LIMITS: Readonly<DhtLimits> = Object.freeze({
  records: Object.freeze({ max: 65_536, perPeer: 64, perSource: 1024 }),
  providers: Object.freeze({ max: 262_144, perPeer: 65_536, perSource: 131_072 })
})

/** Who asked for the write being made, as the datastore charges it; undefined for this node's own work. */
export interface DhtCharge {
  peer: string
  source: string
  /** one of this process's own peers: not charged */
  trusted: boolean
}

export interface DhtDatastoreInit {
  /** where records are kept (default: memory) */
  records?: Datastore
  /** the current request's sender (dht-sender.ts + ServerPolicy) */
  sender?: () => DhtCharge | undefined
  limits?: Partial<DhtLimits>
  /** ms between sweeps of expired index pointers (0: none) */
  sweepIntervalMs?: number
  now?: () => number
}

const HOUR_MS = 60 * 60 * 1000

function recordKeyOf (key: Key): Uint8Array | undefined {
  const text = key.toString()
  if (!text.startsWith(`${RECORD_PREFIX}/`)) return undefined
  try {
    return base32.baseDecode(text.slice(RECORD_PREFIX.length + 1))
  } catch {
    return undefined
  }
}

function providerOf (key: Key): string | undefined {
  const text = key.toString()
  if (!text.startsWith(`${PROVIDER_PREFIX}/`)) return undefined
  const parts = text.slice(PROVIDER_PREFIX.length + 1).split('/')
  return parts.length === 2 && parts[1] !== '' ? parts[1] : undefined
}

/** A store's value, or undefined when it has none (stores may throw synchronously: MemoryDatastore). */
async function getOrUndefined (store: Datastore, key: Key, options?: AbortOptions): Promise<Uint8Array | undefined> {
  try {
    return await store.get(key, options)
  } catch {
    return undefined
  }
}

async function deleteQuietly (store: Datastore, key: Key): Promise<void> {
  try {
    await store.delete(key)
  } catch {}
}

function within (prefix: string | undefined, area: string): 'inside' | 'covers' | 'outside' {
  const p = prefix ?? ''
  if (p.startsWith(area)) return 'inside'
  return area.startsWith(p) ? 'covers' : 'outside'
}

export class DhtDatastore extends BaseDatastore {
  readonly records: FairShare
  readonly providers: FairShare
  readonly #store: Datastore
  readonly #rest = new MemoryDatastore()
  readonly #sender: () => DhtCharge | undefined
  readonly #now: () => number
  #timer?: ReturnType<typeof setInterval>
  /** record writes one at a time: each checks what is held, then writes */
  #writing: Promise<unknown> = Promise.resolve()

  private constructor (init: DhtDatastoreInit) {
    super()
    this.#store = init.records ?? new MemoryDatastore()
    this.#sender = init.sender ?? (() => undefined)
    this.#now = init.now ?? Date.now
    this.records = new FairShare(init.limits?.records ?? DEFAULT_DHT_LIMITS.records)
    this.providers = new FairShare(init.limits?.providers ?? DEFAULT_DHT_LIMITS.providers)
  }

  /** Open over `init.records`: what it holds is checked (expired and invalid index pointers deleted) and charged. */
  static async open (init: DhtDatastoreInit = {}): Promise<DhtDatastore> {
    const ds = new DhtDatastore(init)
    for await (const { key, value } of ds.#store.query({ prefix: RECORD_PREFIX })) {
      if (await ds.#usable(key, value)) ds.records.add(key.toString(), `stored:${key.toString()}`, `stored:${key.toString()}`)
    }
    const every = init.sweepIntervalMs ?? HOUR_MS
    if (every > 0) {
      ds.#timer = setInterval(() => { ds.sweep().catch(() => {}) }, every)
      ds.#timer.unref?.()
    }
    return ds
  }

  /** Stop sweeping (the stores stay as they are). */
  close (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Delete expired or invalid index pointers; how many were deleted. */
  async sweep (): Promise<number> {
    let deleted = 0
    for (const id of [...this.records.bySource().values()].flatMap(ids => [...ids])) {
      const key = new Key(id)
      const value = await getOrUndefined(this.#store, key)
      if (value !== undefined && !(await this.#usable(key, value))) deleted++
    }
    return deleted
  }

  /** False (and the record deleted) for an index pointer that is invalid or expired. */
  async #usable (key: Key, value: Uint8Array): Promise<boolean> {
    try {
      const record = Libp2pRecord.deserialize(value)
      if (isIndexRecordKey(record.key)) checkIndexRecordFresh(openIndexRecord(record.key, record.value), this.#now())
      return true
    } catch {
      await deleteQuietly(this.#store, key)
      this.records.remove(key.toString())
      return false
    }
  }

  override async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    if (recordKeyOf(key) !== undefined) {
      const write = this.#writing.catch(() => {}).then(async () => { await this.#putRecord(key, value, options) })
      this.#writing = write
      await write
      return key
    }
    const provider = providerOf(key)
    if (provider !== undefined) {
      this.#charge(this.providers, key, provider, 'provider record')
    }
    return await this.#rest.put(key, value, options)
  }

  async #putRecord (key: Key, value: Uint8Array, options?: AbortOptions): Promise<void> {
    const record = Libp2pRecord.deserialize(value)
    if (isIndexRecordKey(record.key)) {
      const stored = await getOrUndefined(this.#store, key, options)
      const held = stored === undefined ? undefined : Libp2pRecord.deserialize(stored).value
      checkIndexRecordUpdate(record.key, record.value, held, this.#now())
    }
    const evicted = this.#charge(this.records, key, undefined, 'DHT record')
    if (evicted !== undefined) await deleteQuietly(this.#store, new Key(evicted))
    await this.#store.put(key, value, options)
  }

  /**
   * Charge a new key to the current sender (provider records: to `provider`,
   * at the sender's address). Returns an evicted id (removed from the
   * ledger; the caller deletes it from its store), or throws QuotaExceededError.
   */
  #charge (ledger: FairShare, key: Key, provider: string | undefined, what: string): string | undefined {
    const id = key.toString()
    if (ledger.has(id)) return undefined
    const sender = this.#sender()
    if (sender === undefined || sender.trusted) return undefined
    const peer = provider ?? sender.peer
    const source = provider !== undefined && provider !== sender.peer ? `peer:${provider}` : sender.source
    const admission = ledger.admit(id, peer, source)
    if (!admission.ok) {
      throw new QuotaExceededError(`This DHT server holds as many of these as it takes from ${admission.reason === 'full' ? 'anyone now' : `one ${admission.reason === 'peer' ? 'peer' : 'address'}`}: ${what} refused`, { reason: admission.reason, what })
    }
    if (admission.evict !== undefined) {
      ledger.remove(admission.evict)
      if (ledger === this.providers) void deleteQuietly(this.#rest, new Key(admission.evict))
    }
    ledger.add(id, peer, source)
    return ledger === this.records ? admission.evict : undefined
  }

  override async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    if (recordKeyOf(key) === undefined) return await this.#rest.get(key, options)
    const value = await this.#store.get(key, options)
    const record = Libp2pRecord.deserialize(value)
    if (!isIndexRecordKey(record.key)) return value
    if (!(await this.#usable(key, value))) throw new NotFoundError('The index record held here expired', { key: key.toString() })
    // served until its own expiry: a fresh receive time keeps kad-dht's 48 h rule from dropping it
    return new Libp2pRecord(record.key, record.value, new Date(this.#now())).serialize()
  }

  override async has (key: Key, options?: AbortOptions): Promise<boolean> {
    return recordKeyOf(key) !== undefined ? await this.#store.has(key, options) : await this.#rest.has(key, options)
  }

  override async delete (key: Key, options?: AbortOptions): Promise<void> {
    if (recordKeyOf(key) !== undefined) {
      this.records.remove(key.toString())
      await this.#store.delete(key, options)
      return
    }
    if (providerOf(key) !== undefined) this.providers.remove(key.toString())
    await this.#rest.delete(key, options)
  }

  override async * query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    const where = within(q.prefix, RECORD_PREFIX)
    if (where !== 'outside') yield * this.#store.query(q, options)
    if (where !== 'inside') yield * this.#rest.query(q, options)
  }

  override async * queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    const where = within(q.prefix, RECORD_PREFIX)
    if (where !== 'outside') yield * this.#store.queryKeys(q, options)
    if (where !== 'inside') yield * this.#rest.queryKeys(q, options)
  }
}
