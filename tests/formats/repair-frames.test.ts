/**
 * Frozen sample: the repair protocol's request frames and the renew answer
 * (repair-frames-v1.json), made by an earlier build. Today's decoder must
 * read each exactly as recorded, and today's encoder write the same bytes.
 */
import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { DEFAULT_MAX_SHARD_SIZE } from '../../src/net/protocol/constants.ts'
import { REPAIR_PROTOCOLS } from '../../src/net/repair/constants.ts'
import { decodeRenewResponse, decodeRepairRequest, encodeRepairRequest, type RepairRequest } from '../../src/net/repair/messages.ts'
import { fromHex, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/repair-frames-v1.json'
import caps from '../fixtures/formats/repair-v1.json'

const cap = { bytes: fromHex(caps.capability.payloadHex), sig: fromHex(caps.capability.signatureHex) }

describe('frozen repair protocol frames (v1)', () => {
  const read = (op: keyof typeof REPAIR_PROTOCOLS, frameHex: string): RepairRequest => {
    const request = decodeRepairRequest(op, fromHex(frameHex), DEFAULT_MAX_SHARD_SIZE)
    expect(toHex(encodeRepairRequest(request))).toBe(frameHex)
    return request
  }

  it('keeps the protocol ids', () => {
    for (const op of ['adopt', 'release', 'store', 'renew'] as const) expect(REPAIR_PROTOCOLS[op]).toBe(sample[op].protocol)
  })

  it('adopt and release', () => {
    expect(read('adopt', sample.adopt.frameHex)).toEqual({ op: 'adopt', cap })
    expect(read('release', sample.release.frameHex)).toEqual({
      op: 'release', key: fromHex(caps.capability.publicKeyHex), seq: caps.release.seq, sig: fromHex(caps.release.signatureHex)
    })
  })

  it('store and renew, and the renew answer', () => {
    const store = read('store', sample.store.frameHex)
    expect(store.op === 'store' && store.id.toString()).toBe(sample.store.id)
    expect(store.op === 'store' && store.cap).toEqual(cap)
    expect(read('renew', sample.renew.frameHex)).toEqual({ op: 'renew', cap, ids: sample.renew.ids.map(id => CID.parse(id)), until: sample.renew.until })
    expect(decodeRenewResponse(fromHex(sample.renew.answerHex), 2)).toEqual([true, false])
  })
})
