/**
 * Repair protocol messages (src/net/repair/messages.ts): round trip of each
 * request, and any byte string or mutated frame either decodes or is
 * refused with a typed error, never a raw decoder exception.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { shardCid } from '../../src/core/hash.ts'
import { REPAIR_OPS } from '../../src/net/repair/constants.ts'
import { decodeRepairRequest, encodeRepairRequest, repairLimits, type RepairRequest } from '../../src/net/repair/messages.ts'

const cap = { bytes: new Uint8Array(300).fill(7), sig: new Uint8Array(64).fill(1) }
const id = shardCid(Uint8Array.of(1))
const REQUESTS: RepairRequest[] = [
  { op: 'adopt', cap },
  { op: 'release', key: new Uint8Array(32).fill(2), seq: 5, sig: new Uint8Array(64).fill(3) },
  { op: 'store', cap, id, data: new Uint8Array(1000).fill(4) },
  { op: 'renew', cap, ids: [id, shardCid(Uint8Array.of(2))], until: 1_800_000_000_000 }
]
const TYPED = ['MalformedDataError', 'UnsupportedVersionError']

function outcome (op: RepairRequest['op'], frame: Uint8Array): string {
  try {
    decodeRepairRequest(op, frame, 4096)
    return 'ok'
  } catch (err) {
    return (err as Error).name
  }
}

describe('repair messages', () => {
  it('round trip every request', () => {
    for (const request of REQUESTS) expect(decodeRepairRequest(request.op, encodeRepairRequest(request), 4096)).toEqual(request)
  })

  it('refuse random bytes and mutated frames with typed errors only', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: REQUESTS.length - 1 }), fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(255), (r, junk, at, byte) => {
      const request = REQUESTS[r]!
      expect(['ok', ...TYPED]).toContain(outcome(request.op, junk))
      const frame = encodeRepairRequest(request)
      frame[at % frame.byteLength] = byte
      expect(['ok', ...TYPED]).toContain(outcome(request.op, frame))
    }), { numRuns: 500 })
  })

  it('refuse a frame over its operation\'s cap, a shard over the largest size, and an empty renew', () => {
    for (const op of REPAIR_OPS) {
      const max = repairLimits(op, 4096).request.maxBytes
      expect(outcome(op, new Uint8Array(max + 1))).toBe('MalformedDataError')
    }
    expect(outcome('store', encodeRepairRequest({ op: 'store', cap, id, data: new Uint8Array(4097) }))).toBe('MalformedDataError')
    expect(outcome('renew', encodeRepairRequest({ op: 'renew', cap, ids: [], until: 1 }))).toBe('MalformedDataError')
  })
})

describe('byte search of a payload for a peer id', () => {
  it('agrees with a naive search', async () => {
    const { contains } = await import('../../src/net/repair/context.ts')
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.nat(), (hay, needle, at) => {
      const naive = (h: Uint8Array, n: Uint8Array): boolean => {
        for (let i = 0; i + n.length <= h.length; i++) if (n.every((b, j) => h[i + j] === b)) return true
        return false
      }
      expect(contains(hay, needle)).toBe(naive(hay, needle))
      // planted somewhere, it is found
      const planted = new Uint8Array([...hay.slice(0, at % (hay.length + 1)), ...needle, ...hay.slice(at % (hay.length + 1))])
      expect(contains(planted, needle)).toBe(true)
    }), { numRuns: 500 })
  })
})
