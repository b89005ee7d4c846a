/**
 * relayReachable: a node listening on /p2p-circuit is reachable as soon as a
 * relay reserves a slot for it, before libp2p's debounced 'self:peer:update'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createServerNode } from '../../src/net/server-node.ts'
import { hasRelayAddress, relayReachable } from '../../src/net/reachability.ts'
import { installNodePolyfills } from '../../src/net/polyfills.ts'

async function listener (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false },
    services: { identify: identify() }
  })
}

describe('relayReachable', () => {
  let relay: Libp2p
  beforeAll(async () => {
    await installNodePolyfills()
    relay = await createServerNode({ nodeType: 'relay', allowPrivateAddresses: true })
  })
  afterAll(async () => { await relay?.stop() })

  it('resolves once the relay holds a reservation, before the debounced self:peer:update', async () => {
    const node = await listener()
    try {
      const order: string[] = []
      node.addEventListener('self:peer:update', () => { if (hasRelayAddress(node) && !order.includes('self:peer:update')) order.push('self:peer:update') })
      const reachable = relayReachable(node, 10_000).then(r => { order.push('reachable'); return r })
      await node.dial(relay.getMultiaddrs()[0]!)
      expect(await reachable).toBe(true)
      expect(hasRelayAddress(node)).toBe(true)
      expect(order[0]).toBe('reachable')
      expect(await relayReachable(node, 1)).toBe(true) // already reachable: at once
    } finally {
      await node.stop()
    }
  })

  it('resolves false when no relay answers in time, and stops waiting on abort', async () => {
    const node = await listener()
    try {
      expect(await relayReachable(node, 50)).toBe(false)
      const controller = new AbortController()
      const waiting = relayReachable(node, 60_000, controller.signal)
      controller.abort()
      expect(await waiting).toBe(false)
    } finally {
      await node.stop()
    }
  })
})
