/** Reading the relay's /health and /network.json, and what a page without a relay gets. */
import { describe, expect, it } from 'vitest'
import { fetchNeighbours, fetchRelayHealth, parseNeighbours, parseRelayHealth, type Fetch } from '../../../src/app/network/relay.ts'

const health = {
  status: 'ok',
  peerId: 'relay-id',
  multiaddrs: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/relay-id'],
  uptimeSeconds: 125,
  connections: 9,
  reservations: 3,
  storagePeers: [{ peerId: 's1', multiaddrs: [], used: 2048, shards: 4, quota: 1e9 }, { peerId: 's2', used: 0, shards: 0, quota: 1e9 }],
  storageUsed: 2048
}

const description = {
  relays: [{ multiaddrs: ['/ip4/127.0.0.1/tcp/9091/ws/p2p/12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'], priority: 0 }],
  storagePeers: [{ peerId: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', multiaddrs: ['/ip4/127.0.0.1/tcp/40000/ws'] }],
  peers: [],
  iceServers: []
}

const answer = (status: number, body: string): Fetch => async () => new Response(body, { status, headers: { 'content-type': 'application/json' } })

describe('parseRelayHealth', () => {
  it('reads the relay\'s status, uptime in ms', () => {
    expect(parseRelayHealth(health)).toEqual({
      peerId: 'relay-id',
      multiaddrs: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/relay-id'],
      uptime: 125_000,
      connections: 9,
      reservations: 3,
      storagePeers: [{ peerId: 's1', used: 2048, shards: 4, quota: 1e9 }, { peerId: 's2', used: 0, shards: 0, quota: 1e9 }],
      storageUsed: 2048
    })
  })

  it('fills what is missing or of the wrong type with nothing', () => {
    expect(parseRelayHealth({ peerId: 'r', multiaddrs: [1, 'a'], connections: 'many', storagePeers: [null, { used: 5 }] })).toEqual({
      peerId: 'r', multiaddrs: ['a'], uptime: 0, connections: 0, reservations: 0, storagePeers: [], storageUsed: 0
    })
  })

  it('refuses what is not a relay\'s status', () => {
    for (const body of [null, [], 'ok', { status: 'ok' }]) {
      expect(() => parseRelayHealth(body)).toThrow(expect.objectContaining({ name: 'RelayUnavailableError' }))
    }
  })
})

describe('parseNeighbours', () => {
  const s1 = '12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'
  const t1 = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
  const t2 = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'

  it('lists the tabs holding reservations and the storage peers', () => {
    expect(parseNeighbours({ relays: [], storagePeers: [{ peerId: s1, multiaddrs: [] }], peers: [t1, t2], iceServers: [] }))
      .toEqual({ tabs: [t1, t2], storage: [s1] })
    expect(parseNeighbours({ relays: [], storagePeers: [] })).toEqual({ tabs: [], storage: [] })
  })

  it('refuses what is not a valid description', () => {
    for (const body of ['<html>', {}, { relays: [], storagePeers: [{ multiaddrs: [] }] }, { relays: [], storagePeers: [], peers: [t1, 3] }, { relays: [], storagePeers: [], peers: ['t1'] }]) {
      expect(() => parseNeighbours(body)).toThrow(expect.objectContaining({ name: 'RelayUnavailableError' }))
    }
  })
})

describe('fetchRelayHealth / fetchNeighbours', () => {
  it('fetch from the page origin', async () => {
    const asked: string[] = []
    const fetcher: Fetch = async (url) => { asked.push(String(url)); return new Response(JSON.stringify(String(url).endsWith('/health') ? health : description)) }
    expect((await fetchRelayHealth('http://127.0.0.1:8080/#/network', { fetch: fetcher })).peerId).toBe('relay-id')
    await expect(fetchNeighbours('http://127.0.0.1:8080/', { fetch: fetcher })).resolves.toEqual({ tabs: [], storage: description.storagePeers.map(p => p.peerId) })
    expect(asked).toEqual(['http://127.0.0.1:8080/health', 'http://127.0.0.1:8080/network.json'])
  })

  it('say why the relay\'s status is not available', async () => {
    await expect(fetchRelayHealth('http://x/', { fetch: answer(503, '{}') })).rejects.toMatchObject({ name: 'RelayUnavailableError', message: 'The relay answered /health with HTTP 503' })
    await expect(fetchRelayHealth('http://x/', { fetch: answer(200, '<!doctype html>') })).rejects.toMatchObject({ name: 'RelayUnavailableError', message: '/health is not served by a DataMesh relay here' })
    await expect(fetchRelayHealth('http://x/', { fetch: async () => { throw new TypeError('Failed to fetch') } })).rejects.toMatchObject({ name: 'RelayUnavailableError', message: 'The relay does not answer' })
  })

  it('let an abort through as it is', async () => {
    const aborted: Fetch = async () => { throw new DOMException('stopped', 'AbortError') }
    await expect(fetchNeighbours('http://x/', { fetch: aborted })).rejects.toMatchObject({ name: 'AbortError' })
  })
})
