/**
 * Index pointer records: frozen bytes of both versions (still opened,
 * decoding to the recorded values; the sealed target of version 2 opened
 * with the documented associated data built here by hand), signatures
 * checked by node:crypto as a second Ed25519, the backup shard id and the
 * holders absent from the record in every form, a sealed target moved from
 * another record or owner refused, the total order servers and readers
 * share, expiry, and a server's update rule.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { createPublicKey, verify } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { base36 } from 'multiformats/bases/base36'
import { peerIdFromString } from '@libp2p/peer-id'
import { signerFromSecretKey, domainSeparated } from '../../src/core/signature.ts'
import { decodeCborMap, encodeCbor } from '../../src/core/cbor.ts'
import { initBlake3, shardCid } from '../../src/core/hash.ts'
import { open } from '../../src/core/keys/ecies.ts'
import { generateIdentity, signerFromIdentity, type Identity } from '../../src/core/keys/index.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import {
  INDEX_RECORD_DOMAIN, INDEX_RECORD_LIFETIME_MS, INDEX_RECORD_MAX_LIFETIME_MS, INDEX_RECORD_V1_LIFETIME_MS, checkIndexRecordFresh, checkIndexRecordUpdate,
  compareIndexRecords, indexRecordKey, openIndexRecord, openIndexTarget, selectIndexRecord, signIndexRecord, validateIndexRecord, type IndexRecord
} from '../../src/net/index-record.ts'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** Ed25519 secret key 0x01 0x02 ... 0x20; X25519 secret key 0x21 ... 0x40 */
const secret = new Uint8Array(32).map((_, i) => i + 1)
const xSecret = new Uint8Array(32).map((_, i) => i + 33)
const PUBLIC = '79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664'
const X_PUBLIC = '5869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b'
const PTR = 'bafkr4if2scfppw4sa24dqyw6mqoh3qesp4ukjtshfxicej6pjwmwvymboi'
const HOLDER = '12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'
/** version 2: seq = ts = 1764000000000, exp = ts + 90 days, one holder hint, sealed to X_PUBLIC (the envelope's ephemeral key makes it one of many valid encodings) */
const V2 = 'a2617058eba6616f582079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496646176026178589901018fe688a793f5bff3bf81c5f7cc4ab89ec1977e5d74a6487b2a730b00b8b3484fbe59524900a812eef015a215043e1d1f45a30ccafaef0a20bb59787d16adb36f1dd3aa8ada9bb995911088590779567f66abfe3727b66cdb15b2a07fefdacccf1264c7d28ef1f63ae43d37676e366ebdf800131264b35063332d1d63d7e4fbe00ce78b218f13d8650d3a2ce54562264918aad5459942ff6274731b0000019ab697e800636578701b0000019c86144000637365711b0000019ab697e800617358405c1f28d9520122c939a84af4473bba0d5279d58d1097b6b985ecce1cad711faae724076bb7ae9ccc18622dd07a70476e7b6c0103cbd38b5a864f988c0f030f08'
/** version 1, as earlier builds signed it: seq = ts = 1763000000000, no hints, target in the clear */
const V1 = 'a261705871a6616880616f582079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496646176016274731b0000019a7afd1e0063707472d82a58250001551e20ba908af7db9206b83862de641c7dc0927f28a4ce472dd02227cf4d996ae18172637365711b0000019a7afd1e006173584073639d1a78b09f0049985a98e2b798de49e2f0bedbf1e87e08141b4998011bffcdd09bc324706c009afb692544cd2e220cea7f07e432369230d1862b3b8d8a0c'
const DAY = 86_400_000
const key = indexRecordKey(hex(PUBLIC))
const sampleOpen = async (envelope: Uint8Array, options?: { associatedData?: Uint8Array }): Promise<Uint8Array> => await open(xSecret, envelope, options)

beforeAll(async () => { await initBlake3() })

/** node:crypto's Ed25519 over the documented layout: Ed25519(owner, domain || 0x00 || p) */
function nodeVerifies (value: Uint8Array): boolean {
  const { p, s } = decodeCborMap(value, 4096, 'record') as { p: Uint8Array, s: Uint8Array }
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(PUBLIC, 'hex')])
  return verify(null, Buffer.concat([Buffer.from(INDEX_RECORD_DOMAIN), Buffer.of(0), p]), createPublicKey({ key: der, format: 'der', type: 'spki' }), s)
}

/** The payload map of a record value. */
function payloadOf (value: Uint8Array): Record<string, unknown> {
  const { p } = decodeCborMap(value, 4096, 'record') as { p: Uint8Array }
  return decodeCborMap(p, 4096, 'payload')
}

/** A version 2 record signed by `signer` carrying the given sealed target as is (what only a bug or a forger would make). */
async function signWithEnvelope (identity: Identity, fields: { seq: number, ts: number, exp: number }, x: Uint8Array): Promise<Uint8Array> {
  const signer = signerFromIdentity(identity)
  const p = encodeCbor({ v: 2, o: signer.publicKey, seq: fields.seq, ts: fields.ts, exp: fields.exp, x })
  return encodeCbor({ p, s: await signer.sign(domainSeparated(INDEX_RECORD_DOMAIN, p)) })
}

describe('frozen index records', () => {
  it('version 2 opens to the recorded values, its target under the documented associated data', async () => {
    const signer = signerFromSecretKey(secret)
    expect(toHex(signer.publicKey)).toBe(PUBLIC)
    expect(shardCid(new TextEncoder().encode('datamesh index backup')).toString()).toBe(PTR)
    const record = openIndexRecord(key, hex(V2))
    expect({ ...record, owner: toHex(record.owner), sealed: undefined })
      .toEqual({ version: 2, owner: PUBLIC, seq: 1764000000000, ts: 1764000000000, expires: 1764000000000 + 90 * DAY, sealed: undefined })
    expect(nodeVerifies(hex(V2))).toBe(true)
    const pointer = await openIndexTarget(key, record, sampleOpen)
    expect({ ptr: pointer.ptr.toString(), holders: pointer.holders, seq: pointer.seq }).toEqual({ ptr: PTR, holders: [HOLDER], seq: 1764000000000 })
    // the layout, built by hand: AAD = "datamesh/index-pointer/sealed/v1" || 0x00 || dag-cbor { k: key, seq }
    const aad = Buffer.concat([Buffer.from('datamesh/index-pointer/sealed/v1'), Buffer.of(0), encodeCbor({ k: key, seq: 1764000000000 })])
    const target = decodeCborMap(await open(xSecret, record.sealed!, { associatedData: aad }), 4096, 'target')
    expect({ ptr: String(target.ptr), h: target.h }).toEqual({ ptr: PTR, h: [HOLDER] })
    // and today's writer makes a record of the same shape that opens the same way
    const made = await signIndexRecord({ seq: 1764000000000, ts: 1764000000000, expires: 1764000000000 + 90 * DAY, ptr: pointer.ptr, holders: [HOLDER] }, signer, hex(X_PUBLIC))
    expect(Object.keys(payloadOf(made)).sort()).toEqual(Object.keys(payloadOf(hex(V2))).sort())
    expect((await openIndexTarget(key, openIndexRecord(key, made), sampleOpen)).ptr.toString()).toBe(PTR)
  })

  it('version 1 still opens, its target in the clear, expiring 48 h after its ts', async () => {
    const record = openIndexRecord(key, hex(V1))
    expect({ version: record.version, seq: record.seq, ts: record.ts, expires: record.expires })
      .toEqual({ version: 1, seq: 1763000000000, ts: 1763000000000, expires: 1763000000000 + 48 * 60 * 60 * 1000 })
    const pointer = await openIndexTarget(key, record, async () => { throw new Error('a version 1 target needs no keys') })
    expect({ ptr: pointer.ptr.toString(), holders: pointer.holders }).toEqual({ ptr: PTR, holders: [] })
    expect(INDEX_RECORD_V1_LIFETIME_MS).toBe(48 * 60 * 60 * 1000)
    expect(nodeVerifies(hex(V1))).toBe(true)
    expect(() => { checkIndexRecordFresh(record, 1763000000000 + INDEX_RECORD_V1_LIFETIME_MS) }).toThrow(expect.objectContaining({ name: 'StaleRecordError', details: expect.objectContaining({ reason: 'expired' }) }))
    checkIndexRecordFresh(record, 1763000000000 + INDEX_RECORD_V1_LIFETIME_MS - 1)
  })
})

describe('the sealed target', () => {
  const owner = generateIdentity()
  const ownerKey = indexRecordKey(owner.ed25519.publicKey)
  const keys = meshKeysFromIdentity(owner)
  const sign = async (seq: number, ptrBytes: Uint8Array, holders: string[], who = owner): Promise<Uint8Array> =>
    await signIndexRecord({ seq, ts: Date.now(), ptr: shardCid(ptrBytes), holders }, signerFromIdentity(who), who.x25519.publicKey)

  it('the record holds neither the backup shard id nor any holder id, in any form', async () => {
    const ptr = shardCid(new TextEncoder().encode('a backup'))
    const holders = ['12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp', '12D3KooWBZg1yiETJt4jWMQ5DnnncrUQMr95vcCmyk1yDNF1D57b', '12D3KooWQoQNMVsmh1yKDtSR6gbysXbK8erD4jZqQRpXy7byCbc7']
    const value = await signIndexRecord({ seq: 5, ts: Date.now(), ptr, holders }, signerFromIdentity(owner), owner.x25519.publicKey)
    const forms: Array<[string, Uint8Array]> = [
      ['CID bytes', ptr.bytes], ['multihash', ptr.multihash.bytes], ['digest', ptr.multihash.digest],
      ...[ptr.toString(), ptr.toString(base58btc), ptr.toString(base36), ptr.toV1().toString().toUpperCase()].map((s): [string, Uint8Array] => [`CID text ${s}`, new TextEncoder().encode(s)])
    ]
    for (const h of holders) {
      const id = peerIdFromString(h)
      forms.push([`peer id ${h}`, new TextEncoder().encode(h)], [`peer id bytes ${h}`, id.toMultihash().bytes], [`peer key ${h}`, id.publicKey!.raw])
    }
    const haystack = Buffer.from(value)
    for (const [what, needle] of forms) {
      // any 8-byte window of the needle would do to find it: look for every one
      for (let i = 0; i + 8 <= needle.byteLength; i++) expect(haystack.includes(Buffer.from(needle.subarray(i, i + 8))), what).toBe(false)
    }
    expect(Object.keys(payloadOf(value)).sort()).toEqual(['exp', 'o', 'seq', 'ts', 'v', 'x'])
    // and the owner reads them back
    const pointer = await openIndexTarget(ownerKey, openIndexRecord(ownerKey, value), keys.open)
    expect({ ptr: pointer.ptr.toString(), holders: pointer.holders }).toEqual({ ptr: ptr.toString(), holders })
  })

  it('a target moved into another record of the owner (another seq) does not open: WrongKeyError', async () => {
    const original = await sign(7, new Uint8Array([1]), ['a'])
    const { x } = payloadOf(original) as { x: Uint8Array }
    const now = Date.now()
    const moved = await signWithEnvelope(owner, { seq: 8, ts: now, exp: now + DAY }, x)
    const record = openIndexRecord(ownerKey, moved) // servers take it: signed, owned, fresh
    await validateIndexRecord(ownerKey, moved)
    await expect(openIndexTarget(ownerKey, record, keys.open)).rejects.toMatchObject({ name: 'WrongKeyError', details: { reason: 'index-target', seq: 8 } })
    // the same envelope at its own seq opens
    expect((await openIndexTarget(ownerKey, openIndexRecord(ownerKey, original), keys.open)).holders).toEqual(['a'])
  })

  it('a target moved into another owner\'s record does not open, with either owner\'s keys: WrongKeyError', async () => {
    const victim = generateIdentity()
    const other = generateIdentity()
    const { x } = payloadOf(await sign(9, new Uint8Array([2]), ['b'], victim)) as { x: Uint8Array }
    const now = Date.now()
    const moved = await signWithEnvelope(other, { seq: 9, ts: now, exp: now + DAY }, x)
    const otherKey = indexRecordKey(other.ed25519.publicKey)
    const record = openIndexRecord(otherKey, moved)
    await expect(openIndexTarget(otherKey, record, meshKeysFromIdentity(victim).open)).rejects.toMatchObject({ name: 'WrongKeyError', details: { reason: 'index-target' } })
    await expect(openIndexTarget(otherKey, record, meshKeysFromIdentity(other).open)).rejects.toMatchObject({ name: 'WrongKeyError', details: { reason: 'index-target' } })
  })

  it('a version 2 payload with a target in the clear, or without one, is malformed', async () => {
    const signer = signerFromIdentity(owner)
    const now = Date.now()
    const plain = encodeCbor({ v: 2, o: signer.publicKey, seq: 1, ts: now, exp: now + DAY, ptr: shardCid(new Uint8Array([3])), h: [] })
    const signedPlain = encodeCbor({ p: plain, s: await signer.sign(domainSeparated(INDEX_RECORD_DOMAIN, plain)) })
    expect(() => openIndexRecord(ownerKey, signedPlain)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    const none = encodeCbor({ v: 2, o: signer.publicKey, seq: 1, ts: now, exp: now + DAY })
    const signedNone = encodeCbor({ p: none, s: await signer.sign(domainSeparated(INDEX_RECORD_DOMAIN, none)) })
    expect(() => openIndexRecord(ownerKey, signedNone)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
  })
})

describe('index record rules', () => {
  const owner = generateIdentity()
  const ownerKey = indexRecordKey(owner.ed25519.publicKey)
  const ptr = shardCid(new Uint8Array([7]))
  const make = async (seq: number, ts = Date.now(), expires?: number, holders: string[] = []): Promise<Uint8Array> =>
    await signIndexRecord({ seq, ts, ...(expires !== undefined ? { expires } : {}), ptr, holders }, signerFromIdentity(owner), owner.x25519.publicKey)

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
    const opened = (v: Uint8Array): { record: IndexRecord, value: Uint8Array } => ({ record: openIndexRecord(ownerKey, v), value: v })
    expect(compareIndexRecords(opened(a), opened(b))).toBeLessThan(0)
    expect(compareIndexRecords(opened(c), opened(b))).toBeGreaterThan(0)
    expect(compareIndexRecords(opened(a), opened(a))).toBe(0)
    // the later ts wins even where the bytes say otherwise (the sealed target, random, comes first in them)
    const early = await make(7, now)
    let late = await make(7, now + 1)
    while (Buffer.compare(late, early) >= 0) late = await make(7, now + 1)
    expect(compareIndexRecords(opened(late), opened(early))).toBeGreaterThan(0)
    const expired = await make(99, now - 2 * DAY, now - DAY)
    const forged = await signIndexRecord({ seq: 100, ts: now, ptr, holders: [] }, signerFromIdentity(generateIdentity()), owner.x25519.publicKey)
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
