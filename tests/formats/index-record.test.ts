/**
 * Frozen samples: the owner-signed DHT record that points to the index
 * backup, in both versions today's code reads.
 *
 * - index-record-v2.json (written): { p, s }, p = { v: 2, o, seq, ts, exp, x },
 *   x = ECIES to the owner of { ptr, h } under the associated data
 *   "datamesh/index-pointer/sealed/v1" || 0x00 || dag-cbor { k: key, seq }.
 *   It opens to the recorded values, its target only with the owner's keys
 *   and only under its own record key and seq.
 * - index-record-v1.json (still read): { v: 1, o, seq, ts, ptr, h }, written
 *   by the last build that wrote version 1; it opens with its target in the
 *   clear and counts for 48 h after its ts.
 *
 * Expiry is checked with the pure functions' explicit `now`, so the tests
 * pass on any date. Ed25519 signatures are checked a second time by
 * node:crypto over the documented preimage layout.
 *
 * Bytes today's code must reproduce, because another build relies on them:
 * the DHT key (every build looks up an owner's record under it), the sealed
 * target's associated data (a record sealed by one build is opened by
 * another) and the signature preimage (signed by one build, checked by
 * every server). The payload, target and value encodings are reproduced
 * too (dag-cbor is canonical and every reader takes exact key sets), but no
 * build re-encodes them: the signature covers the bytes as sent. The
 * envelope carries a fresh ephemeral key, so only opening it is checked.
 */
import { describe, it, expect } from 'vitest'
import { createPublicKey, verify } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { initBlake3 } from '../../src/core/hash.ts'
import { open } from '../../src/core/keys/ecies.ts'
import { signerFromIdentity } from '../../src/core/keys/identity.ts'
import { domainSeparated, signerFromSecretKey } from '../../src/core/signature.ts'
import { meshKeysFromIdentity } from '../../src/mesh/keys.ts'
import {
  checkIndexRecordFresh, checkIndexRecordUpdate, indexRecordKey, indexTargetContext, openIndexRecord, openIndexTarget, selectIndexRecord,
  INDEX_RECORD_DOMAIN, INDEX_TARGET_DOMAIN
} from '../../src/net/index-record.ts'
import { fromHex, toHex, sampleIdentity } from '../fixtures/formats/samples.ts'
import v2 from '../fixtures/formats/index-record-v2.json'
import v1 from '../fixtures/formats/index-record-v1.json'

await initBlake3()
const alice = sampleIdentity(v2.owner)
const bob = sampleIdentity('bob')
const aliceOpen = meshKeysFromIdentity(alice).open
const key = fromHex(v2.keyHex)
const HOUR_MS = 3_600_000

/** node:crypto's Ed25519 over the documented layout: Ed25519(owner, domain || 0x00 || p) */
function nodeVerifies (owner: Uint8Array, payload: Uint8Array, signature: Uint8Array): boolean {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), owner])
  return verify(null, Buffer.concat([Buffer.from(INDEX_RECORD_DOMAIN), Buffer.of(0), payload]), createPublicKey({ key: der, format: 'der', type: 'spki' }), signature)
}

/** A version 2 value alice signs around the given payload fields (what a replay into a new record would take). */
async function aliceSigns (fields: { seq: number, ts: number, exp: number, x: Uint8Array }): Promise<Uint8Array> {
  const signer = signerFromIdentity(alice)
  const p = dagCbor.encode({ v: 2, o: signer.publicKey, ...fields })
  return dagCbor.encode({ p, s: await signer.sign(domainSeparated(INDEX_RECORD_DOMAIN, p)) })
}

const isError = (name: string, reason?: string): unknown => expect.objectContaining({ name, ...(reason !== undefined ? { details: expect.objectContaining({ reason }) } : {}) })

describe('frozen DHT index record (v2, sealed)', () => {
  it('its key is the owner\'s, as every build derives it', () => {
    expect(toHex(indexRecordKey(alice.ed25519.publicKey))).toBe(v2.keyHex)
    expect(new TextDecoder().decode(key)).toBe(v2.key)
    expect([INDEX_RECORD_DOMAIN, INDEX_TARGET_DOMAIN]).toEqual([v2.domain, v2.targetDomain])
  })

  it('opens to the recorded version, owner, seq, ts, expiry and envelope', () => {
    const record = openIndexRecord(key, fromHex(v2.valueHex))
    expect({ ...record, owner: toHex(record.owner), sealed: toHex(record.sealed ?? new Uint8Array()) }).toEqual({
      version: 2, owner: toHex(alice.ed25519.publicKey), seq: v2.seq, ts: v2.ts, expires: v2.expires, sealed: v2.envelopeHex
    })
    expect(v2.expires - v2.ts).toBe(90 * 24 * HOUR_MS)
  })

  it('its target opens with the owner\'s keys to the recorded backup shard and holders', async () => {
    const record = openIndexRecord(key, fromHex(v2.valueHex))
    const pointer = await openIndexTarget(key, record, aliceOpen)
    expect({ ptr: pointer.ptr.toString(), holders: pointer.holders, seq: pointer.seq, expires: pointer.expires })
      .toEqual({ ptr: v2.ptr, holders: v2.holders, seq: v2.seq, expires: v2.expires })
  })

  it('the envelope opens under the recorded associated data, which today\'s code and the documented layout both give', async () => {
    const built = Buffer.concat([Buffer.from('datamesh/index-pointer/sealed/v1'), Buffer.of(0), dagCbor.encode({ k: key, seq: v2.seq })])
    expect(toHex(built)).toBe(v2.associatedDataHex)
    expect(toHex(indexTargetContext(key, v2.seq))).toBe(v2.associatedDataHex)
    const target = await open(alice.x25519.secretKey, fromHex(v2.envelopeHex), { associatedData: fromHex(v2.associatedDataHex) })
    expect(toHex(target)).toBe(v2.targetHex)
    const { ptr, h } = dagCbor.decode(target) as { ptr: CID, h: string[] }
    expect({ ptr: ptr.toString(), h }).toEqual({ ptr: v2.ptr, h: v2.holders })
    expect(toHex(dagCbor.encode({ ptr: CID.parse(v2.ptr), h: v2.holders }))).toBe(v2.targetHex)
  })

  it('the signature verifies (node:crypto) over the documented preimage, and today\'s signer makes it again', async () => {
    const payload = fromHex(v2.payloadHex)
    expect(nodeVerifies(alice.ed25519.publicKey, payload, fromHex(v2.signatureHex))).toBe(true)
    expect(toHex(await signerFromIdentity(alice).sign(domainSeparated(INDEX_RECORD_DOMAIN, payload)))).toBe(v2.signatureHex)
    expect(toHex(dagCbor.encode({ p: payload, s: fromHex(v2.signatureHex) }))).toBe(v2.valueHex)
    const fields = { v: 2, o: alice.ed25519.publicKey, seq: v2.seq, ts: v2.ts, exp: v2.expires, x: fromHex(v2.envelopeHex) }
    expect(toHex(dagCbor.encode(fields))).toBe(v2.payloadHex)
  })

  it('the target does not open with another owner\'s keys', async () => {
    const record = openIndexRecord(key, fromHex(v2.valueHex))
    await expect(openIndexTarget(key, record, meshKeysFromIdentity(bob).open)).rejects.toThrow(isError('WrongKeyError', 'index-target'))
  })

  it('the envelope does not open under another record key or another seq', async () => {
    const envelope = fromHex(v2.envelopeHex)
    const record = openIndexRecord(key, fromHex(v2.valueHex))
    const bobKey = indexRecordKey(bob.ed25519.publicKey)
    // the same envelope read as another owner's record, or as a later seq of this one
    await expect(openIndexTarget(bobKey, record, aliceOpen)).rejects.toThrow(isError('WrongKeyError', 'index-target'))
    await expect(openIndexTarget(key, { ...record, seq: v2.seq + 1 }, aliceOpen)).rejects.toThrow(isError('WrongKeyError', 'index-target'))
    await expect(open(alice.x25519.secretKey, envelope, { associatedData: indexTargetContext(key, v2.seq + 1) })).rejects.toThrow(isError('WrongKeyError'))
    // copied into a new record the owner really signed, with a later seq: the record is valid, its target does not open
    const replayed = await aliceSigns({ seq: v2.seq + 1, ts: v2.ts + 1, exp: v2.expires, x: envelope })
    const copy = openIndexRecord(key, replayed)
    expect(copy.seq).toBe(v2.seq + 1)
    await expect(openIndexTarget(key, copy, aliceOpen)).rejects.toThrow(isError('WrongKeyError', 'index-target'))
  })

  it('counts until its expiry, whatever today\'s date', () => {
    const record = openIndexRecord(key, fromHex(v2.valueHex))
    checkIndexRecordFresh(record, v2.expires - 1)
    expect(() => { checkIndexRecordFresh(record, v2.expires) }).toThrow(isError('StaleRecordError', 'expired'))
    checkIndexRecordUpdate(key, fromHex(v2.valueHex), undefined, v2.ts)
    expect(() => checkIndexRecordUpdate(key, fromHex(v2.valueHex), undefined, v2.expires)).toThrow(isError('StaleRecordError', 'expired'))
  })
})

describe('frozen DHT index records (v1, the target in the clear)', () => {
  for (const sample of v1.records) {
    const ownerKey = fromHex(sample.ownerHex)
    const recordKey = fromHex(sample.keyHex)

    it(`${sample.label}: the owner and key are those of the signing key`, () => {
      const signer = sample.owner !== undefined ? signerFromIdentity(sampleIdentity(sample.owner)) : signerFromSecretKey(fromHex(sample.ed25519SecretHex ?? ''))
      expect(toHex(signer.publicKey)).toBe(sample.ownerHex)
      expect(toHex(indexRecordKey(ownerKey))).toBe(sample.keyHex)
      expect(v1.domain).toBe(INDEX_RECORD_DOMAIN)
    })

    it(`${sample.label}: opens to the recorded values, its target needing no keys`, async () => {
      const record = openIndexRecord(recordKey, fromHex(sample.valueHex))
      expect({ version: record.version, owner: toHex(record.owner), seq: record.seq, ts: record.ts, sealed: record.sealed })
        .toEqual({ version: 1, owner: sample.ownerHex, seq: sample.seq, ts: sample.ts, sealed: undefined })
      const pointer = await openIndexTarget(recordKey, record, async () => { throw new Error('a version 1 target needs no keys') })
      expect({ ptr: pointer.ptr.toString(), holders: pointer.holders }).toEqual({ ptr: sample.ptr, holders: sample.holders })
      const { p, s } = dagCbor.decode(fromHex(sample.valueHex)) as { p: Uint8Array, s: Uint8Array }
      expect([toHex(p), toHex(s)]).toEqual([sample.payloadHex, sample.signatureHex])
      expect(nodeVerifies(ownerKey, p, s)).toBe(true)
      const payload = dagCbor.decode(p) as Record<string, unknown>
      expect(Object.keys(payload).sort()).toEqual(['h', 'o', 'ptr', 'seq', 'ts', 'v'])
    })

    it(`${sample.label}: read as expiring 48 h after its ts`, () => {
      const record = openIndexRecord(recordKey, fromHex(sample.valueHex))
      expect(record.expires).toBe(sample.ts + 48 * HOUR_MS)
      checkIndexRecordFresh(record, sample.ts + 48 * HOUR_MS - 1)
      expect(() => { checkIndexRecordFresh(record, sample.ts + 48 * HOUR_MS) }).toThrow(isError('StaleRecordError', 'expired'))
      // what a DHT server and a reader do with it, at a time of its choosing
      checkIndexRecordUpdate(recordKey, fromHex(sample.valueHex), undefined, sample.ts + HOUR_MS)
      expect(() => checkIndexRecordUpdate(recordKey, fromHex(sample.valueHex), undefined, sample.ts + 48 * HOUR_MS)).toThrow(isError('StaleRecordError', 'expired'))
    })
  }

  it('alice\'s version 2 record supersedes her earlier version 1 record on servers and readers', () => {
    const old = v1.records.find(r => r.owner === v2.owner)
    expect(old?.keyHex).toBe(v2.keyHex)
    const older = fromHex(old?.valueHex ?? '')
    const newer = fromHex(v2.valueHex)
    const now = v2.ts + HOUR_MS // both still count
    expect(selectIndexRecord(key, [older, newer], now)).toBe(1)
    expect(selectIndexRecord(key, [newer, older], now)).toBe(0)
    expect(checkIndexRecordUpdate(key, newer, older, now).version).toBe(2)
    expect(() => checkIndexRecordUpdate(key, older, newer, now)).toThrow(isError('StaleRecordError', 'superseded'))
  })
})
