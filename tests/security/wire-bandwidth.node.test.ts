/**
 * /datamesh/bandwidth/2.0.0 abused by a hostile peer speaking the protocol
 * raw: eight request bytes must not make a storage peer (or a tab) send
 * more than the peer's byte budget, uploads are never read past their
 * announced length, tests do not pile up, and the result a client reports
 * is what moved, not what it asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { MiB } from '../../src/core/bytes.ts'
import { decodeCborMap, encodeCbor } from '../../src/core/cbor.ts'
import { reviveError } from '../../src/core/errors.ts'
import { bandwidth, BANDWIDTH_PROTOCOL, type BandwidthService } from '../../src/net/bandwidth/index.ts'
import { PeerLimiter } from '../../src/net/limits.ts'
import { streamSource } from '../../src/net/protocol/frame.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'

type Node = Awaited<ReturnType<typeof createServerNode>>

function header (bytes: number, download: boolean): Uint8Array {
  const h = new Uint8Array(8)
  const v = new DataView(h.buffer)
  v.setUint32(0, Math.floor(bytes / 2 ** 32) | (download ? 0x8000_0000 : 0))
  v.setUint32(4, bytes >>> 0)
  return h
}

interface Outcome {
  /** the answer's error name, or 'ok' */
  answer: string
  /** bytes received in all, answer included */
  received: number
  /** bytes of `body` the peer took before the stream ended */
  sent: number
}

/** Send `head` and then `bodyBytes` raw on the bandwidth protocol, close, and count what comes back. */
async function raw (from: Node, to: Node, request: Uint8Array, bodyBytes = 0): Promise<Outcome> {
  const stream: Stream = await from.dialProtocol(to.peerId, BANDWIDTH_PROTOCOL)
  const got: Uint8Array[] = []
  let received = 0
  let ended = false
  const reading = (async () => {
    for await (const chunk of streamSource(stream)) {
      received += chunk.byteLength
      if (got.length < 4) got.push(chunk.subarray().slice(0, 16 * 1024))
    }
  })().catch(() => {}).finally(() => { ended = true })
  let sent = 0
  try {
    stream.send(request)
    const block = new Uint8Array(64 * 1024)
    while (sent < bodyBytes && !ended) {
      if (!stream.send(block)) await Promise.race([stream.onDrain(), reading])
      sent += block.byteLength
    }
    if (!ended) await stream.close()
  } catch { /* the server may stop reading: an allowed outcome */ }
  await reading
  stream.abort(new Error('done'))
  const head = new Uint8Array(got.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of got) { head.set(c, at); at += c.byteLength }
  const frame = [...lp.decode([head])][0]?.subarray()
  if (frame === undefined) return { answer: 'none', received, sent }
  const map = decodeCborMap(frame, 8192, 'answer')
  return { answer: map.ok === true ? 'ok' : reviveError(map.error as { name: string, message: string }).name, received, sent }
}

describe('bandwidth abuse against a storage peer', () => {
  let victim: Node
  const attackers: Node[] = []

  beforeAll(async () => {
    // the composition storage peers and tabs run: shard, info and bandwidth under one limiter
    victim = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
    for (let i = 0; i < 3; i++) {
      const attacker = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: {} })
      await attacker.dial(victim.getMultiaddrs())
      attackers.push(attacker)
      await new Promise(resolve => setTimeout(resolve, 250)) // libp2p takes at most 5 inbound connections a second from one host
    }
  })

  afterAll(async () => { await Promise.all([victim, ...attackers].map(async n => { await n.stop() })) })

  it('refuses a download over the cap at once, sending nothing but the refusal', async () => {
    const outcome = await raw(attackers[0] as Node, victim, header(256 * MiB, true))
    expect(outcome.answer).toBe('InvalidParametersError')
    expect(outcome.received).toBeLessThan(8 * 1024)
  })

  it('refuses an upload announced over the cap before reading it, and never reads past the announced length', async () => {
    const huge = await raw(attackers[0] as Node, victim, header(2 ** 40, false), 64 * MiB)
    expect(huge.answer).toBe('InvalidParametersError')
    expect(huge.sent).toBeLessThan(16 * MiB)
    const over = await raw(attackers[0] as Node, victim, header(1024, false), 64 * MiB)
    expect(over.answer).toBe('MalformedDataError')
    console.log(`announced 1 KiB, the peer took ${(over.sent / MiB).toFixed(1)} of 64 MiB before refusing`)
    expect(over.sent).toBeLessThan(16 * MiB)
  })

  it('runs one test at a time for a peer', async () => {
    const parallel = await Promise.all(Array.from({ length: 4 }, async () => await raw(attackers[1] as Node, victim, header(16 * MiB, true))))
    expect(parallel.filter(o => o.answer === 'ok')).toHaveLength(1)
    expect(parallel.map(o => o.answer)).toContain('RateLimitedError')
  })

  it('runs at most two tests at once on the node, whoever asks', async () => {
    const outcomes = await Promise.all(attackers.map(async a => await raw(a, victim, header(32 * MiB, true))))
    const refused = outcomes.filter(o => o.answer === 'RateLimitedError').length
    expect(refused).toBeGreaterThanOrEqual(1)
    for (const o of outcomes) expect(['ok', 'RateLimitedError']).toContain(o.answer)
  })
})

describe('a peer\'s byte budget', () => {
  const burst = 16 * MiB
  const perSecond = 4 * MiB
  let victim: Node
  let attacker: Node

  beforeAll(async () => {
    const limiter = new PeerLimiter({ bytesBurst: burst, bytesPerSecond: perSecond })
    victim = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: { bandwidth: bandwidth({ limiter }) } })
    attacker = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: {} })
    await attacker.dial(victim.getMultiaddrs())
  })

  afterAll(async () => { await Promise.all([victim, attacker].map(async n => { await n.stop() })) })

  it('pays for every byte before it is sent: a peer gets no more than its budget', async () => {
    const started = Date.now()
    let received = 0
    const answers: string[] = []
    for (let i = 0; i < 5; i++) {
      const o = await raw(attacker, victim, header(burst, true))
      answers.push(o.answer)
      received += o.received
    }
    const seconds = (Date.now() - started) / 1000
    const budget = burst + perSecond * seconds + 64 * 1024
    console.log(`asked 5 x 16 MiB in ${seconds.toFixed(1)} s: received ${(received / MiB).toFixed(1)} MiB of a ${(budget / MiB).toFixed(1)} MiB budget; ${answers.join(' ')}`)
    expect(received).toBeLessThanOrEqual(budget)
    expect(answers[0]).toBe('ok')
    expect(answers).toContain('RateLimitedError')
  })
})

describe('what a client reports', () => {
  let client: Node
  let liar: Node

  beforeAll(async () => {
    client = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
    liar = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: {} })
    // a holder that promises the bytes asked for (or acknowledges an upload) and moves half
    await liar.handle(BANDWIDTH_PROTOCOL, async (stream: Stream) => {
      let head: Uint8Array | undefined
      let count = 0
      for await (const chunk of streamSource(stream)) {
        const bytes = chunk.subarray()
        head ??= bytes.slice(0, 8)
        count += bytes.byteLength
      }
      const v = new DataView((head as Uint8Array).buffer)
      const download = (v.getUint32(0) & 0x8000_0000) !== 0
      const asked = v.getUint32(4)
      if (download) {
        stream.send(lp.encode.single(encodeCbor({ v: 1, ok: true, bytes: asked })).subarray())
        stream.send(new Uint8Array(asked / 2))
      } else {
        stream.send(lp.encode.single(encodeCbor({ v: 1, ok: true, bytes: Math.floor((count - 8) / 2) })).subarray())
      }
      await stream.close()
    }, { runOnLimitedConnection: false })
    await client.dial(liar.getMultiaddrs())
  })

  afterAll(async () => { await Promise.all([client, liar].map(async n => { await n.stop() })) })

  it('reports the bytes that moved, not the bytes asked for', async () => {
    const bw = client.services.bandwidth as BandwidthService
    const down = await bw.download(liar.peerId, 1 * MiB)
    expect(down.bytes).toBe(0.5 * MiB)
    const up = await bw.upload(liar.peerId, 1 * MiB)
    expect(up.bytes).toBe(0.5 * MiB)
  })
})
