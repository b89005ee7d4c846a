/** The network graph's layout: inside its box, no overlaps, edges between nodes, kinds kept, deterministic. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { describeTopology, layoutTopology, type LinkKind, type Topology, type TopologyInput } from '../../../src/app/network/topology.ts'
import type { NodeKind } from '../../../src/app/network/peers.ts'

const SELF = '12D3KooWself'
const id = (n: number): string => `12D3KooW${n.toString(36).padStart(6, '0')}`

const peerArb = fc.record({
  id: fc.integer({ min: 0, max: 400 }).map(id),
  kind: fc.option(fc.constantFrom<NodeKind>('relay', 'storage', 'browser'), { nil: undefined }),
  link: fc.constantFrom<LinkKind>('webrtc', 'websockets', 'relayed', 'other')
})

const inputArb: fc.Arbitrary<TopologyInput> = fc.record({
  self: fc.constant(SELF),
  peers: fc.array(peerArb, { maxLength: 40 }),
  relays: fc.array(fc.integer({ min: 0, max: 400 }).map(id), { maxLength: 3 }),
  neighbours: fc.record({
    tabs: fc.array(fc.integer({ min: 0, max: 400 }).map(id), { maxLength: 80 }),
    storage: fc.array(fc.integer({ min: 0, max: 400 }).map(id), { maxLength: 8 })
  })
}).map(i => ({ ...i, peers: i.peers.map(p => p.kind === undefined ? { id: p.id, link: p.link } : p) }))

function checkGeometry (t: Topology): void {
  for (const n of t.nodes) {
    expect(n.x - n.r).toBeGreaterThanOrEqual(0)
    expect(n.y - n.r).toBeGreaterThanOrEqual(0)
    expect(n.x + n.r).toBeLessThanOrEqual(t.width)
    expect(n.y + n.r).toBeLessThanOrEqual(t.height)
  }
  for (let i = 0; i < t.nodes.length; i++) {
    for (let j = i + 1; j < t.nodes.length; j++) {
      const a = t.nodes[i]!
      const b = t.nodes[j]!
      expect(Math.hypot(a.x - b.x, a.y - b.y), `${a.id} overlaps ${b.id}`).toBeGreaterThanOrEqual(a.r + b.r)
    }
  }
}

describe('layoutTopology', () => {
  it('puts this tab in the centre and its peers around it, relays on top', () => {
    const t = layoutTopology({
      self: SELF,
      peers: [{ id: id(1), kind: 'storage', link: 'websockets' }, { id: id(2), kind: 'relay', link: 'websockets' }, { id: id(3), kind: 'browser', link: 'webrtc' }]
    })
    const self = t.nodes[0]!
    expect(self).toMatchObject({ id: SELF, kind: 'self', label: 'this tab' })
    const relay = t.nodes.find(n => n.kind === 'relay')!
    expect(relay.id).toBe(id(2))
    expect(relay.y).toBeLessThan(self.y)
    expect(Math.abs(relay.x - self.x)).toBeLessThan(1)
    for (const n of t.nodes.slice(1)) expect(Math.hypot(n.x - self.x, n.y - self.y)).toBeCloseTo(Math.hypot(relay.x - self.x, relay.y - self.y), 0)
    checkGeometry(t)
  })

  it('keeps every peer\'s kind and its link kind on the edge from this tab', () => {
    const peers = [
      { id: id(1), kind: 'relay' as const, link: 'websockets' as const },
      { id: id(2), kind: 'storage' as const, link: 'websockets' as const },
      { id: id(3), kind: 'browser' as const, link: 'webrtc' as const },
      { id: id(4), link: 'relayed' as const }
    ]
    const t = layoutTopology({ self: SELF, peers })
    for (const p of peers) {
      expect(t.nodes.find(n => n.id === p.id)).toMatchObject({ kind: p.kind ?? 'other', connected: true })
      expect(t.edges).toContainEqual({ from: SELF, to: p.id, kind: p.link })
    }
    expect(t.edges).toHaveLength(4)
  })

  it('keeps the best link when a peer is listed twice, and never draws this tab as a peer', () => {
    const t = layoutTopology({ self: SELF, peers: [{ id: id(1), link: 'relayed' }, { id: id(1), kind: 'browser', link: 'webrtc' }, { id: SELF, link: 'webrtc' }] })
    expect(t.nodes.map(n => n.id)).toEqual([SELF, id(1)])
    expect(t.edges).toEqual([{ from: SELF, to: id(1), kind: 'webrtc' }])
  })

  it('hangs the relay\'s other peers off the relay, not off this tab', () => {
    const relay = id(1)
    const t = layoutTopology({
      self: SELF,
      peers: [{ id: relay, kind: 'relay', link: 'websockets' }, { id: id(2), kind: 'storage', link: 'websockets' }],
      relays: [relay],
      hub: relay,
      neighbours: { tabs: [SELF, id(3), id(4), id(3)], storage: [id(2), id(5)] }
    })
    // this tab, the peers it is connected to, and duplicates are left out
    const outer = t.nodes.filter(n => !n.connected)
    expect(outer.map(n => [n.id, n.kind])).toEqual([[id(5), 'storage'], [id(3), 'browser'], [id(4), 'browser']])
    for (const n of outer) expect(t.edges).toContainEqual({ from: relay, to: n.id, kind: 'neighbour' })
    // the arc is centred on the relay, above this tab
    const self = t.nodes[0]!
    const middle = outer[1]!
    expect(middle.y).toBeLessThan(t.nodes.find(n => n.id === relay)!.y)
    expect(Math.abs(middle.x - self.x)).toBeLessThan(1)
    checkGeometry(t)
  })

  it('shows a known relay this tab is not connected to, without an edge', () => {
    const t = layoutTopology({ self: SELF, peers: [], relays: [id(9)], neighbours: { tabs: [id(3)] } })
    expect(t.nodes.find(n => n.id === id(9))).toMatchObject({ kind: 'relay', connected: false })
    expect(t.edges).toEqual([{ from: id(9), to: id(3), kind: 'neighbour' }])
  })

  it('drops the neighbours when no relay is known (no edge to nowhere)', () => {
    const t = layoutTopology({ self: SELF, peers: [{ id: id(1), kind: 'browser', link: 'webrtc' }], neighbours: { tabs: [id(2)], storage: [id(3)] } })
    expect(t.nodes.map(n => n.id)).toEqual([SELF, id(1)])
  })

  it('draws this tab alone in a box of its own', () => {
    const t = layoutTopology({ self: SELF, peers: [] })
    expect(t.nodes).toHaveLength(1)
    expect(t.edges).toEqual([])
    checkGeometry(t)
  })

  it('holds every node inside the box, none overlapping, every edge between two nodes (property)', () => {
    fc.assert(fc.property(inputArb, input => {
      const t = layoutTopology(input)
      checkGeometry(t)
      const ids = new Set(t.nodes.map(n => n.id))
      expect(ids.size).toBe(t.nodes.length)
      for (const e of t.edges) {
        expect(ids.has(e.from)).toBe(true)
        expect(ids.has(e.to)).toBe(true)
        expect(e.from).not.toBe(e.to)
      }
      // every connected peer is drawn, with an edge from this tab
      for (const p of input.peers) {
        if (p.id === SELF) continue
        expect(t.edges.some(e => e.from === SELF && e.to === p.id)).toBe(true)
      }
    }), { numRuns: 150 })
  })

  it('gives the same picture for the same peers, whatever their order (property)', () => {
    fc.assert(fc.property(inputArb, fc.integer(), (input, seed) => {
      const shuffle = <T>(list: readonly T[]): T[] => [...list].map((v, i) => ({ v, k: (i * 7919 + seed) % 101 })).sort((a, b) => a.k - b.k).map(x => x.v)
      // with a peer listed twice the best link wins either way; keep one entry per id for a fair comparison
      const peers = [...new Map(input.peers.map(p => [p.id, p])).values()]
      const a = layoutTopology({ ...input, peers })
      const b = layoutTopology({
        ...input,
        peers: shuffle(peers),
        relays: shuffle(input.relays ?? []),
        neighbours: { tabs: shuffle(input.neighbours?.tabs ?? []), storage: shuffle(input.neighbours?.storage ?? []) }
      })
      expect(b.width).toBe(a.width)
      expect(b.height).toBe(a.height)
      expect([...b.nodes].sort((x, y) => x.id < y.id ? -1 : 1)).toEqual([...a.nodes].sort((x, y) => x.id < y.id ? -1 : 1))
      expect(new Set(b.edges.map(e => JSON.stringify(e)))).toEqual(new Set(a.edges.map(e => JSON.stringify(e))))
    }), { numRuns: 100 })
    const input: TopologyInput = { self: SELF, peers: [{ id: id(1), kind: 'relay', link: 'websockets' }], relays: [id(1)], neighbours: { tabs: [id(2), id(3)] } }
    expect(layoutTopology(input)).toEqual(layoutTopology(input))
  })

  it('keeps labels for rings that have room, and hides them on crowded ones', () => {
    const few = layoutTopology({ self: SELF, peers: [{ id: id(1), kind: 'relay', link: 'websockets' }], neighbours: { tabs: [id(2)] } })
    expect(few.nodes.every(n => n.labelled)).toBe(true)
    expect(few.nodes.find(n => n.id === id(2))?.label).toBe(`…${id(2).slice(-6)}`)
    const crowd = layoutTopology({ self: SELF, peers: [{ id: id(1), kind: 'relay', link: 'websockets' }], neighbours: { tabs: Array.from({ length: 60 }, (_, i) => id(100 + i)) } })
    expect(crowd.nodes.filter(n => !n.connected).every(n => !n.labelled)).toBe(true)
    checkGeometry(crowd)
  })
})

describe('describeTopology', () => {
  it('sums up the graph in words', () => {
    const relay = id(1)
    const t = layoutTopology({
      self: SELF,
      peers: [{ id: relay, kind: 'relay', link: 'websockets' }, { id: id(2), kind: 'storage', link: 'websockets' }, { id: id(3), kind: 'browser', link: 'webrtc' }, { id: id(4), kind: 'browser', link: 'relayed' }],
      relays: [relay, id(8)],
      neighbours: { tabs: [id(5), id(6)], storage: [id(7)] }
    })
    expect(describeTopology(t)).toBe(
      'Network graph: this tab is connected to 1 relay, 1 storage peer, 2 browser tabs (1 direct WebRTC, 2 WebSocket, 1 relayed).' +
      ' 1 relay is not connected. The relay also serves 1 storage peer and 2 browser tabs this tab is not connected to.')
  })

  it('says when this tab is alone', () => {
    expect(describeTopology(layoutTopology({ self: SELF, peers: [] }))).toBe('Network graph: this tab is not connected to any peer.')
  })
})
