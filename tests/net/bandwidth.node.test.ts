import { describe, it, expect, afterAll } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { createServerNode } from '../../src/net/server-node.ts'
import { bandwidth, BANDWIDTH_PROTOCOL, type BandwidthService } from '../../src/net/bandwidth/index.ts'

const nodes: Array<Awaited<ReturnType<typeof createServerNode>>> = []
afterAll(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })

async function node (): Promise<Awaited<ReturnType<typeof createServerNode>>> {
  const n = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: { bandwidth: bandwidth({ maxBytes: 16 * 1024 * 1024 }) } })
  nodes.push(n)
  return n
}

describe('bandwidth protocol', () => {
  it('measures uploads and downloads of exact sizes, and refuses oversize requests', async () => {
    const a = await node()
    const b = await node()
    await a.dial(multiaddr(`${b.getMultiaddrs()[0]!.toString()}`))
    const bw = a.services.bandwidth as BandwidthService
    for (const size of [0, 1, 65_537, 8 * 1024 * 1024]) {
      const up = await bw.upload(b.peerId, size)
      expect(up.bytes).toBe(size)
      const down = await bw.download(b.peerId, size)
      expect(down.bytes).toBe(size)
      expect(down.MBps).toBeGreaterThanOrEqual(0)
    }
    await expect(bw.download(b.peerId, 17 * 1024 * 1024)).rejects.toMatchObject({ name: 'InvalidParametersError' })
    await expect(bw.upload(b.peerId, -1)).rejects.toMatchObject({ name: 'InvalidParametersError' })
    expect(BANDWIDTH_PROTOCOL).toBe('/datamesh/bandwidth/2.0.0')
  })
})
