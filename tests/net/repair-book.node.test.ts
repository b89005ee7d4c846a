/**
 * The repairer's capability book (src/net/repair/book.ts): higher seq
 * replaces, bounds per sending peer and in all (refusing, never evicting
 * another peer's), expired capabilities dropped, releases remembered, and
 * persistence through memory and an atomically replaced file (reopened
 * capabilities verified again).
 */
import { describe, expect, it } from 'vitest'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { shardCid } from '../../src/core/hash.ts'
import { signRepairCap, verifyRepairCap, type RepairCap, type SignedRepairCap } from '../../src/core/repair-cap.ts'
import { signerFromSecretKey, type Signer } from '../../src/core/signature.ts'
import { CapabilityBook, memoryCapabilityStorage } from '../../src/net/repair/book.ts'
import { fileCapabilityStorage } from '../../src/net/repair/book-fs.ts'

const DAY = 24 * 60 * 60 * 1000
const T0 = Date.UTC(2026, 0, 1)

async function capOf (key: Signer, o: Partial<RepairCap> = {}): Promise<{ signed: SignedRepairCap, cap: RepairCap }> {
  const cap: RepairCap = {
    key: key.publicKey,
    seq: 1,
    exp: T0 + 30 * DAY,
    k: 2,
    m: 1,
    manifest: { id: shardCid(Uint8Array.of(0)).bytes, size: 100, copies: 3 },
    stripes: [{ size: 100, ids: [1, 2, 3].map(i => shardCid(Uint8Array.of(i)).bytes) }],
    repairers: [Uint8Array.of(1, 2, 3)],
    ...o
  }
  const signed = await signRepairCap(cap, key)
  return { signed, cap: verifyRepairCap(signed, { now: T0 }) }
}

const newKey = (): Signer => signerFromSecretKey(ed25519.utils.randomSecretKey())

describe('capability book', () => {
  it('keeps one capability per key: a higher seq replaces, the same is a no-op, an older one is refused', async () => {
    const book = new CapabilityBook({ now: () => T0 })
    const key = newKey()
    const v1 = await capOf(key)
    const v2 = await capOf(key, { seq: 2 })
    expect(book.adopt('a', v1.signed, v1.cap)).toBe('added')
    expect(book.adopt('a', v1.signed, v1.cap)).toBe('unchanged')
    expect(book.adopt('b', v2.signed, v2.cap)).toBe('replaced')
    expect(book.size).toBe(1)
    // the replacement is charged to its sender
    expect(book.usage('a')).toEqual({ caps: 0, bytes: 0 })
    expect(book.usage('b')).toEqual({ caps: 1, bytes: v2.signed.bytes.byteLength })
    expect(() => book.adopt('a', v1.signed, v1.cap)).toThrow(expect.objectContaining({ name: 'StaleRecordError', details: expect.objectContaining({ reason: 'superseded' }) }))
    // released: that seq and older cannot come back, a newer one can
    expect(book.release(key.publicKey, 1)).toBe(false)
    expect(book.release(key.publicKey, 2)).toBe(true)
    expect(() => book.adopt('b', v2.signed, v2.cap)).toThrow(expect.objectContaining({ name: 'StaleRecordError' }))
    const v3 = await capOf(key, { seq: 3 })
    expect(book.adopt('b', v3.signed, v3.cap)).toBe('added')
  })

  it('refuses past a peer\'s bounds without touching other peers\' capabilities, and past the total', async () => {
    const book = new CapabilityBook({ now: () => T0, maxCapsPerPeer: 2, maxCaps: 3 })
    const caps = await Promise.all([0, 1, 2, 3].map(async () => await capOf(newKey())))
    book.adopt('greedy', caps[0]!.signed, caps[0]!.cap)
    book.adopt('greedy', caps[1]!.signed, caps[1]!.cap)
    expect(() => book.adopt('greedy', caps[2]!.signed, caps[2]!.cap)).toThrow(expect.objectContaining({ name: 'QuotaExceededError', details: { reason: 'book-full', limit: 'peer' } }))
    book.adopt('modest', caps[2]!.signed, caps[2]!.cap)
    expect(() => book.adopt('other', caps[3]!.signed, caps[3]!.cap)).toThrow(expect.objectContaining({ name: 'QuotaExceededError', details: { reason: 'book-full', limit: 'total' } }))
    expect(book.size).toBe(3)
    const bytes = caps[0]!.signed.bytes.byteLength
    const small = new CapabilityBook({ now: () => T0, maxBytesPerPeer: bytes + 1 })
    small.adopt('p', caps[0]!.signed, caps[0]!.cap)
    expect(() => small.adopt('p', caps[1]!.signed, caps[1]!.cap)).toThrow(expect.objectContaining({ details: { reason: 'book-full', limit: 'peer' } }))
  })

  it('drops expired capabilities, which then free their room', async () => {
    let now = T0
    const book = new CapabilityBook({ now: () => now, maxCaps: 1 })
    const short = await capOf(newKey(), { exp: T0 + DAY })
    const other = await capOf(newKey())
    book.adopt('a', short.signed, short.cap)
    expect(() => book.adopt('b', other.signed, other.cap)).toThrow(expect.objectContaining({ name: 'QuotaExceededError' }))
    now = T0 + DAY
    expect(book.list()).toEqual([])
    expect(book.adopt('b', other.signed, other.cap)).toBe('added')
    expect(book.size).toBe(1)
  })

  it('is saved and read back through its storage, verifying what it reads', async () => {
    const storage = memoryCapabilityStorage()
    const book = new CapabilityBook({ storage, now: () => T0, saveDelayMs: 0 })
    const a = await capOf(newKey())
    const b = await capOf(newKey(), { exp: T0 + 2 * DAY })
    const released = await capOf(newKey())
    book.adopt('p1', a.signed, a.cap)
    book.adopt('p2', b.signed, b.cap)
    book.adopt('p2', released.signed, released.cap)
    book.release(released.cap.key, 1)
    await book.close()
    // two days later: b has expired; the release is still remembered
    const reopened = await CapabilityBook.open({ storage, now: () => T0 + 2 * DAY })
    expect(reopened.list().map(e => e.from)).toEqual(['p1'])
    expect(reopened.get(a.cap.key)?.signed).toEqual(a.signed)
    expect(reopened.usage('p1').caps).toBe(1)
    expect(() => reopened.adopt('p3', released.signed, released.cap)).toThrow(expect.objectContaining({ name: 'StaleRecordError' }))
    // a damaged file is reported and gives an empty book
    storage.bytes = Uint8Array.of(0xa1, 0x61)
    const errors: unknown[] = []
    const damaged = await CapabilityBook.open({ storage, now: () => T0, onError: err => errors.push(err) })
    expect(damaged.size).toBe(0)
    expect((errors[0] as Error).name).toBe('MalformedDataError')
  })

  it('drops a kept capability whose signature no longer verifies when read back', async () => {
    const storage = memoryCapabilityStorage()
    const book = new CapabilityBook({ storage, now: () => T0, saveDelayMs: 0 })
    const a = await capOf(newKey())
    const b = await capOf(newKey())
    book.adopt('p1', a.signed, a.cap)
    book.adopt('p1', b.signed, b.cap)
    await book.close()
    const bytes = storage.bytes!
    // flip one bit of the stored signature (its 64 bytes follow the "sig" key)
    const at = Buffer.from(bytes).indexOf(Buffer.from(a.signed.sig)) + 10
    bytes[at]! ^= 1
    storage.bytes = bytes
    const reopened = await CapabilityBook.open({ storage, now: () => T0 })
    expect(reopened.list().map(e => e.cap.key)).toEqual([b.cap.key])
  })

  it('lives in a file replaced whole on each save', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datamesh-caps-'))
    try {
      const path = join(dir, 'repair-caps.cbor')
      const book = await CapabilityBook.open({ storage: fileCapabilityStorage(path), now: () => T0, saveDelayMs: 0 })
      const a = await capOf(newKey())
      book.adopt('p1', a.signed, a.cap)
      await book.flush()
      const first = await readFile(path)
      const b = await capOf(newKey())
      book.adopt('p1', b.signed, b.cap)
      await book.close()
      expect((await readFile(path)).byteLength).toBeGreaterThan(first.byteLength)
      expect(await readdir(dir)).toEqual(['repair-caps.cbor']) // no temporary file left behind
      const reopened = await CapabilityBook.open({ storage: fileCapabilityStorage(path), now: () => T0 })
      expect(reopened.size).toBe(2)
      await writeFile(path, Uint8Array.of(1, 2, 3))
      expect((await CapabilityBook.open({ storage: fileCapabilityStorage(path), now: () => T0 })).size).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
