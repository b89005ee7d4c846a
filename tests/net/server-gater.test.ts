/**
 * ServerPolicy and ServerGater without a network: which addresses a server
 * dials (names resolved by a fake resolver), connections per address, and
 * relay reservations shared per address with eviction, over a fake node
 * holding the reservations the relay service would.
 */
import { describe, expect, it } from 'vitest'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { ServerPolicy } from '../../src/net/server-policy.ts'
import { ServerGater } from '../../src/net/server-gater.ts'

describe('ServerPolicy.deniesDial', () => {
  const names: Record<string, string[]> = { 'public.example': ['93.184.215.14'], 'inside.example': ['10.0.0.7'], 'mixed.example': ['93.184.215.14', '192.168.1.1'], 'v6inside.example': ['fd00::1'] }
  const resolve = async (host: string): Promise<string[]> => {
    const found = names[host]
    if (found === undefined) throw new Error('ENOTFOUND')
    return found
  }

  it('refuses loopback, private and link-local addresses and names that resolve to them', async () => {
    const policy = new ServerPolicy({ resolve })
    for (const a of ['/ip4/127.0.0.1/tcp/22/ws', '/ip4/10.1.2.3/tcp/80/ws', '/ip4/192.168.0.10/tcp/443/wss', '/ip4/169.254.169.254/tcp/80/ws', '/ip6/::1/tcp/9/ws',
      '/ip6/fe80::1/tcp/9/ws', '/ip4/127.0.0.1/tcp/22/ws/p2p/12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp/p2p-circuit', '/dns4/localhost/tcp/22/ws',
      '/dns4/inside.example/tcp/80/ws', '/dns4/mixed.example/tcp/80/ws', '/dns6/v6inside.example/tcp/80/ws', '/dns4/unknown.example/tcp/80/ws']) {
      expect(await policy.deniesDial(multiaddr(a)), a).toBe(true)
    }
  })

  it('dials public addresses, and private ones it was given or that the operator allows', async () => {
    const policy = new ServerPolicy({ resolve })
    for (const a of ['/ip4/93.184.215.14/tcp/443/wss', '/dns4/public.example/tcp/443/wss', '/p2p-circuit']) expect(await policy.deniesDial(multiaddr(a)), a).toBe(false)
    policy.allowAddress('/ip4/127.0.0.1/tcp/9091/ws/p2p/12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp')
    expect(await policy.deniesDial(multiaddr('/ip4/127.0.0.1/tcp/9091/ws'))).toBe(false)
    // the same host on another port is not what was given
    expect(await policy.deniesDial(multiaddr('/ip4/127.0.0.1/tcp/9092/ws'))).toBe(true)
    policy.allowAddress('/dns4/relay2.internal/tcp/443/wss')
    expect(await policy.deniesDial(multiaddr('/dns4/relay2.internal/tcp/443/wss'))).toBe(false)
    const open = new ServerPolicy({ allowPrivateDial: true, resolve })
    expect(await open.deniesDial(multiaddr('/ip4/10.1.2.3/tcp/80/ws'))).toBe(false)
  })
})

interface FakeConnection { remotePeer: PeerId, remoteAddr: Multiaddr, closed: boolean, close: () => Promise<void> }

/** A node with the relay service's reservation map and the connections the gater looks at. */
function fakeNode (): { node: Libp2p<Record<string, unknown>>, connect: (peer: PeerId, addr: string) => FakeConnection, reserve: (peer: PeerId, addr: string) => void, reservations: Map<string, { peer: PeerId, addr: Multiaddr }> } {
  const connections: FakeConnection[] = []
  const reservations = new Map<string, { peer: PeerId, addr: Multiaddr }>()
  const map = {
    get size () { return reservations.size },
    has: (p: PeerId) => reservations.has(p.toString()),
    delete: (p: PeerId) => reservations.delete(p.toString()),
    entries: () => [...reservations.values()].map(r => [r.peer, { addr: r.addr }] as [PeerId, { addr: Multiaddr }])
  }
  const node = {
    services: { relay: { reservations: map } },
    getConnections: (peer?: PeerId) => connections.filter(c => !c.closed && (peer === undefined || c.remotePeer.equals(peer)))
  } as unknown as Libp2p<Record<string, unknown>>
  return {
    node,
    reservations,
    connect: (peer, addr) => {
      const c: FakeConnection = { remotePeer: peer, remoteAddr: multiaddr(addr), closed: false, close: async () => { c.closed = true } }
      connections.push(c)
      return c
    },
    reserve: (peer, addr) => { reservations.set(peer.toString(), { peer, addr: multiaddr(addr) }) }
  }
}

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('ServerGater reservations', () => {
  /** ask for a reservation as the relay service does: gater first, then reserve */
  async function ask (g: ServerGater, f: ReturnType<typeof fakeNode>, peer: PeerId, addr: string): Promise<boolean> {
    if (f.node.getConnections(peer).length === 0) f.connect(peer, addr)
    const denied = await g.gater().denyInboundRelayReservation!(peer)
    if (!denied) f.reserve(peer, addr)
    return !denied
  }

  it('lets one address hold its share, and makes room from a peer that left', async () => {
    const f = fakeNode()
    const g = new ServerGater(new ServerPolicy(), { reservationsPerAddress: 2, maxReservations: 10 })
    g.bind(f.node)
    const peers = await Promise.all([1, 2, 3].map(newPeer))
    expect(await ask(g, f, peers[0]!, '/ip4/1.2.3.4/tcp/1/ws')).toBe(true)
    expect(await ask(g, f, peers[1]!, '/ip4/1.2.3.4/tcp/2/ws')).toBe(true)
    expect(await ask(g, f, peers[2]!, '/ip4/1.2.3.4/tcp/3/ws')).toBe(false)
    // a refresh is always fine
    expect(await ask(g, f, peers[0]!, '/ip4/1.2.3.4/tcp/1/ws')).toBe(true)
    // the first peer closes its tab: its reservation makes room
    for (const c of f.node.getConnections(peers[0])) await c.close()
    expect(await ask(g, f, peers[2]!, '/ip4/1.2.3.4/tcp/3/ws')).toBe(true)
    expect([...f.reservations.keys()].sort()).toEqual([peers[1]!, peers[2]!].map(String).sort())
  })

  it('when full, takes from the largest address for a smaller one and closes that peer\'s connection', async () => {
    const f = fakeNode()
    const g = new ServerGater(new ServerPolicy(), { reservationsPerAddress: 3, maxReservations: 4 })
    g.bind(f.node)
    const many = await Promise.all([1, 2, 3].map(newPeer))
    for (const p of many) expect(await ask(g, f, p, '/ip4/1.2.3.4/tcp/1/ws')).toBe(true)
    const other = await newPeer()
    expect(await ask(g, f, other, '/ip4/5.6.7.8/tcp/1/ws')).toBe(true)
    const honest = await newPeer()
    const evictedConnection = f.node.getConnections(many[0])[0] as unknown as FakeConnection
    expect(await ask(g, f, honest, '/ip4/9.9.9.9/tcp/1/ws')).toBe(true)
    expect(f.reservations.has(many[0]!.toString())).toBe(false)
    expect(evictedConnection.closed).toBe(true)
    // /network.json lists every address before a second peer of one
    expect(g.reservedPeers(3)).toEqual([honest, other, many[2]!].map(String))
    // 1.2.3.4 still holds 2: one more newcomer evens it out, and then no one is pushed out
    const fourth = await newPeer()
    expect(await ask(g, f, fourth, '/ip4/4.4.4.4/tcp/1/ws')).toBe(true)
    expect(f.reservations.has(many[1]!.toString())).toBe(false)
    expect(await ask(g, f, await newPeer(), '/ip4/8.8.8.8/tcp/1/ws')).toBe(false)
    expect(f.reservations.size).toBe(4)
  })

  it('counts loopback peers one by one unless the operator counts private addresses', async () => {
    const f = fakeNode()
    const g = new ServerGater(new ServerPolicy(), { reservationsPerAddress: 1, maxReservations: 10 })
    g.bind(f.node)
    for (let i = 0; i < 3; i++) expect(await ask(g, f, await newPeer(), '/ip4/127.0.0.1/tcp/1/ws')).toBe(true)
    const counted = fakeNode()
    const strict = new ServerGater(new ServerPolicy({ countPrivateAddresses: true }), { reservationsPerAddress: 1, maxReservations: 10 })
    strict.bind(counted.node)
    expect(await ask(strict, counted, await newPeer(), '/ip4/127.0.0.1/tcp/1/ws')).toBe(true)
    expect(await ask(strict, counted, await newPeer(), '/ip4/127.0.0.1/tcp/2/ws')).toBe(false)
  })
})

describe('ServerGater connections', () => {
  it('refuses an address past its share, never the process\'s own peers', async () => {
    const f = fakeNode()
    const policy = new ServerPolicy()
    const g = new ServerGater(policy, { connectionsPerAddress: 2 })
    g.bind(f.node)
    const deny = async (peer: PeerId, addr: string): Promise<boolean> => await g.gater().denyInboundEncryptedConnection!(peer, { remoteAddr: multiaddr(addr) } as never)
    // the process's own peers on that address do not use up its share
    for (let i = 0; i < 3; i++) {
      const own = await newPeer()
      policy.trustPeer(own.toString())
      f.connect(own, '/ip4/1.2.3.4/tcp/1/ws')
    }
    for (let i = 0; i < 2; i++) {
      const p = await newPeer()
      expect(await deny(p, '/ip4/1.2.3.4/tcp/1/ws')).toBe(false)
      f.connect(p, '/ip4/1.2.3.4/tcp/1/ws')
    }
    expect(await deny(await newPeer(), '/ip4/1.2.3.4/tcp/9/ws')).toBe(true)
    expect(await deny(await newPeer(), '/ip4/1.2.3.5/tcp/9/ws')).toBe(false)
    const own = await newPeer()
    policy.trustPeer(own.toString())
    expect(await deny(own, '/ip4/1.2.3.4/tcp/9/ws')).toBe(false)
    // loopback is not counted by default
    for (let i = 0; i < 3; i++) f.connect(await newPeer(), '/ip4/127.0.0.1/tcp/1/ws')
    expect(await deny(await newPeer(), '/ip4/127.0.0.1/tcp/1/ws')).toBe(false)
  })
})
