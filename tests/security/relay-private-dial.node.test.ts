/**
 * A relay must not be made to dial into its operator's network. A hostile
 * peer connects to a relay started as `npm start` starts it (everything on
 * 127.0.0.1) and announces, through identify and a DHT provider record,
 * that it is reachable at a loopback address where a private service
 * listens (here: a TCP server on 127.0.0.1 that counts connections). When
 * the relay later tries to reach that peer, as any DHT query would, the
 * service sees nothing, unless the operator allowed private dials
 * (--allow-private-dial). The relay's own storage peers and configured
 * bootstrap addresses are still dialled.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createServer, type Server } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { commonOptions, commonServices } from '../../src/net/common.ts'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { providerKey } from '../../src/net/dht-keys.ts'
import { initBlake3, shardCid } from '../../src/core/hash.ts'

let dir: string
let victim: Server
let victimPort: number
let knocks = 0

beforeAll(async () => {
  await initBlake3()
  await installNodePolyfills()
  dir = await mkdtemp(join(tmpdir(), 'datamesh-dial-'))
  // the operator's private service: anything reaching it is a probe
  victim = createServer(socket => { knocks++; socket.destroy() })
  await new Promise<void>(resolve => { victim.listen(0, '127.0.0.1', resolve) })
  victimPort = (victim.address() as { port: number }).port
})
afterAll(async () => {
  await new Promise(resolve => { victim.close(resolve) })
  await rm(dir, { recursive: true, force: true })
})

async function relayWith (name: string, extra: string[] = []): Promise<RunningMesh> {
  return await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', join(dir, name), '--storage-peers', '1', '--dist', join(dir, 'no-dist'), ...extra], {}), createLogger('error'))
}

/** A peer that claims to listen where the private service is, tells the relay so, and leaves. */
async function lure (mesh: RunningMesh): Promise<string> {
  const node = await createLibp2p({
    ...commonOptions({ nodeType: 'browser', allowPrivateAddresses: true }),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'], announce: [`/ip4/127.0.0.1/tcp/${victimPort}/ws`] },
    transports: [webSockets()],
    services: commonServices({ nodeType: 'browser', allowPrivateAddresses: true })
  }) as Libp2p<Record<string, unknown>>
  try {
    await node.dial(multiaddr(mesh.relayMultiaddrs()[0]!))
    const dht = node.services.dht as { routingTable: { size: number }, provide: (cid: ReturnType<typeof providerKey>) => AsyncIterable<unknown> }
    for (let i = 0; i < 100 && dht.routingTable.size === 0; i++) await new Promise(resolve => setTimeout(resolve, 50))
    for await (const _ of dht.provide(providerKey(shardCid(new TextEncoder().encode('bait'))))) {}
    const id = node.peerId.toString()
    // the relay now knows the private address for this peer (identify, the provider record)
    const known = await mesh.relay.peerStore.get(node.peerId)
    expect(known.addresses.map(a => a.multiaddr.toString())).toContain(`/ip4/127.0.0.1/tcp/${victimPort}/ws`)
    await node.stop()
    // the relay has no connection left to it: reaching it means dialling an address
    for (let i = 0; i < 100 && mesh.relay.getConnections(node.peerId).length > 0; i++) await new Promise(resolve => setTimeout(resolve, 50))
    expect(mesh.relay.getConnections(node.peerId)).toHaveLength(0)
    return id
  } finally {
    await node.stop()
  }
}

/** How a dial ended: 'dialled' or the error's name (never the connection itself: it does not print). */
async function outcome (dial: Promise<unknown>): Promise<string> {
  return await dial.then(() => 'dialled', (err: Error) => err.name)
}

describe('a relay given a private address by a peer', () => {
  it('does not dial it by default, and still reaches its own storage peers', async () => {
    const mesh = await relayWith('default')
    try {
      const id = await lure(mesh)
      knocks = 0
      const { peerIdFromString } = await import('@libp2p/peer-id')
      expect(await outcome(mesh.relay.dial(peerIdFromString(id), { signal: AbortSignal.timeout(5000) }))).toBe('DialDeniedError')
      // and neither does a storage peer of the same process
      expect(await outcome(mesh.storage[0]!.node.dial(multiaddr(`/ip4/127.0.0.1/tcp/${victimPort}/ws/p2p/${id}`), { signal: AbortSignal.timeout(5000) }))).toBe('DialDeniedError')
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(knocks).toBe(0)
      // the process's own nodes still reach each other on 127.0.0.1
      for (let i = 0; i < 50 && mesh.relay.getConnections(mesh.storage[0]!.node.peerId).length === 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
      expect(mesh.relay.getConnections(mesh.storage[0]!.node.peerId).length).toBeGreaterThan(0)
      await mesh.storage[0]!.node.hangUp(mesh.relay.peerId)
      await mesh.relay.dial(mesh.storage[0]!.node.peerId, { signal: AbortSignal.timeout(5000) })
    } finally {
      await mesh.stop()
    }
  })

  it('dials it when the operator allows private dials', async () => {
    const mesh = await relayWith('allowed', ['--allow-private-dial'])
    try {
      const id = await lure(mesh)
      knocks = 0
      const { peerIdFromString } = await import('@libp2p/peer-id')
      await mesh.relay.dial(peerIdFromString(id), { signal: AbortSignal.timeout(5000) }).catch(() => {})
      for (let i = 0; i < 50 && knocks === 0; i++) await new Promise(resolve => setTimeout(resolve, 50))
      expect(knocks).toBeGreaterThan(0)
    } finally {
      await mesh.stop()
    }
  })

  it('dials a private bootstrap address it was configured with', async () => {
    const first = await relayWith('first', ['--storage-peers', '0'])
    const second = await relayWith('second', ['--storage-peers', '0', '--bootstrap', first.relayMultiaddrs()[0]!])
    try {
      for (let i = 0; i < 50 && second.relay.getConnections(first.relay.peerId).length === 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
      expect(second.relay.getConnections(first.relay.peerId).length).toBeGreaterThan(0)
    } finally {
      await second.stop()
      await first.stop()
    }
  })
})
