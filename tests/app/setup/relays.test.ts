import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { base36 } from 'multiformats/bases/base36'
import { sha256 } from 'multiformats/hashes/sha2'
import { create as createDigest } from 'multiformats/hashes/digest'
import {
  byPriority, checkRelayAddress, isPeerId, isPriority, moveRow, newRow, relayListProblem, relayRowProblems, relaysToRows, rowsToRelays, servedRelays, type RelayRow
} from '../../../src/app/setup/relays.ts'

const generated = await generateKeyPair('Ed25519')
const peer = peerIdFromPrivateKey(generated).toString()
const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const row = (multiaddr: string, priority = 0, id = Math.random()): RelayRow => ({ id, multiaddr, priority })

describe('isPeerId', () => {
  it('reads the forms libp2p prints: base58 multihash and CIDv1 libp2p-key', () => {
    const id = peerIdFromPrivateKey(generated)
    expect(isPeerId(id.toString())).toBe(true)
    expect(isPeerId('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')).toBe(true)
    expect(isPeerId(id.toCID().toString())).toBe(true)
    expect(isPeerId(id.toCID().toString(base36))).toBe(true)
  })

  it('refuses what is not one', async () => {
    expect(isPeerId('')).toBe(false)
    expect(isPeerId('garbage')).toBe(false)
    expect(isPeerId(peer.slice(0, -1))).toBe(false)
    expect(isPeerId(peer + '1')).toBe(false)
    // a CID of raw data, not of a key
    expect(isPeerId(CID.createV1(0x55, await sha256.digest(new Uint8Array([1]))).toString())).toBe(false)
    // an identity multihash too long to be an inlined key
    expect(isPeerId(CID.createV1(0x72, createDigest(0x00, new Uint8Array(64))).toString())).toBe(false)
  })
})

describe('checkRelayAddress', () => {
  it.each([
    `/dns4/relay.example.com/tcp/443/wss/p2p/${peer}`,
    `/dns/relay.example.com/tcp/443/tls/ws/p2p/${peer}`,
    `/dns/relay.example.com/tcp/443/tls/sni/relay.example.com/ws/p2p/${peer}`,
    `/ip4/127.0.0.1/tcp/9090/ws/p2p/${peer}`,
    `/ip6/::1/tcp/9090/ws/p2p/${peer}`,
    `  /dns6/relay.example.com/tcp/443/wss/p2p/${peer}  `,
    `/dns4/relay.example.com/tcp/443/wss/p2p/${peerIdFromPrivateKey(generated).toCID().toString()}`
  ])('accepts %s', (addr) => {
    const check = checkRelayAddress(addr)
    expect(check.ok).toBe(true)
    if (check.ok) {
      expect(check.peerId).toBe(addr.trim().split('/p2p/').at(-1))
      expect(check.multiaddr).toBe(addr.trim())
      expect(check.warning).toBeUndefined()
    }
  })

  it('accepts plain /ws on a public host with a warning', () => {
    const check = checkRelayAddress(`/ip4/1.1.1.1/tcp/80/ws/p2p/${peer}`)
    expect(check.ok).toBe(true)
    expect(check.ok && check.warning).toMatch(/wss/)
  })

  it.each([
    ['empty', '', /Enter/],
    ['garbage', 'relay.example.com:443', /not a valid multiaddr/],
    ['a bad IPv4 address', `/ip4/999.1.1.1/tcp/443/wss/p2p/${peer}`, /not a valid multiaddr/],
    ['a peer id that is not one', '/dns4/relay.example.com/tcp/443/wss/p2p/garbage', /not a valid multiaddr/],
    ['a truncated peer id', `/dns4/relay.example.com/tcp/443/wss/p2p/${peer.slice(0, 20)}`, /not a valid (multiaddr|peer id)/],
    ['no /p2p', '/dns4/relay.example.com/tcp/443/wss', /\/p2p\//],
    ['tcp only', `/ip4/203.0.113.7/tcp/4001/p2p/${peer}`, /WebSockets/],
    ['QUIC', `/ip4/203.0.113.7/udp/4001/quic-v1/p2p/${peer}`, /TCP port/],
    ['WebRTC direct', `/ip4/203.0.113.7/udp/4001/webrtc-direct/p2p/${peer}`, /TCP port/],
    ['no host', `/tcp/443/wss/p2p/${peer}`, /host/],
    ['a relayed address', `/dns4/relay.example.com/tcp/443/wss/p2p/${peer}/p2p-circuit/p2p/${other}`, /p2p-circuit/],
    ['a trailing component', `/dns4/relay.example.com/tcp/443/wss/p2p/${peer}/webrtc`, /\/p2p\//]
  ])('refuses %s', (_what, addr, reason) => {
    const check = checkRelayAddress(addr)
    expect(check.ok).toBe(false)
    if (!check.ok) expect(check.reason).toMatch(reason)
  })
})

describe('relay rows', () => {
  const a = `/dns4/a.example.com/tcp/443/wss/p2p/${peer}`
  const b = `/dns4/b.example.com/tcp/443/wss/p2p/${other}`

  it('flag duplicates, bad priorities and bad addresses per row', () => {
    expect(relayRowProblems([row(a), row(b, 1), row(a, 2), row(b, -1), row(b, 1.5), row('nope')])).toEqual([
      null, null, 'This relay is listed twice', expect.stringMatching(/priority/), expect.stringMatching(/priority/), expect.stringMatching(/multiaddr/)
    ])
  })

  it('a custom list needs one relay and no problem', () => {
    expect(relayListProblem([])).toMatch(/at least one/)
    expect(relayListProblem([row(a), row('')])).toMatch(/^Relay 2: /)
    expect(relayListProblem([row(a), row(b, 1)])).toBeNull()
  })

  it('priorities are whole numbers from 0', () => {
    expect([0, 1, 10].every(isPriority)).toBe(true)
    expect([-1, 0.5, Number.NaN, '1', null, undefined].some(isPriority)).toBe(false)
  })

  it('are saved tried-first first, equal priorities in list order, trimmed', () => {
    const rows = [row(` ${b} `, 2, 1), row(a, 0, 2), row('/x', 2, 3), row('/y', 1, 4)]
    expect(rowsToRelays(rows)).toEqual([
      { multiaddr: a, priority: 0 }, { multiaddr: '/y', priority: 1 }, { multiaddr: b, priority: 2 }, { multiaddr: '/x', priority: 2 }
    ])
    expect(byPriority([{ priority: 1 }, {}, { priority: 0 }])).toEqual([{}, { priority: 0 }, { priority: 1 }])
  })

  it('round-trip through settings', () => {
    const relays = [{ multiaddr: b, priority: 3 }, { multiaddr: a, priority: 1 }, { multiaddr: '/z' }]
    const rows = relaysToRows(relays)
    expect(rows.map(r => r.multiaddr)).toEqual(['/z', a, b])
    expect(new Set(rows.map(r => r.id)).size).toBe(3)
    expect(rowsToRelays(rows)).toEqual([{ multiaddr: '/z', priority: 0 }, { multiaddr: a, priority: 1 }, { multiaddr: b, priority: 3 }])
  })

  it('a new row comes after every other', () => {
    expect(newRow([]).priority).toBe(0)
    expect(newRow([row(a, 4), row(b, 2)]).priority).toBe(5)
    expect(newRow([row(a, 4), row(b, Number.NaN)]).priority).toBe(5)
  })

  it('moving a row trades places and priorities, so the list stays in trying order', () => {
    const rows = [row(a, 0, 1), row(b, 1, 2), row('/c', 2, 3)]
    const up = moveRow(rows, 2, -1)
    expect(up.map(r => r.id)).toEqual([1, 3, 2])
    expect(up.map(r => r.priority)).toEqual([0, 1, 2])
    expect(rowsToRelays(up).map(r => r.multiaddr)).toEqual([a, '/c', b])
    const down = moveRow(rows, 0, 1)
    expect(down.map(r => r.id)).toEqual([2, 1, 3])
    expect(moveRow(rows, 0, -1)).toEqual(rows)
    expect(moveRow(rows, 2, 1)).toEqual(rows)
  })
})

describe('servedRelays', () => {
  it('reads /network.json relays, lowest priority first, and refuses a description that is not valid', () => {
    const a = '/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'
    const b = '/dns4/relay.example.com/tcp/443/wss/p2p/12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'
    expect(servedRelays({ relays: [{ multiaddrs: [b], priority: 1 }, { multiaddrs: [a], priority: 0 }], storagePeers: [] }))
      .toEqual([{ multiaddrs: [a], priority: 0 }, { multiaddrs: [b], priority: 1 }])
    for (const junk of [null, { relays: 'x', storagePeers: [] }, { relays: [{ multiaddrs: [a, 7], priority: 0 }], storagePeers: [] }, { relays: [{ priority: 2 }], storagePeers: [] }]) {
      expect(() => servedRelays(junk)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    }
  })
})
