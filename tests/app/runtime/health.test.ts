/** datamesh.health(): what a snapshot of the node means. */
import { describe, expect, it } from 'vitest'
import { describeHealth, type HealthSnapshot } from '../../../src/app/runtime/health.ts'
import type { PeerSummary } from '../../../src/api/types.ts'

const RELAY = '12D3KooWRelayRelayRelay'
const OTHER_RELAY = '12D3KooWOtherRelay'
const conn = (peerId: string, direct: boolean, role: PeerSummary['role']): PeerSummary =>
  ({ peerId, direct, role, transport: direct ? 'websockets' : 'relayed', remoteAddr: `/ip4/127.0.0.1/tcp/1/ws/p2p/${peerId}` })

function snapshot (change: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    peerId: '12D3KooWSelf',
    startedAt: 1000,
    now: 61_000,
    unlocked: true,
    multiaddrs: [`/ip4/127.0.0.1/tcp/8081/ws/p2p/${RELAY}/p2p-circuit/p2p/12D3KooWSelf`],
    connections: [conn(RELAY, true, 'relay'), conn('S1', true, 'storage'), conn('S2', true, 'storage'), conn('T1', false, 'peer')],
    relayAddrs: [`/ip4/127.0.0.1/tcp/8081/ws/p2p/${RELAY}`, `/dns4/relay.test/tcp/443/wss/p2p/${RELAY}`, `/ip4/10.0.0.1/tcp/8081/ws/p2p/${OTHER_RELAY}`],
    store: { bytes: 5e6, count: 3, quota: 1e9, persisted: false },
    coding: { k: 4, m: 2 },
    indexBackup: { state: 'idle', failures: 0 },
    ...change
  }
}

describe('describeHealth', () => {
  it('describes the node from its snapshot', () => {
    expect(describeHealth(snapshot())).toEqual({
      peerId: '12D3KooWSelf',
      uptime: 60_000,
      unlocked: true,
      reachable: true,
      relays: [{ peerId: RELAY, connected: true }, { peerId: OTHER_RELAY, connected: false }],
      connections: { total: 4, direct: 3, relayed: 1 },
      dataPeers: 2,
      wanted: 6,
      storage: { used: 5e6, shards: 3, quota: 1e9, persisted: false },
      multiaddrs: [`/ip4/127.0.0.1/tcp/8081/ws/p2p/${RELAY}/p2p-circuit/p2p/12D3KooWSelf`],
      indexBackup: { state: 'idle', failures: 0 }
    })
  })

  it('is reachable only through a circuit address', () => {
    expect(describeHealth(snapshot({ multiaddrs: ['/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWSelf'] })).reachable).toBe(false)
    expect(describeHealth(snapshot({ multiaddrs: [] })).reachable).toBe(false)
  })

  it('counts each data peer once, direct only, relays excluded', () => {
    const connections = [conn('S1', true, 'storage'), conn('S1', true, 'storage'), conn('T1', true, 'peer'), conn('T2', false, 'peer'), conn(RELAY, true, 'relay')]
    expect(describeHealth(snapshot({ connections })).dataPeers).toBe(2)
  })

  it('ignores relay addresses that name no peer, and a clock that went back', () => {
    const h = describeHealth(snapshot({ relayAddrs: ['/ip4/127.0.0.1/tcp/8081/ws', `/ip4/127.0.0.1/tcp/8081/ws/p2p/${RELAY}`], now: 0 }))
    expect(h.relays).toEqual([{ peerId: RELAY, connected: true }])
    expect(h.uptime).toBe(0)
  })

  it('passes the index backup state on, failures included', () => {
    const indexBackup = { state: 'failed' as const, failures: 2, lastError: { name: 'InsufficientPeersError', message: 'no DHT server' }, nextAttemptAt: 90_000 }
    expect(describeHealth(snapshot({ indexBackup })).indexBackup).toEqual(indexBackup)
  })
})
