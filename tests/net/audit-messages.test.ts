/**
 * The audit wire format read strictly (./src/net/audit/messages.ts) and the
 * group-index derivation (./src/net/audit/indices.ts).
 */
import { describe, it, expect } from 'vitest'
import { encodeCbor } from '../../src/core/cbor.ts'
import { groupCount } from '../../src/core/blake3-tree.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { auditIndices } from '../../src/net/audit/indices.ts'
import { AUDIT_REQUEST_MAX, auditAnswerMax } from '../../src/net/audit/constants.ts'
import { decodeAuditAnswer, decodeAuditRequest, encodeAuditAnswer, encodeAuditRequest } from '../../src/net/audit/messages.ts'
import { makeShard } from './helpers.ts'

const id = parseShardCid(makeShard(100, 1).id)
const nonce = (seed: number): Uint8Array => new Uint8Array(32).map((_, i) => (i * 7 + seed) & 0xff)
const MiB = 1024 * 1024

describe('auditIndices', () => {
  it('gives min(count, groupCount) distinct indices in increasing order, within the shard', () => {
    for (const size of [0, 1, 16384, 16385, 40_000, MiB, 16 * MiB]) {
      const g = groupCount(size)
      for (const count of [0, 1, 2, 8]) {
        for (let seed = 0; seed < 20; seed++) {
          const got = auditIndices(nonce(seed), id, size, count)
          expect(got.length).toBe(Math.min(count, g))
          expect(new Set(got).size).toBe(got.length)
          expect([...got].sort((a, b) => a - b)).toEqual(got)
          for (const i of got) expect(i >= 0 && i < g).toBe(true)
        }
      }
    }
  })

  it('depends on the nonce, the id and the size, and on nothing else', () => {
    const a = auditIndices(nonce(1), id, 16 * MiB, 8)
    expect(auditIndices(nonce(1), id, 16 * MiB, 8)).toEqual(a)
    expect(auditIndices(nonce(2), id, 16 * MiB, 8)).not.toEqual(a)
    expect(auditIndices(nonce(1), parseShardCid(makeShard(100, 2).id), 16 * MiB, 8)).not.toEqual(a)
    expect(auditIndices(nonce(1), id, 16 * MiB - 16384, 8)).not.toEqual(a)
  })

  it('spreads over the whole shard (every group of a 64-group shard is asked within 400 nonces)', () => {
    const seen = new Set<number>()
    for (let seed = 0; seed < 200; seed++) for (const i of auditIndices(nonce(seed), id, MiB, 2)) seen.add(i)
    expect(seen.size).toBe(64)
  })

  it('refuses a nonce of the wrong length and a count out of range', () => {
    expect(() => auditIndices(new Uint8Array(31), id, MiB, 2)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    expect(() => auditIndices(nonce(1), id, MiB, 9)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    expect(() => auditIndices(nonce(1), id, MiB, -1)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
  })
})

describe('audit messages', () => {
  const request = { v: 1, id: id.bytes, nonce: nonce(1), groups: 2 }

  it('round-trip a request and an answer', () => {
    const r = decodeAuditRequest(encodeAuditRequest({ id, nonce: nonce(1), groups: 2 }))
    expect(r.id.equals(id)).toBe(true)
    expect(r.groups).toBe(2)
    const answer = { size: 40_000, groups: [new Uint8Array(16384), new Uint8Array(7232)], siblings: [new Uint8Array(32)] }
    expect(decodeAuditAnswer(encodeAuditAnswer(answer), 2)).toEqual(answer)
  })

  it('refuse malformed requests: unknown or missing fields, a short nonce, too many groups, a newer version, an oversized frame', () => {
    const bad = [
      { ...request, extra: 1 },
      { v: 1, id: id.bytes, nonce: nonce(1) },
      { ...request, nonce: new Uint8Array(16) },
      { ...request, groups: 9 },
      { ...request, groups: -1 },
      { ...request, id: new Uint8Array(65) }
    ]
    for (const map of bad) expect(() => decodeAuditRequest(encodeCbor(map))).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    expect(() => decodeAuditRequest(encodeCbor({ ...request, v: 2 }))).toThrow(expect.objectContaining({ name: 'UnsupportedVersionError' }))
    expect(() => decodeAuditRequest(encodeCbor({ ...request, pad: new Uint8Array(AUDIT_REQUEST_MAX) }))).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
  })

  it('refuse malformed answers: more groups than asked, a group over 16 KiB, a sibling of the wrong length, too many siblings, over the byte cap', () => {
    const ok = { v: 1, ok: true, size: 40_000, groups: [new Uint8Array(16384), new Uint8Array(7232)], siblings: [new Uint8Array(32)] }
    const bad = [
      { ...ok, groups: [...ok.groups, new Uint8Array(1)] },
      { ...ok, groups: [new Uint8Array(16385)] },
      { ...ok, siblings: [new Uint8Array(31)] },
      { ...ok, siblings: Array.from({ length: 65 }, () => new Uint8Array(32)) },
      { ...ok, size: -1 },
      { ...ok, extra: true }
    ]
    for (const map of bad) expect(() => decodeAuditAnswer(encodeCbor(map), 2)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    // a basic test (0 groups) answered with a group
    expect(() => decodeAuditAnswer(encodeCbor({ ...ok, groups: [new Uint8Array(1)] }), 0)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    expect(auditAnswerMax(8)).toBe(8 * 16384 + 64 * 34 + 4096)
  })
})
