/**
 * /datamesh/audit/1.0.0 between real libp2p nodes on 127.0.0.1 (WebSockets,
 * noise, yamux): an honest holder passes; a holder that lies (wrong bytes,
 * wrong size, an answer replayed from another nonce, truncated, oversized,
 * garbage) fails; one that stalls times out; one that lost the shard or
 * never had it answers 'lost'; a peer that does not serve audits is
 * unreachable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { webSockets } from '@libp2p/websockets'
import type { Stream } from '@libp2p/interface'
import { createLibp2p, type Libp2p } from 'libp2p'
import { encodeCbor } from '../../src/core/cbor.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { auditProtocol, AUDIT_PROTOCOL, auditIndices, type AuditService } from '../../src/net/audit/index.ts'
import { encodeAuditAnswer, decodeAuditRequest } from '../../src/net/audit/messages.ts'
import { readFrame } from '../../src/net/protocol/frame.ts'
import { MemoryMedium, openMemoryStore } from '../../src/store/memory.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { frame, makeShard } from './helpers.ts'

type AuditNode = Libp2p<{ audit: AuditService }>

interface Holder { node: AuditNode, store: ShardStore, medium: MemoryMedium }

async function startHolder (serve: boolean, timeout = 5000): Promise<Holder> {
  await installNodePolyfills()
  const medium = new MemoryMedium()
  const store = await openMemoryStore({ medium, quota: Number.POSITIVE_INFINITY })
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false },
    services: { audit: auditProtocol({ ...(serve ? { store } : {}), timeout }) }
  })
  return { node, store, medium }
}

const nonceOf = (seed: number): Uint8Array => new Uint8Array(32).fill(seed)

describe('audit protocol between two nodes', () => {
  let holder: Holder
  let auditor: Holder
  let mute: Holder
  const big = makeShard(1024 * 1024, 1) // 64 groups
  const small = makeShard(5000, 2) // one group

  beforeAll(async () => {
    holder = await startHolder(true)
    auditor = await startHolder(false)
    mute = await startHolder(false)
    await holder.store.put(big.id, big.bytes, { owner: 'o' })
    await holder.store.put(small.id, small.bytes, { owner: 'o' })
    await auditor.node.dial(holder.node.getMultiaddrs())
    await auditor.node.dial(mute.node.getMultiaddrs())
  })

  afterAll(async () => {
    for (const p of [holder, auditor, mute]) { await p.node.stop(); await p.store.close() }
  })

  it('an honest holder passes with 0, 2 and 8 groups and for a one-group shard, and counts what it answered', async () => {
    const audit = auditor.node.services.audit
    const before = holder.node.services.audit.served.proved
    for (const groups of [0, 2, 8]) expect(await audit.audit(holder.node.peerId, big.id, big.bytes.byteLength, { groups })).toEqual({ outcome: 'pass' })
    expect(await audit.audit(holder.node.peerId, small.id, small.bytes.byteLength)).toEqual({ outcome: 'pass' })
    expect(holder.node.services.audit.served.proved).toBe(before + 4)
  })

  it('fails a holder whose size is not the one the auditor expects', async () => {
    const audit = auditor.node.services.audit
    expect(await audit.audit(holder.node.peerId, big.id, big.bytes.byteLength - 1)).toEqual({ outcome: 'fail', reason: 'wrong-size' })
    expect(await audit.audit(holder.node.peerId, big.id, big.bytes.byteLength + 1, { groups: 0 })).toEqual({ outcome: 'fail', reason: 'wrong-size' })
  })

  it("answers 'lost' for a shard the holder never had", async () => {
    const before = holder.node.services.audit.served['not-found']
    expect(await auditor.node.services.audit.audit(holder.node.peerId, makeShard(100, 3).id, 100)).toEqual({ outcome: 'lost', reason: 'not-found' })
    expect(holder.node.services.audit.served['not-found']).toBe(before + 1)
  })

  it("answers 'lost' for a shard the holder kept and lost (found damaged while proving, then remembered)", async () => {
    const s = makeShard(200_000, 4)
    await holder.store.put(s.id, s.bytes, { owner: 'o' })
    holder.medium.tamper(s.id, makeShard(200_000, 5).bytes)
    const audit = auditor.node.services.audit
    expect(await audit.audit(holder.node.peerId, s.id, s.bytes.byteLength)).toEqual({ outcome: 'lost', reason: 'corrupt' })
    expect(await audit.audit(holder.node.peerId, s.id, s.bytes.byteLength)).toEqual({ outcome: 'lost', reason: 'lost' })
    expect(holder.node.services.audit.served.lost).toBeGreaterThanOrEqual(2)
  })

  it('is unreachable on a peer that does not serve audits', async () => {
    const report = await auditor.node.services.audit.audit(mute.node.peerId, big.id, big.bytes.byteLength)
    expect(report.outcome).toBe('unreachable')
  })

  it('checks its own arguments', async () => {
    const audit = auditor.node.services.audit
    await expect(audit.audit(holder.node.peerId, big.id, big.bytes.byteLength, { groups: 9 })).rejects.toHaveProperty('name', 'InvalidParametersError')
    await expect(audit.audit(holder.node.peerId, big.id, 17 * 1024 * 1024)).rejects.toHaveProperty('name', 'InvalidParametersError')
    const controller = new AbortController()
    controller.abort()
    await expect(audit.audit(holder.node.peerId, big.id, big.bytes.byteLength, { signal: controller.signal })).rejects.toHaveProperty('name', 'AbortedError')
  })
})

describe('audit client against a lying or silent holder', () => {
  let liar: Holder
  let auditor: Holder
  const modes: string[] = []
  const s = makeShard(1024 * 1024, 6)
  const size = s.bytes.byteLength
  const cid = parseShardCid(s.id)
  /** the honest answer to `nonce` */
  const honest = async (nonce: Uint8Array): Promise<{ size: number, groups: Uint8Array[], siblings: Uint8Array[] }> => {
    const proof = await liar.store.proof(s.id, auditIndices(nonce, cid, size, 2))
    return { size: proof.size, groups: proof.groups.map(g => g.bytes), siblings: proof.siblings }
  }

  beforeAll(async () => {
    liar = await startHolder(false)
    await liar.store.put(s.id, s.bytes, { owner: 'o' })
    await liar.node.handle(AUDIT_PROTOCOL, async (stream: Stream) => {
      const request = decodeAuditRequest(await readFrame(stream, { maxBytes: 1024, signal: AbortSignal.timeout(5000) }))
      const mode = modes.shift()
      const answer = await honest(request.nonce)
      if (mode === 'honest') stream.send(frame(encodeAuditAnswer(answer)))
      else if (mode === 'wrong-bytes') {
        const flipped = answer.groups.map(g => g.slice())
        const group = flipped[1] as Uint8Array
        group[100] = (group[100] as number) ^ 1
        stream.send(frame(encodeAuditAnswer({ ...answer, groups: flipped })))
      } else if (mode === 'wrong-size') stream.send(frame(encodeAuditAnswer({ ...answer, size: size + 16384 })))
      else if (mode === 'replay') stream.send(frame(encodeAuditAnswer(await honest(nonceOf(1)))))
      else if (mode === 'drop-sibling') stream.send(frame(encodeAuditAnswer({ ...answer, siblings: answer.siblings.slice(1) })))
      else if (mode === 'one-group') stream.send(frame(encodeAuditAnswer({ ...answer, groups: answer.groups.slice(0, 1) })))
      else if (mode === 'truncated') {
        const whole = frame(encodeAuditAnswer(answer))
        stream.send(whole.subarray(0, whole.byteLength >> 1))
      } else if (mode === 'too-many-groups') stream.send(frame(encodeCbor({ v: 1, ok: true, size, groups: [...answer.groups, new Uint8Array(16384)], siblings: answer.siblings })))
      else if (mode === 'oversized') {
        // announces 64 MiB and sends a little: refused at the length prefix, not waited for
        stream.send(Uint8Array.of(0x80, 0x80, 0x80, 0x20, 1, 2, 3)) // varint 2^26, then 3 bytes, and the stream left open
        await new Promise(resolve => setTimeout(resolve, 3000))
        stream.abort(new Error('bye'))
        return
      }
      else if (mode === 'garbage') stream.send(frame(Uint8Array.of(0xff, 0x00, 0x13)))
      else if (mode === 'stall') { await new Promise(resolve => setTimeout(resolve, 3000)); stream.abort(new Error('bye')); return }
      await stream.close()
    }, { runOnLimitedConnection: false })
    auditor = await startHolder(false, 1000)
    await auditor.node.dial(liar.node.getMultiaddrs())
  })

  afterAll(async () => {
    for (const p of [liar, auditor]) { await p.node.stop(); await p.store.close() }
  })

  const audit = async (mode: string, nonce = nonceOf(2)): Promise<unknown> => {
    modes.push(mode)
    return await auditor.node.services.audit.audit(liar.node.peerId, s.id, size, { nonce })
  }

  it('the scripted holder passes when it answers honestly (the harness works)', async () => {
    expect(await audit('honest')).toEqual({ outcome: 'pass' })
  })

  it('fails wrong bytes, a wrong size, missing siblings or groups', async () => {
    expect(await audit('wrong-bytes')).toEqual({ outcome: 'fail', reason: 'bad-proof' })
    expect(await audit('wrong-size')).toEqual({ outcome: 'fail', reason: 'wrong-size' })
    expect(await audit('drop-sibling')).toEqual({ outcome: 'fail', reason: 'bad-proof' })
    expect(await audit('one-group')).toEqual({ outcome: 'fail', reason: 'bad-proof' })
  })

  it('fails an honest answer to another nonce (a replay)', async () => {
    expect(auditIndices(nonceOf(1), cid, size, 2)).not.toEqual(auditIndices(nonceOf(2), cid, size, 2))
    expect(await audit('replay', nonceOf(1))).toEqual({ outcome: 'pass' }) // the recorded answer is right for its own nonce
    expect(await audit('replay', nonceOf(2))).toEqual({ outcome: 'fail', reason: 'bad-proof' })
  })

  it('fails truncated, oversized and garbage answers as malformed', async () => {
    expect(await audit('truncated')).toEqual({ outcome: 'fail', reason: 'malformed' })
    expect(await audit('oversized')).toEqual({ outcome: 'fail', reason: 'malformed' })
    expect(await audit('too-many-groups')).toEqual({ outcome: 'fail', reason: 'malformed' })
    expect(await audit('garbage')).toEqual({ outcome: 'fail', reason: 'malformed' })
  })

  it('times out on a holder that stalls', async () => {
    expect(await audit('stall')).toEqual({ outcome: 'timeout', reason: 'timeout' })
  })
})
