/** /network.json: the one parser accepts what a relay serves and refuses anything else, naming the field. */
import { describe, expect, it } from 'vitest'
import { NETWORK_MAX_PEERS, parseIceServers, parseNetworkDescription } from '../../src/net/network-description.ts'

const relayId = '12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'
const storageId = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const tab = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'

const valid = {
  relays: [{ multiaddrs: [`/ip4/127.0.0.1/tcp/8081/ws/p2p/${relayId}`], priority: 0 }, { multiaddrs: [`/dns4/relay.example.com/tcp/443/wss/p2p/${relayId}`], priority: 1 }],
  storagePeers: [{ peerId: storageId, multiaddrs: ['/ip4/127.0.0.1/tcp/40001/ws'] }],
  peers: [tab],
  iceServers: [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org', 'turns:turn.example.org:5349'], username: 'u', credential: 'c' }]
}

function refusal (body: unknown): { name: string, message: string, details: { field: string } } {
  try {
    parseNetworkDescription(body)
  } catch (err) {
    return err as { name: string, message: string, details: { field: string } }
  }
  throw new Error('expected a refusal')
}

describe('parseNetworkDescription', () => {
  it('returns a valid description as it is, defaulting the optional lists', () => {
    expect(parseNetworkDescription(valid)).toEqual(valid)
    expect(parseNetworkDescription({ relays: valid.relays, storagePeers: [] })).toEqual({ relays: valid.relays, storagePeers: [], peers: [], iceServers: [] })
  })

  it('ignores fields it does not know (a newer relay may add some)', () => {
    expect(parseNetworkDescription({ ...valid, future: { x: 1 } })).toEqual(valid)
  })

  it.each([
    ['not an object', '<html>', 'the description'],
    ['a list', [], 'the description'],
    ['no relays', { storagePeers: [] }, 'relays'],
    ['no storage peers', { relays: [] }, 'storagePeers'],
    ['a relay address that is not a multiaddr', { ...valid, relays: [{ multiaddrs: ['relay.example.com:443'], priority: 0 }] }, 'relays[0].multiaddrs[0]'],
    ['a relay address that is not a string', { ...valid, relays: [{ multiaddrs: [7], priority: 0 }] }, 'relays[0].multiaddrs[0]'],
    ['a negative priority', { ...valid, relays: [{ multiaddrs: [], priority: -1 }] }, 'relays[0].priority'],
    ['a fractional priority', { ...valid, relays: [{ multiaddrs: [], priority: 0.5 }] }, 'relays[0].priority'],
    ['a storage peer without id', { ...valid, storagePeers: [{ multiaddrs: [] }] }, 'storagePeers[0].peerId'],
    ['a tab id that is not a peer id', { ...valid, peers: ['t1'] }, 'peers[0]'],
    ['a tab id that is a script', { ...valid, peers: ['<script>alert(1)</script>'] }, 'peers[0]'],
    ['too many tabs', { ...valid, peers: new Array(NETWORK_MAX_PEERS + 1).fill(tab) }, 'peers'],
    ['too many addresses', { ...valid, storagePeers: [{ peerId: storageId, multiaddrs: new Array(17).fill('/ip4/127.0.0.1/tcp/1/ws') }] }, 'storagePeers[0].multiaddrs'],
    ['a very long address', { ...valid, storagePeers: [{ peerId: storageId, multiaddrs: [`/dns4/${'a'.repeat(2000)}/tcp/1/ws`] }] }, 'storagePeers[0].multiaddrs[0]'],
    ['an ICE server of another scheme', { ...valid, iceServers: [{ urls: 'https://stun.example.org' }] }, 'iceServers[0].urls'],
    ['an ICE server without urls', { ...valid, iceServers: [{}] }, 'iceServers[0].urls'],
    ['an ICE credential that is not a string', { ...valid, iceServers: [{ urls: 'turn:x', credential: 5 }] }, 'iceServers[0].credential']
  ])('refuses %s', (_what, body, field) => {
    const err = refusal(body)
    expect(err.name).toBe('MalformedDataError')
    expect(err.details.field).toBe(field)
    expect(err.message).toContain(field)
  })

  it('checks ICE servers the same way for the relay configuration', () => {
    expect(parseIceServers([{ urls: 'stun:a' }])).toEqual([{ urls: 'stun:a' }])
    expect(() => parseIceServers({ urls: 'stun:a' })).toThrow(/must be a list/)
  })
})
