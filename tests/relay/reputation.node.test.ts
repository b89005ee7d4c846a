/**
 * Reputation on the relay service: the --trusted-peers and --denied-peers
 * flags (and their variables), the process's own nodes trusting each other,
 * a storage peer scoring a peer that sends garbage, the relay's book
 * following connections, denied peers left out of /network.json, and the
 * books kept on disk across a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createLibp2p, type Libp2p } from 'libp2p'
import { ConfigError, loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { commonOptions, commonServices } from '../../src/net/common.ts'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { parseNetworkDescription } from '../../src/net/network-description.ts'
import { ReputationBook } from '../../src/net/reputation.ts'
import { fileReputationStorage } from '../../src/net/reputation-fs.ts'
import { SHARD_PROTOCOLS } from '../../src/net/protocol/constants.ts'
import { streamSource } from '../../src/net/protocol/frame.ts'
import * as lp from 'it-length-prefixed'

type Node = Libp2p<Record<string, unknown>>
const A = '12D3KooWGzpJv3kYqZ4oJmRk7w3nZkdUQsiv9yeoJXsRRVW6Vz3R'
const B = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

describe('relay configuration: trusted and denied peers', () => {
  it('reads comma-separated peer ids from flags over variables, once each', () => {
    expect(loadConfig([], {})).toMatchObject({ trustedPeers: [], deniedPeers: [] })
    expect(loadConfig([], { TRUSTED_PEERS: `${A}, ${B},${A}`, DENIED_PEERS: B })).toMatchObject({ trustedPeers: [A, B], deniedPeers: [B] })
    expect(loadConfig(['--trusted-peers', B, '--denied-peers', A], { TRUSTED_PEERS: A })).toMatchObject({ trustedPeers: [B], deniedPeers: [A] })
  })

  it('refuses what is not a peer id', () => {
    for (const [args, env] of [[['--trusted-peers', 'not-a-peer'], {}], [[], { DENIED_PEERS: `${A},x` }]] as const) {
      let err: unknown
      try { loadConfig([...args], { ...env }) } catch (e) { err = e }
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(/is not a peer id/)
    }
  })
})

describe('relay service: reputation books', () => {
  let dir: string
  let mesh: RunningMesh | undefined
  const started: Node[] = []

  beforeAll(async () => {
    await installNodePolyfills()
    dir = await mkdtemp(join(tmpdir(), 'datamesh-reputation-'))
  })
  afterAll(async () => {
    await Promise.all(started.map(async n => { await n.stop() }))
    await mesh?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  /** A tab-like peer asking the relay for a reservation. */
  async function tab (privateKey?: Awaited<ReturnType<typeof generateKeyPair>>): Promise<Node> {
    const node = await createLibp2p({
      ...commonOptions({ nodeType: 'browser', allowPrivateAddresses: true }),
      ...(privateKey !== undefined ? { privateKey } : {}),
      addresses: { listen: ['/p2p-circuit'] },
      transports: [webSockets(), circuitRelayTransport({ reservationConcurrency: 1 })],
      services: commonServices({ nodeType: 'browser', allowPrivateAddresses: true })
    }) as Node
    started.push(node)
    return node
  }

  async function until (test: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
    for (const end = Date.now() + ms; !(await test()) && Date.now() < end;) await new Promise(resolve => setTimeout(resolve, 100))
  }

  it('trusts its own nodes and the operator\'s list, denies the operator\'s, scores offenders, and lists no denied peer', async () => {
    const deniedKey = await generateKeyPair('Ed25519')
    const denied = peerIdFromPrivateKey(deniedKey).toString()
    const args = ['--port', '0', '--relay-port', '0', '--data-dir', dir, '--dist', join(dir, 'no-dist'), '--storage-peers', '2', '--trusted-peers', A, '--denied-peers', denied]
    mesh = await startMesh(loadConfig(args, {}), createLogger('error'))
    const relayId = mesh.relay.peerId.toString()
    const [s0, s1] = mesh.storage as [RunningMesh['storage'][0], RunningMesh['storage'][0]]
    for (const [book, others] of [[mesh.reputation, [s0.peerId, s1.peerId]], [s0.reputation, [relayId, s1.peerId]], [s1.reputation, [relayId, s0.peerId]]] as const) {
      for (const id of [...others, A]) expect(book.isTrusted(id)).toBe(true)
      expect(book.isDenied(denied)).toBe(true)
      expect(book.isTrusted(B)).toBe(false)
    }

    // two tabs hold reservations: /network.json lists the one not denied
    const good = await tab()
    const bad = await tab(deniedKey)
    for (const t of [good, bad]) await t.dial(multiaddr(mesh.relayMultiaddrs()[0]!))
    const listed = async (): Promise<string[]> => parseNetworkDescription(await (await fetch(`http://127.0.0.1:${mesh!.port}/network.json`)).json()).peers
    await until(async () => (await listed()).includes(good.peerId.toString()))
    expect(await listed()).toContain(good.peerId.toString())
    expect(await listed()).not.toContain(denied)
    expect((await (await fetch(`http://127.0.0.1:${mesh.port}/health`)).json() as { reservations: number }).reservations).toBe(2)
    // the relay's book saw them connect
    expect(mesh.reputation.describe(good.peerId.toString()).tracked).toBe(true)

    // garbage on the shard protocol: the storage peer's limiter scores it, and its book keeps it
    await good.dial(multiaddr(s0.multiaddrs()[0]!))
    const stream = await good.dialProtocol(s0.node.peerId, SHARD_PROTOCOLS.store)
    stream.send(lp.encode.single(new Uint8Array([0xff, 0x00, 0x13])).subarray())
    await stream.close()
    let answered = 0
    for await (const chunk of streamSource(stream)) answered += chunk.byteLength
    expect(answered).toBeGreaterThan(0) // a typed error
    const offender = good.peerId.toString()
    expect(s0.reputation.describe(offender).tracked).toBe(true)
    expect(s0.reputation.score(offender)).toBeLessThan(s1.reputation.score(offender))
    expect(s1.reputation.score(offender)).toBeCloseTo(40, 3) // s1 saw no offence of it (a record it keeps drifts toward 50 by the millisecond)
    const score = s0.reputation.score(offender)

    // the books are on disk after a stop, and the next start reads them
    await mesh.stop()
    mesh = undefined
    expect((await stat(join(dir, 'storage-0', 'reputation.cbor'))).size).toBeGreaterThan(0)
    expect((await stat(join(dir, 'relay', 'reputation.cbor'))).size).toBeGreaterThan(0)
    const again = await ReputationBook.open({ storage: fileReputationStorage(join(dir, 'storage-0', 'reputation.cbor')) })
    expect(again.score(offender)).toBeCloseTo(score, 0)
    mesh = await startMesh(loadConfig(args, {}), createLogger('error'))
    expect(mesh.storage[0]!.reputation.score(offender)).toBeCloseTo(score, 0)
  })
})
