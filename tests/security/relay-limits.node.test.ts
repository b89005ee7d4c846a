/**
 * Fresh peer ids from one address against a relay started by startMesh,
 * over loopback with real circuit relay v2 reservations: with loopback
 * counted as an address (--private-addresses count) they get the address's
 * share of reservations and connections and no more, /network.json lists
 * only them, and the relay's own storage peers are never limited. With the
 * default (loopback limited per peer id: every client of a relay behind a
 * TLS proxy arrives from 127.0.0.1) tabs on one machine all get theirs.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { createLibp2p, type Libp2p } from 'libp2p'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { commonOptions, commonServices } from '../../src/net/common.ts'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { parseNetworkDescription } from '../../src/net/network-description.ts'

type Node = Libp2p<Record<string, unknown>>
let dir: string
const started: Node[] = []

beforeAll(async () => {
  await installNodePolyfills()
  dir = await mkdtemp(join(tmpdir(), 'datamesh-limits-'))
})
afterAll(async () => {
  await Promise.all(started.map(async n => { await n.stop() }))
  await rm(dir, { recursive: true, force: true })
})

async function relayWith (name: string, extra: string[]): Promise<RunningMesh> {
  return await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', join(dir, name), '--dist', join(dir, 'no-dist'), ...extra], {}), createLogger('error'))
}

/** A tab-like peer: asks the relay for a reservation (listens on /p2p-circuit). */
async function tab (): Promise<Node> {
  const node = await createLibp2p({
    ...commonOptions({ nodeType: 'browser', allowPrivateAddresses: true }),
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport({ reservationConcurrency: 1 })],
    services: commonServices({ nodeType: 'browser', allowPrivateAddresses: true })
  }) as Node
  started.push(node)
  return node
}

async function until (test: () => boolean, ms = 8000): Promise<void> {
  for (const end = Date.now() + ms; !test() && Date.now() < end;) await new Promise(resolve => setTimeout(resolve, 100))
}

async function network (mesh: RunningMesh): Promise<ReturnType<typeof parseNetworkDescription>> {
  return parseNetworkDescription(await (await fetch(`http://127.0.0.1:${mesh.port}/network.json`)).json())
}

async function reservations (mesh: RunningMesh): Promise<number> {
  return (await (await fetch(`http://127.0.0.1:${mesh.port}/health`)).json() as { reservations: number }).reservations
}

/** Dial, retrying: libp2p takes a few inbound connections per second from one host. */
async function dial (node: Node, address: string): Promise<boolean> {
  for (let attempt = 0; attempt < 12; attempt++) {
    try {
      await node.dial(multiaddr(address), { signal: AbortSignal.timeout(3000) })
      return true
    } catch (err) {
      if ((err as Error).name !== 'DialError' && !/threshold|rate|reset|closed/i.test(String(err))) return false
      await new Promise(resolve => setTimeout(resolve, 300))
    }
  }
  return false
}

describe('relay reservations and connections per address', () => {
  it('gives fresh peer ids from one counted address its share of reservations, and lists only those', async () => {
    const mesh = await relayWith('counted', ['--storage-peers', '1', '--private-addresses', 'count', '--reservations-per-address', '2', '--connections-per-address', '8'])
    try {
      const tabs = [await tab(), await tab(), await tab(), await tab()]
      for (const t of tabs) await dial(t, mesh.relayMultiaddrs()[0]!)
      await until(() => mesh.relay.getConnections().length >= 5)
      // give every tab time to ask (and be refused)
      await new Promise(resolve => setTimeout(resolve, 1500))
      expect(await reservations(mesh)).toBe(2)
      const listed = (await network(mesh)).peers
      expect(listed).toHaveLength(2)
      for (const id of listed) expect(tabs.map(t => t.peerId.toString())).toContain(id)
      // the process's own storage peer is connected whatever the limits
      expect(mesh.relay.getConnections(mesh.storage[0]!.node.peerId).length).toBeGreaterThan(0)
    } finally {
      await mesh.stop()
    }
  })

  it('refuses connections past an address\'s share, never its own storage peers', async () => {
    const mesh = await relayWith('connections', ['--storage-peers', '2', '--private-addresses', 'count', '--connections-per-address', '2'])
    try {
      await until(() => mesh.storage.every(s => mesh.relay.getConnections(s.node.peerId).length > 0))
      const tabs: Node[] = []
      for (let i = 0; i < 4; i++) {
        const t = await tab()
        tabs.push(t)
        // the dialer's side may finish before the relay refuses: the relay's connections are what counts
        await dial(t, mesh.relayMultiaddrs()[0]!)
      }
      await new Promise(resolve => setTimeout(resolve, 500))
      const connected = tabs.filter(t => mesh.relay.getConnections(t.peerId).length > 0)
      expect(connected.map(t => t.peerId.toString())).toEqual(tabs.slice(0, 2).map(t => t.peerId.toString()))
      expect(mesh.storage.every(s => mesh.relay.getConnections(s.node.peerId).length > 0)).toBe(true)
    } finally {
      await mesh.stop()
    }
  })

  it('by default lets every tab on this machine reserve (loopback is limited per peer id)', async () => {
    const mesh = await relayWith('default', ['--storage-peers', '0', '--reservations-per-address', '2', '--connections-per-address', '2'])
    try {
      const tabs = [await tab(), await tab(), await tab(), await tab()]
      for (const t of tabs) expect(await dial(t, mesh.relayMultiaddrs()[0]!)).toBe(true)
      await until(() => mesh.relay.getConnections().length >= 4)
      for (let i = 0; i < 80 && (await reservations(mesh)) < 4; i++) await new Promise(resolve => setTimeout(resolve, 100))
      expect(await reservations(mesh)).toBe(4)
      expect((await network(mesh)).peers.sort()).toEqual(tabs.map(t => t.peerId.toString()).sort())
    } finally {
      await mesh.stop()
    }
  })
})
