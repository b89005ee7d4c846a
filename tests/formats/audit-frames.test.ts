/**
 * Frozen sample: the /datamesh/audit/1.0.0 frames and the group-index
 * derivation (audit-frames-v1.json, made once by generate-audit.ts). An
 * auditor of one build challenges a holder of another, so both must derive
 * the same indices from the same nonce and read each other's frames: today's
 * decoders read the recorded fields, today's encoders write the recorded
 * bytes, and the recorded answer still proves its groups. The BLAKE3 keyed
 * XOF is cross-checked against a second implementation (hash-wasm).
 */
import { describe, it, expect } from 'vitest'
import { blake3 as blake3Wasm } from 'hash-wasm'
import { blake3 } from '@noble/hashes/blake3.js'
import { initBlake3, matchesCid, parseShardCid } from '../../src/core/hash.ts'
import { domainSeparated } from '../../src/core/signature.ts'
import { AUDIT_DOMAIN, AUDIT_PROTOCOL, AUDIT_WIRE_VERSION } from '../../src/net/audit/constants.ts'
import { auditIndices } from '../../src/net/audit/indices.ts'
import { decodeAuditAnswer, decodeAuditRequest, encodeAuditAnswer, encodeAuditRequest } from '../../src/net/audit/messages.ts'
import { checkAuditAnswer } from '../../src/net/audit/verify.ts'
import { fromBase64, fromHex, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/audit-frames-v1.json'

const id = parseShardCid(sample.shard.id)
const nonce = fromHex(sample.derivation.nonceHex)

describe('frozen audit frames (v1)', () => {
  it('the protocol id, wire version and domain are the recorded ones; the shard is the one recorded', async () => {
    await initBlake3()
    expect(AUDIT_PROTOCOL).toBe(sample.protocol)
    expect(AUDIT_WIRE_VERSION).toBe(sample.wireVersion)
    expect(AUDIT_DOMAIN).toBe(sample.domain)
    const shard = fromBase64(sample.shard.dataBase64)
    expect(shard.byteLength).toBe(sample.shard.size)
    expect(matchesCid(id, shard)).toBe(true)
  })

  it('derives the recorded indices from the recorded nonce; the keyed XOF agrees with hash-wasm', async () => {
    const input = domainSeparated(AUDIT_DOMAIN, id.bytes)
    expect(toHex(input)).toBe(sample.derivation.inputHex)
    expect(toHex(blake3(input, { key: nonce, dkLen: 64 }))).toBe(sample.derivation.xofPrefixHex)
    expect(await blake3Wasm(input, 512, nonce)).toBe(sample.derivation.xofPrefixHex)
    expect(auditIndices(nonce, id, sample.shard.size, sample.derivation.groups)).toEqual(sample.derivation.indices)
  })

  it('the challenge: decoded to the recorded fields and encoded to the same bytes; the answer proves its groups', () => {
    const request = decodeAuditRequest(fromHex(sample.challenge.requestHex))
    expect({ id: request.id.toString(), nonce: toHex(request.nonce), groups: request.groups })
      .toEqual({ id: sample.shard.id, nonce: sample.derivation.nonceHex, groups: sample.derivation.groups })
    expect(toHex(encodeAuditRequest(request))).toBe(sample.challenge.requestHex)
    const answer = decodeAuditAnswer(fromHex(sample.challenge.answerHex), request.groups)
    expect(answer.siblings.map(s => toHex(s))).toEqual(sample.challenge.siblingsHex)
    expect(toHex(encodeAuditAnswer(answer))).toBe(sample.challenge.answerHex)
    expect(checkAuditAnswer(id, sample.shard.size, sample.derivation.indices, answer)).toBeUndefined()
    expect(checkAuditAnswer(id, sample.shard.size, [0, 1], answer)).toBe('bad-proof')
  })

  it('the basic test (groups 0): the size only', () => {
    const request = decodeAuditRequest(fromHex(sample.basic.requestHex))
    expect(request.groups).toBe(0)
    expect(toHex(encodeAuditRequest(request))).toBe(sample.basic.requestHex)
    const answer = decodeAuditAnswer(fromHex(sample.basic.answerHex), 0)
    expect(answer).toEqual({ size: sample.shard.size, groups: [], siblings: [] })
    expect(checkAuditAnswer(id, sample.shard.size, [], answer)).toBeUndefined()
  })

  it("the holder's failures: NotFoundError, and CorruptShardError with reason 'lost'", () => {
    expect(() => decodeAuditAnswer(fromHex(sample.failures.notFoundHex), 2)).toThrow(expect.objectContaining({ name: 'NotFoundError' }))
    expect(() => decodeAuditAnswer(fromHex(sample.failures.lostHex), 2)).toThrow(expect.objectContaining({ name: 'CorruptShardError', details: expect.objectContaining({ reason: 'lost' }) }))
  })
})
