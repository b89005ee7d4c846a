/**
 * Index pointer records: frozen bytes of both versions (still opened,
 * decoding to the recorded values; version 2 still signed byte for byte),
 * signatures checked by node:crypto as a second Ed25519, the total order
 * servers and readers share, expiry, and a server's update rule.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { createPublicKey, verify } from 'node:crypto'
import { signerFromSecretKey } from '../../src/core/signature.ts'
import { decodeCborMap } from '../../src/core/cbor.ts'
import { initBlake3, shardCid } from '../../src/core/hash.ts'
import { generateIdentity, signerFromIdentity } from '../../src/core/keys/index.ts'
import {
  INDEX_RECORD_DOMAIN, INDEX_RECORD_LIFETIME_MS, INDEX_RECORD_MAX_LIFETIME_MS, INDEX_RECORD_V1_LIFETIME_MS, checkIndexRecordFresh, checkIndexRecordUpdate,
  compareIndexRecords, indexRecordKey, openIndexRecord, selectIndexRecord, signIndexRecord, validateIndexRecord
} from '../../src/net/index-record.ts'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
/** secret key 0x01 0x02 ... 0x20 */
const secret = new Uint8Array(32).map((_, i) => i + 1)
const PUBLIC = '79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664'
const PTR = 'bafkr4if2scfppw4sa24dqyw6mqoh3qesp4ukjtshfxicej6pjwmwvymboi'
const HOLDER = '12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'
/** version 2: seq = ts = 1764000000000, exp = ts + 90 days, one holder hint */
const V2 = 'a2617058b4a76168817834313244334b6f6f5747525556683259426357576b5534715133446d335569316d5a58764179596b4e634744784258347547447470616f582079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496646176026274731b0000019ab697e800636578701b0000019c8614400063707472d82a58250001551e20ba908af7db9206b83862de641c7dc0927f28a4ce472dd02227cf4d996ae18172637365711b0000019ab697e800617358406344871abc0d2441ddc8132570e6aec6c86289b8ffdb0a20a075631e866e75a9a23e795117dbd87e248a237783e5d3574e854618142994b317864850610f1901'
/** version 1, as earlier builds signed it: seq = ts = 1763000000000, no hints */
const V1 = 'a261705871a6616880616f582079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496646176016274731b0000019a7afd1e0063707472d82a58250001551e20ba908af7db9206b83862de641c7dc0927f28a4ce472dd02227cf4d996ae18172637365711b0000019a7afd1e006173584073639d1a78b09f0049985a98e2b798de49e2f0bedbf1e87e08141b4998011bffcdd09bc324706c009afb692544cd2e220cea7f07e432369230d1862b3b8d8a0c'
const DAY = 86_400_000
const key = indexRecordKey(hex(PUBLIC))

beforeAll(async () => { await initBlake3() })

/** node:crypto's Ed25519 over the documented layout: Ed25519(owner, domain || 0x00 || p) */
function nodeVerifies (value: Uint8Array): boolean {
  const { p, s } = decodeCborMap(value, 4096, 'record') as { p: Uint8Array, s: Uint8Array }
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(PUBLIC, 'hex')])
  return verify(null, Buffer.concat([Buffer.from(INDEX_RECORD_DOMAIN), Buffer.of(0), p]), createPublicKey({ key: der, format: 'der', type: 'spki' }), s)
}

describe('frozen index records', () => {
  it('version 2 is still signed to the same bytes and opens to the recorded values', async () => {
    const signer = signerFromSecretKey(secret)
    expect(Buffer.from(signer.publicKey).toString('hex')).toBe(PUBLIC)
    const ptr = shardCid(new TextEncoder().encode('datamesh index backup'))
    expect(ptr.toString()).toBe(PTR)
    const made = await signIndexRecord({ seq: 1764000000000, ts: 1764000000000, expires: 1764000000000 + 90 * DAY, ptr, holders: [HOLDER] }, signer)
    expect(Buffer.from(made).toString('hex')).toBe(V2)
    const opened = openIndexRecord(key, hex(V2))
    expect({ ...opened, ptr: opened.ptr.toString(), owner: Buffer.from(opened.owner).toString('hex') })
      .toEqual({ owner: PUBLIC, seq: 1764000000000, ts: 1764000000000, expires: 1764000000000 + 90 * DAY, ptr: PTR, holders: [HOLDER] })
    expect(nodeVerifies(hex(V2))).toBe(true)
  })

  it('version 1 still opens, expiring 48 h after its ts', () => {
    const opened = openIndexRecord(key, hex(V1))
    expect({ seq: opened.seq, ts: opened.ts, expires: opened.expires, ptr: opened.ptr.toString(), holders: opened.holders })
      .toEqual({ seq: 1763000000000, ts: 1763000000000, expires: 1763000000000 + 48 * 60 * 60 * 1000, ptr: PTR, holders: [] })
    expect(INDEX_RECORD_V1_LIFETIME_MS).toBe(48 * 60 * 60 * 1000)
    expect(nodeVerifies(hex(V1))).toBe(true)
    expect(() => { checkIndexRecordFresh(opened, 1763000000000 + INDEX_RECORD_V1_LIFETIME_MS) }).toThrow(expect.objectContaining({ name: 'StaleRecordError', details: expect.objectContaining({ reason: 'expired' }) }))
    checkIndexRecordFresh(opened, 1763000000000 + INDEX_RECORD_V1_LIFETIME_MS - 1)
  })
})

describe('index record rules', () => {
  const owner = generateIdentity()
  const ownerKey = indexRecordKey(owner.ed25519.publicKey)
  const ptr = shardCid(new Uint8Array([7]))
  const make = async (seq: number, ts = Date.now(), expires?: number, holders: string[] = []): Promise<Uint8Array> =>
    await signIndexRecord({ seq, ts, ...(expires !== undefined ? { expires } : {}), ptr, holders }, signerFromIdentity(owner))

  it('defaults the lifetime and refuses lifetimes of zero or beyond the maximum', async () => {
    const now = Date.now()
    expect(openIndexRecord(ownerKey, await make(1, now)).expires).toBe(now + INDEX_RECORD_LIFETIME_MS)
    await expect(make(1, now, now)).rejects.toMatchObject({ name: 'MalformedDataError' })
    await expect(make(1, now, now + INDEX_RECORD_MAX_LIFETIME_MS + 1)).rejects.toMatchObject({ name: 'MalformedDataError' })
  })

  it('orders by seq, then ts, then bytes, and selects the greatest valid unexpired record', async () => {
    const now = Date.now()
    const a = await make(5, now)
    const b = await make(5, now + 1)
    const c = await make(6, now - 10)
    const open = (v: Uint8Array): { pointer: ReturnType<typeof openIndexRecord>, value: Uint8Array } => ({ pointer: openIndexRecord(ownerKey, v), value: v })
    expect(compareIndexRecords(open(a), open(b))).toBeLessThan(0)
    expect(compareIndexRecords(open(c), open(b))).toBeGreaterThan(0)
    expect(compareIndexRecords(open(a), open(a))).toBe(0)
    // the later ts wins even where the bytes say otherwise (hint "a" sorts before "b")
    const early = await make(7, now, undefined, ['b'])
    const late = await make(7, now + 1, undefined, ['a'])
    expect(Buffer.compare(late, early)).toBeLessThan(0)
    expect(compareIndexRecords(open(late), open(early))).toBeGreaterThan(0)
    const expired = await make(99, now - 2 * DAY, now - DAY)
    const forged = await signIndexRecord({ seq: 100, ts: now, ptr, holders: [] }, signerFromIdentity(generateIdentity()))
    expect(selectIndexRecord(ownerKey, [a, expired, c, forged, b])).toBe(2)
    await expect(validateIndexRecord(ownerKey, expired)).rejects.toMatchObject({ name: 'StaleRecordError' })
    await expect(validateIndexRecord(ownerKey, forged)).rejects.toMatchObject({ name: 'MalformedDataError' })
  })

  it('lets a server take a newer or equal record, never an older or expired one', async () => {
    const now = Date.now()
    const older = await make(1, now)
    const newer = await make(2, now)
    expect(checkIndexRecordUpdate(ownerKey, newer, undefined, now).seq).toBe(2)
    expect(checkIndexRecordUpdate(ownerKey, newer, older, now).seq).toBe(2)
    expect(checkIndexRecordUpdate(ownerKey, newer, newer, now).seq).toBe(2)
    expect(() => checkIndexRecordUpdate(ownerKey, older, newer, now)).toThrow(expect.objectContaining({ name: 'StaleRecordError', details: expect.objectContaining({ reason: 'superseded', held: 2 }) }))
    // what is held no longer counts once expired: an older record may replace it
    const expiring = await make(3, now, now + 1000)
    expect(checkIndexRecordUpdate(ownerKey, older, expiring, now + 1000).seq).toBe(1)
    expect(() => checkIndexRecordUpdate(ownerKey, expiring, undefined, now + 1000)).toThrow(expect.objectContaining({ name: 'StaleRecordError' }))
  })
})
