/**
 * Frozen sample: the frames of the request/response protocols
 * (protocol-frames-v1.json) made by an earlier build: one request and one
 * answer of each shard operation (/datamesh/shard/{store,store-many,fetch,
 * has,delete}/1.0.0), the info protocol, and the bandwidth 2.0.0 header and
 * answer. A peer of one build talks to a peer of another, so today's
 * decoders read the recorded fields and today's encoders write the
 * recorded bytes (deterministic dag-cbor). The signed requests carry the
 * per-holder owner key of holder-key-v1.json and pass the holder's checks.
 */
import { describe, it, expect } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { verifySignature } from '../../src/core/signature.ts'
import { BANDWIDTH_PROTOCOL, decodeBandwidthAnswer, encodeBandwidthHeader, parseBandwidthHeader } from '../../src/net/bandwidth/index.ts'
import { DEFAULT_MAX_CLOCK_SKEW, DEFAULT_MAX_SHARD_SIZE, INFO_PROTOCOL, SHARD_PROTOCOLS, WIRE_VERSION } from '../../src/net/protocol/constants.ts'
import { encodeOk, wireError } from '../../src/net/protocol/envelope.ts'
import { writeFrame } from '../../src/net/protocol/frame.ts'
import { decodeInfoRequest, decodeInfoResponse, encodeInfoRequest, encodeInfoResponse, type NodeInfo } from '../../src/net/protocol/info-messages.ts'
import {
  decodeEmptyResponse, decodeFetchResponse, decodeHasResponse, decodeShardRequest, decodeStoreManyResponse, deletePreimage, encodeShardRequest,
  storePreimage, type DeleteRequest, type FetchRequest, type HasRequest, type StoreManyRequest, type StoreRequest
} from '../../src/net/protocol/shard-messages.ts'
import { checkGrant, VerifiedGrants } from '../../src/net/shard/grants.ts'
import { fromHex, toBase64, toHex } from '../fixtures/formats/samples.ts'
import sample from '../fixtures/formats/protocol-frames-v1.json'
import keys from '../fixtures/formats/holder-key-v1.json'
import manifests from '../fixtures/formats/manifest-v1.json'

const { shard } = sample
const holder = peerIdFromString(sample.holder).toMultihash().bytes
const shards = manifests.files[0]?.shardsBase64 as unknown as Record<string, string>
const decode = <T>(op: keyof typeof SHARD_PROTOCOLS, hex: string): T => decodeShardRequest(op, fromHex(hex), DEFAULT_MAX_SHARD_SIZE) as T
const fromJson = (n: number | string): number => n === 'Infinity' ? Number.POSITIVE_INFINITY : n as number

describe('frozen protocol frames (v1)', () => {
  it('protocol ids and the wire version are the recorded ones', () => {
    expect(WIRE_VERSION).toBe(sample.wireVersion)
    expect(DEFAULT_MAX_SHARD_SIZE).toBe(sample.maxShardSize)
    for (const [op, frames] of Object.entries(shard)) expect(SHARD_PROTOCOLS[op as keyof typeof SHARD_PROTOCOLS]).toBe(frames.protocol)
    // renew came later: its frames are in shard-leases-v2.json
    expect(Object.keys(SHARD_PROTOCOLS).filter(op => op !== 'renew').sort()).toEqual(Object.keys(shard).sort())
    expect(INFO_PROTOCOL).toBe(sample.info.protocol)
    expect(BANDWIDTH_PROTOCOL).toBe(sample.bandwidth.protocol)
  })

  it('store: decoded to the recorded fields, signed with the holder key, encoded to the same bytes', () => {
    const r = decode<StoreRequest>('store', shard.store.requestHex)
    const want = shard.store.request
    expect({ op: r.op, id: r.id.toString(), data: toBase64(r.data), owner: toHex(r.owner), ts: r.ts, sig: toHex(r.sig) })
      .toEqual({ op: 'store', id: want.id, data: want.dataBase64, owner: want.ownerHex, ts: want.ts, sig: want.sigHex })
    expect(toBase64(r.data)).toBe(shards[want.id])
    expect(want.ownerHex).toBe(keys.signed.publicKeyHex)
    expect(verifySignature(r.owner, storePreimage(r.id, r.owner, holder, r.ts), r.sig)).toBe(true)
    expect(toHex(encodeShardRequest(r))).toBe(shard.store.requestHex)
    expect(decodeEmptyResponse('store', fromHex(shard.store.answerHex))).toBeUndefined()
    expect(toHex(encodeOk())).toBe(shard.store.answerHex)
  })

  it('store-many: decoded to the recorded fields under a grant the holder accepts, the answer to one success and one typed error', () => {
    const r = decode<StoreManyRequest>('store-many', shard['store-many'].requestHex)
    const want = shard['store-many'].request
    expect({ shards: r.shards.map(s => ({ id: s.id.toString(), dataBase64: toBase64(s.data) })), ownerHex: toHex(r.owner), exp: r.exp, sigHex: toHex(r.sig) }).toEqual(want)
    for (const s of want.shards) expect(s.dataBase64).toBe(shards[s.id])
    const verified = new VerifiedGrants()
    checkGrant({ grant: r, holder, delegate: peerIdFromString(sample.delegate), now: r.exp - 60_000, maxClockSkew: DEFAULT_MAX_CLOCK_SKEW, verified })
    expect(verified.size).toBe(1)
    expect(toHex(encodeShardRequest(r))).toBe(shard['store-many'].requestHex)

    const answer = decodeStoreManyResponse(fromHex(shard['store-many'].answerHex), r.shards.length)
    const [ok, taken] = shard['store-many'].answer.errors
    expect(ok).toBeNull()
    expect(answer[0]).toBeUndefined()
    expect({ name: answer[1]?.name, message: answer[1]?.message, details: answer[1]?.details }).toEqual(taken)
    expect(toHex(encodeOk({ errors: answer.map(e => e === undefined ? null : wireError(e)) }))).toBe(shard['store-many'].answerHex)
  })

  it('fetch: the request and the answer\'s shard bytes', () => {
    const r = decode<FetchRequest>('fetch', shard.fetch.requestHex)
    expect({ op: r.op, id: r.id.toString() }).toEqual({ op: 'fetch', ...shard.fetch.request })
    expect(toHex(encodeShardRequest(r))).toBe(shard.fetch.requestHex)
    const data = decodeFetchResponse(fromHex(shard.fetch.answerHex), DEFAULT_MAX_SHARD_SIZE)
    expect(toBase64(data)).toBe(shard.fetch.answer.dataBase64)
    expect(toBase64(data)).toBe(shards[r.id.toString()])
    expect(toHex(encodeOk({ data }))).toBe(shard.fetch.answerHex)
  })

  it('has: the ids asked and the booleans answered, in order', () => {
    const r = decode<HasRequest>('has', shard.has.requestHex)
    expect(r.ids.map(String)).toEqual(shard.has.request.ids)
    expect(toHex(encodeShardRequest(r))).toBe(shard.has.requestHex)
    const have = decodeHasResponse(fromHex(shard.has.answerHex), r.ids.length)
    expect(have).toEqual(shard.has.answer.have)
    expect(toHex(encodeOk({ have }))).toBe(shard.has.answerHex)
  })

  it('delete: decoded to the recorded fields, signed with the holder key, encoded to the same bytes', () => {
    const r = decode<DeleteRequest>('delete', shard.delete.requestHex)
    expect({ id: r.id.toString(), ownerHex: toHex(r.owner), ts: r.ts, sigHex: toHex(r.sig) }).toEqual(shard.delete.request)
    expect(verifySignature(r.owner, deletePreimage(r.id, holder, r.ts), r.sig)).toBe(true)
    expect(toHex(encodeShardRequest(r))).toBe(shard.delete.requestHex)
    expect(decodeEmptyResponse('delete', fromHex(shard.delete.answerHex))).toBeUndefined()
    expect(toHex(encodeOk())).toBe(shard.delete.answerHex)
  })

  it('info: the request, and each answer decoded to the recorded description and encoded to the same bytes', () => {
    expect(() => { decodeInfoRequest(fromHex(sample.info.requestHex)) }).not.toThrow()
    expect(toHex(encodeInfoRequest())).toBe(sample.info.requestHex)
    for (const a of sample.info.answers) {
      const want: NodeInfo = { ...a.info, nodeType: a.info.nodeType as NodeInfo['nodeType'], free: fromJson(a.info.free), quota: fromJson(a.info.quota), perOwnerQuota: fromJson(a.info.perOwnerQuota) }
      expect(decodeInfoResponse(fromHex(a.answerHex)), a.label).toEqual(want)
      expect(toHex(encodeInfoResponse(want)), a.label).toBe(a.answerHex)
    }
  })

  it('bandwidth: each header decoded to its direction and length and encoded to the same bytes; the answer to its byte count', () => {
    for (const h of sample.bandwidth.headers) {
      expect(parseBandwidthHeader(fromHex(h.headerHex)), h.label).toEqual({ download: h.download, bytes: h.bytes })
      expect(toHex(encodeBandwidthHeader(h.bytes, h.download)), h.label).toBe(h.headerHex)
    }
    expect(decodeBandwidthAnswer(fromHex(sample.bandwidth.answer.answerHex))).toBe(sample.bandwidth.answer.bytes)
    expect(toHex(encodeOk({ bytes: sample.bandwidth.answer.bytes }))).toBe(sample.bandwidth.answer.answerHex)
  })

  it('a frame is the body behind its unsigned-varint length', async () => {
    const body = fromHex(shard.store.requestHex)
    expect(body.byteLength).toBe(sample.frame.bodyBytes)
    const sent: Uint8Array[] = []
    await writeFrame({ send: (chunk) => { sent.push(chunk.subarray()); return true }, onDrain: async () => {} }, body, AbortSignal.timeout(5000))
    expect(toHex(sent[0] ?? new Uint8Array(0))).toBe(sample.frame.prefixHex + shard.store.requestHex)
  })
})
