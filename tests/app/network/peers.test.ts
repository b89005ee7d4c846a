/** Connections joined with the mesh's peer descriptions, one row per peer. */
import { describe, expect, it } from 'vitest'
import { bandwidthTargets, mergePeers } from '../../../src/app/network/peers.ts'
import type { PeerSummary } from '../../../src/app/runtime/peers.ts'

const conn = (peerId: string, transport: PeerSummary['transport'], role: PeerSummary['role'] = 'peer'): PeerSummary =>
  ({ peerId, transport, direct: transport !== 'relayed', remoteAddr: `/addr/${transport}/${peerId}`, role })

describe('mergePeers', () => {
  it('makes one row per peer, direct when any connection is, with the best transport', () => {
    const rows = mergePeers([conn('tab', 'relayed'), conn('tab', 'webrtc'), conn('other', 'relayed')], [])
    expect(rows).toHaveLength(2)
    const tab = rows.find(r => r.peerId === 'tab')
    expect(tab).toMatchObject({ direct: true, transport: 'webrtc', remoteAddr: '/addr/webrtc/tab' })
    expect(rows.find(r => r.peerId === 'other')).toMatchObject({ direct: false, transport: 'relayed' })
  })

  it('takes node type, free space and latency from the description, the kind from the role otherwise', () => {
    const rows = mergePeers(
      [conn('r', 'websockets', 'relay'), conn('s', 'websockets', 'storage'), conn('t', 'webrtc'), conn('u', 'webrtc')],
      [{ peerId: 't', nodeType: 'browser', free: 1000, latency: 12 }, { peerId: 's', latency: 3 }, { peerId: 'gone', nodeType: 'storage' }]
    )
    expect(rows.map(r => r.peerId)).toEqual(['r', 's', 't', 'u'])
    expect(rows[0]).toMatchObject({ kind: 'relay' })
    expect(rows[0]?.latency).toBeUndefined()
    expect(rows[1]).toMatchObject({ kind: 'storage', latency: 3 })
    expect(rows[1]?.free).toBeUndefined()
    expect(rows[2]).toMatchObject({ kind: 'browser', free: 1000, latency: 12 })
    // nothing said what u is: no guess
    expect(rows[3]?.kind).toBeUndefined()
  })

  it('orders relays, storage, tabs, then unknown peers, each by id', () => {
    const rows = mergePeers([conn('b', 'webrtc'), conn('z', 'websockets', 'storage'), conn('a', 'webrtc'), conn('y', 'websockets', 'relay'), conn('c', 'webrtc')],
      [{ peerId: 'c', nodeType: 'browser' }, { peerId: 'a', nodeType: 'browser' }])
    expect(rows.map(r => r.peerId)).toEqual(['y', 'z', 'a', 'c', 'b'])
  })
})

describe('bandwidthTargets', () => {
  it('keeps direct connections to peers other than relays', () => {
    const rows = mergePeers([conn('r', 'websockets', 'relay'), conn('s', 'websockets', 'storage'), conn('t', 'webrtc'), conn('v', 'relayed')], [])
    expect(bandwidthTargets(rows).map(r => r.peerId)).toEqual(['s', 't'])
  })
})
