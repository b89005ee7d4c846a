/**
 * A repairer's capability book: the repair capabilities owners asked this
 * node to keep (adopt), one per repair key, bounded so no sender can take
 * the room of another.
 *
 * - A capability for a key already kept replaces it only with a higher seq
 *   (StaleRecordError 'superseded' otherwise; the same bytes again are a
 *   no-op). A released key keeps a marker of the seq released, so the
 *   capability it dropped cannot be adopted again.
 * - Per sending peer at most `maxCapsPerPeer` capabilities and
 *   `maxBytesPerPeer` bytes; in all `maxCaps` and `maxBytes`. A full book
 *   refuses (QuotaExceededError, reason 'book-full', `limit` 'peer' or
 *   'total') rather than evicting someone else's. Expired capabilities are
 *   dropped first.
 * - Persisted through a `CapabilityStorage` (a file on Node, atomically
 *   replaced: ./book-fs.ts; memory in tabs and tests), saved
 *   `saveDelayMs` after a change, one save at a time. On open, every kept
 *   capability is verified again (signature, expiry); what fails is dropped.
 *
 * File format (dag-cbor), version 1:
 *   { v: 1, caps: [{ cap: <bytes>, sig: <64>, from: <peer id string>, at: <ms> } ...],
 *     released: [{ key: <32>, seq: <int>, until: <ms> } ...] }
 */
import { Coalescer } from '../../core/coalesce.ts'
import { decodeCborMap, encodeCbor, RecordReader } from '../../core/cbor.ts'
import { InvalidParametersError, QuotaExceededError, StaleRecordError } from '../../core/errors.ts'
import { equalBytes } from '../../core/bytes.ts'
import { MAX_CAP_LIFETIME_MS, MAX_REPAIR_CAP_BYTES, verifyRepairCap, type RepairCap, type SignedRepairCap } from '../../core/repair-cap.ts'
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from '../../core/signature.ts'
import { base64url } from 'multiformats/bases/base64'
import { BOOK_DEFAULTS } from './constants.ts'

export const BOOK_FORMAT_VERSION = 1

export interface CapabilityStorage {
  load: () => Promise<Uint8Array | undefined>
  save: (bytes: Uint8Array) => Promise<void>
}

export function memoryCapabilityStorage (): CapabilityStorage & { bytes?: Uint8Array } {
  const storage: CapabilityStorage & { bytes?: Uint8Array } = {
    load: async () => storage.bytes?.slice(),
    save: async (bytes) => { storage.bytes = bytes.slice() }
  }
  return storage
}

export interface BookLimits {
  maxCaps: number
  maxBytes: number
  maxCapsPerPeer: number
  maxBytesPerPeer: number
}

export interface CapabilityBookInit extends Partial<BookLimits> {
  storage?: CapabilityStorage
  /** ms after a change that it is saved */
  saveDelayMs?: number
  now?: () => number
  /** a load or save failed (the book goes on in memory) */
  onError?: (err: unknown) => void
}

/** One adopted capability. */
export interface BookEntry {
  signed: SignedRepairCap
  cap: RepairCap
  /** the peer that sent it (it is charged for it) */
  from: string
  /** when it was adopted, ms since the Unix epoch */
  at: number
}

export type AdoptResult = 'added' | 'replaced' | 'unchanged'

interface Released { seq: number, until: number }

const keyOf = (key: Uint8Array): string => base64url.baseEncode(key)

export class CapabilityBook {
  readonly limits: Readonly<BookLimits>
  readonly #entries = new Map<string, BookEntry>()
  readonly #released = new Map<string, Released>()
  readonly #peers = new Map<string, { caps: number, bytes: number }>()
  readonly #storage: CapabilityStorage
  readonly #now: () => number
  readonly #saveDelayMs: number
  readonly #onError: (err: unknown) => void
  readonly #saves: Coalescer<void>
  #bytes = 0
  #dirty = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor (init: CapabilityBookInit = {}) {
    this.limits = checkLimits({
      maxCaps: init.maxCaps ?? BOOK_DEFAULTS.maxCaps,
      maxBytes: init.maxBytes ?? BOOK_DEFAULTS.maxBytes,
      maxCapsPerPeer: init.maxCapsPerPeer ?? BOOK_DEFAULTS.maxCapsPerPeer,
      maxBytesPerPeer: init.maxBytesPerPeer ?? BOOK_DEFAULTS.maxBytesPerPeer
    })
    this.#storage = init.storage ?? memoryCapabilityStorage()
    this.#now = init.now ?? Date.now
    this.#saveDelayMs = init.saveDelayMs ?? BOOK_DEFAULTS.saveDelayMs
    this.#onError = init.onError ?? (() => {})
    this.#saves = new Coalescer(async () => { await this.#save() })
  }

  /** A book holding what its storage kept (unreadable storage: an empty book, reported through onError). */
  static async open (init: CapabilityBookInit = {}): Promise<CapabilityBook> {
    const book = new CapabilityBook(init)
    await book.#load()
    return book
  }

  get size (): number { return this.#entries.size }
  get bytes (): number { return this.#bytes }

  /** The kept capability of repair key `key`, if any and not expired. */
  get (key: Uint8Array): BookEntry | undefined {
    const entry = this.#entries.get(keyOf(key))
    return entry !== undefined && entry.cap.exp > this.#now() ? entry : undefined
  }

  /** Every kept capability not expired. */
  list (): BookEntry[] {
    const now = this.#now()
    return [...this.#entries.values()].filter(e => e.cap.exp > now)
  }

  /** What `peer` is charged for. */
  usage (peer: string): { caps: number, bytes: number } {
    return { ...(this.#peers.get(peer) ?? { caps: 0, bytes: 0 }) }
  }

  /**
   * Keep a verified capability sent by `from`. StaleRecordError
   * ('superseded') for one not newer than the kept or released one;
   * QuotaExceededError ('book-full') when it does not fit.
   */
  adopt (from: string, signed: SignedRepairCap, cap: RepairCap): AdoptResult {
    const now = this.#now()
    const id = keyOf(cap.key)
    const existing = this.#entries.get(id)
    if (existing !== undefined && existing.cap.seq === cap.seq && equalBytes(existing.signed.bytes, signed.bytes)) return 'unchanged'
    const released = this.#released.get(id)
    const floor = Math.max(existing?.cap.seq ?? -1, released !== undefined && released.until > now ? released.seq : -1)
    if (cap.seq <= floor) {
      throw new StaleRecordError('A newer capability for this repair key is already known here', { reason: 'superseded', seq: cap.seq, known: floor })
    }
    this.prune()
    const size = signed.bytes.byteLength
    const peer = this.#peers.get(from) ?? { caps: 0, bytes: 0 }
    // what the replaced entry frees, if its sender is the same peer
    const freed = existing !== undefined && existing.from === from ? existing.signed.bytes.byteLength : 0
    const freedCaps = existing !== undefined && existing.from === from ? 1 : 0
    if (peer.caps - freedCaps + 1 > this.limits.maxCapsPerPeer || peer.bytes - freed + size > this.limits.maxBytesPerPeer) {
      throw full('peer', this.limits)
    }
    const totalFreed = existing?.signed.bytes.byteLength ?? 0
    if (this.#entries.size - (existing !== undefined ? 1 : 0) + 1 > this.limits.maxCaps || this.#bytes - totalFreed + size > this.limits.maxBytes) {
      throw full('total', this.limits)
    }
    if (existing !== undefined) this.#remove(id, existing)
    this.#put({ signed: { bytes: signed.bytes.slice(), sig: signed.sig.slice() }, cap, from, at: now })
    this.#released.delete(id)
    this.#changed()
    return existing === undefined ? 'added' : 'replaced'
  }

  /**
   * Drop the capability of `key` if its seq is at most `seq` (a verified
   * release); remembers the release so it cannot be adopted again. True
   * when something was dropped.
   */
  release (key: Uint8Array, seq: number): boolean {
    const id = keyOf(key)
    const existing = this.#entries.get(id)
    if (existing === undefined || existing.cap.seq > seq) return false
    this.#remove(id, existing)
    this.#released.set(id, { seq, until: this.#now() + MAX_CAP_LIFETIME_MS })
    this.#changed()
    return true
  }

  /** Drop expired capabilities and old release markers. */
  prune (): void {
    const now = this.#now()
    let changed = false
    for (const [id, entry] of this.#entries) {
      if (entry.cap.exp <= now) { this.#remove(id, entry); changed = true }
    }
    for (const [id, r] of this.#released) {
      if (r.until <= now) { this.#released.delete(id); changed = true }
    }
    // markers stay bounded: at most one per capability the book may hold
    while (this.#released.size > this.limits.maxCaps) {
      const oldest = this.#released.keys().next().value as string
      this.#released.delete(oldest)
      changed = true
    }
    if (changed) this.#changed()
  }

  /** Save now if anything changed, and wait for saves in flight. */
  async flush (): Promise<void> {
    if (this.#timer !== undefined) { clearTimeout(this.#timer); this.#timer = undefined }
    if (this.#dirty) await this.#saves.run()
    await this.#saves.idle()
  }

  async close (): Promise<void> {
    await this.flush()
    this.#closed = true
  }

  #put (entry: BookEntry): void {
    const id = keyOf(entry.cap.key)
    this.#entries.set(id, entry)
    const size = entry.signed.bytes.byteLength
    this.#bytes += size
    const peer = this.#peers.get(entry.from) ?? { caps: 0, bytes: 0 }
    this.#peers.set(entry.from, { caps: peer.caps + 1, bytes: peer.bytes + size })
  }

  #remove (id: string, entry: BookEntry): void {
    this.#entries.delete(id)
    const size = entry.signed.bytes.byteLength
    this.#bytes -= size
    const peer = this.#peers.get(entry.from)
    if (peer === undefined) return
    if (peer.caps <= 1) this.#peers.delete(entry.from)
    else this.#peers.set(entry.from, { caps: peer.caps - 1, bytes: peer.bytes - size })
  }

  #changed (): void {
    this.#dirty = true
    if (this.#closed || this.#timer !== undefined) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#saves.run().catch(() => {}) // #save reports its own failures
    }, this.#saveDelayMs)
  }

  async #save (): Promise<void> {
    this.#dirty = false
    const bytes = encodeCbor({
      v: BOOK_FORMAT_VERSION,
      caps: [...this.#entries.values()].map(e => ({ cap: e.signed.bytes, sig: e.signed.sig, from: e.from, at: e.at })),
      released: [...this.#released].map(([id, r]) => ({ key: base64url.baseDecode(id), seq: r.seq, until: r.until }))
    })
    try {
      await this.#storage.save(bytes)
    } catch (err) {
      this.#dirty = true
      this.#onError(err)
    }
  }

  async #load (): Promise<void> {
    let bytes: Uint8Array | undefined
    try {
      bytes = await this.#storage.load()
    } catch (err) {
      this.#onError(err)
      return
    }
    if (bytes === undefined) return
    const now = this.#now()
    try {
      const what = 'capability book'
      const { maxCaps, maxBytes } = this.limits
      const r = new RecordReader(decodeCborMap(bytes, {
        maxBytes: maxBytes + maxCaps * 256 + 4096,
        maxItems: 16 + maxCaps * 18 + Math.floor(maxBytes / 2),
        maxContainers: 4 + maxCaps * 2,
        maxDepth: 4,
        maxTextBytes: 128,
        maxByteStringBytes: MAX_REPAIR_CAP_BYTES
      }, what), what)
      r.version(BOOK_FORMAT_VERSION)
      const caps = r.array('caps', maxCaps) as unknown[]
      const released = r.array('released', maxCaps) as unknown[]
      r.done()
      for (const raw of released) {
        const rr = new RecordReader(asMap(raw, r), `${what} release`)
        const key = rr.bytes('key', ED25519_PUBLIC_KEY_BYTES)
        const seq = rr.int('seq', 0, Number.MAX_SAFE_INTEGER)
        const until = rr.int('until', 0, Number.MAX_SAFE_INTEGER)
        rr.done()
        if (until > now) this.#released.set(keyOf(key), { seq, until })
      }
      for (const raw of caps) {
        const cr = new RecordReader(asMap(raw, r), `${what} entry`)
        const signed = { bytes: cr.bytes('cap', { min: 1, max: MAX_REPAIR_CAP_BYTES }), sig: cr.bytes('sig', ED25519_SIGNATURE_BYTES) }
        const from = cr.string('from', 128)
        const at = cr.int('at', 0, Number.MAX_SAFE_INTEGER)
        cr.done()
        let cap: RepairCap
        try {
          cap = verifyRepairCap(signed, { now })
        } catch {
          continue // expired since, or damaged: dropped
        }
        const id = keyOf(cap.key)
        const kept = this.#entries.get(id)
        if (kept !== undefined) {
          if (kept.cap.seq >= cap.seq) continue
          this.#remove(id, kept)
        }
        const peer = this.#peers.get(from) ?? { caps: 0, bytes: 0 }
        if (this.#entries.size + 1 > maxCaps || this.#bytes + signed.bytes.byteLength > maxBytes ||
          peer.caps + 1 > this.limits.maxCapsPerPeer || peer.bytes + signed.bytes.byteLength > this.limits.maxBytesPerPeer) continue
        this.#put({ signed, cap, from, at })
      }
    } catch (err) {
      this.#entries.clear()
      this.#released.clear()
      this.#peers.clear()
      this.#bytes = 0
      this.#onError(err)
    }
  }
}

function asMap (raw: unknown, r: RecordReader): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Uint8Array) throw r.fail('entries must be maps')
  return raw as Record<string, unknown>
}

function full (limit: 'peer' | 'total', limits: BookLimits): QuotaExceededError {
  const message = limit === 'peer'
    ? `This repairer keeps at most ${limits.maxCapsPerPeer} capabilities (${limits.maxBytesPerPeer} bytes) from one peer`
    : `This repairer's capability book is full (${limits.maxCaps} capabilities, ${limits.maxBytes} bytes): try another repairer`
  return new QuotaExceededError(message, { reason: 'book-full', limit })
}

function checkLimits (limits: BookLimits): BookLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidParametersError(`Capability book: ${name} is a whole number >= 1`, { [name]: String(value) })
  }
  return limits
}
