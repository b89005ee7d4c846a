/**
 * The network view's graph, laid out without the DOM: this tab in the
 * centre, the peers it is connected to on a ring around it (relays first, at
 * the top), and the relay's other neighbours — tabs holding a reservation and
 * storage peers from /network.json that this tab is not connected to — on an
 * arc outside, centred on that relay.
 *
 * Guarantees (tested): every node lies inside the box, no two nodes overlap,
 * every edge joins two nodes, each peer's kind and link kind are kept, and
 * the same peers give the same picture whatever their order.
 */
import type { NodeKind } from './peers.ts'

export type TopologyNodeKind = 'self' | NodeKind | 'other'
/** how this tab is connected to a peer */
export type LinkKind = 'webrtc' | 'websockets' | 'relayed' | 'other'
/** 'neighbour': the relay's own connection to a peer this tab does not see directly */
export type EdgeKind = LinkKind | 'neighbour'

export interface TopologyInput {
  /** this tab's peer id */
  self: string
  /** connected peers, with the best link to each */
  peers: ReadonlyArray<{ id: string, kind?: NodeKind, link: LinkKind }>
  /** relays this tab knows of, connected or not */
  relays?: readonly string[]
  /** the relay the neighbours below belong to (default: the first relay) */
  hub?: string
  /** the hub's other peers (tabs with reservations, storage peers) */
  neighbours?: { tabs?: readonly string[], storage?: readonly string[] }
}

export interface TopologyNode {
  id: string
  kind: TopologyNodeKind
  x: number
  y: number
  r: number
  /** connected to this tab (the hub's neighbours and unreachable relays are not) */
  connected: boolean
  label: string
  /** whether the label is drawn (crowded rings keep theirs in the tooltip) */
  labelled: boolean
  /** label position and alignment, outside the node */
  lx: number
  ly: number
  anchor: 'start' | 'middle' | 'end'
}

export interface TopologyEdge {
  from: string
  to: string
  kind: EdgeKind
}

export interface Topology {
  width: number
  height: number
  nodes: TopologyNode[]
  edges: TopologyEdge[]
}

const SELF_R = 20
/** the inner ring's smallest radius (px) */
const INNER_MIN = 100
/** radial room between the rings, for labels */
const RING_GAP = 60
/** least space between two nodes' edges; more when their labels are drawn */
const GAP = 8
const LABEL_GAP = 28
/** rings this crowded draw smaller nodes, and no labels */
const CROWDED = 24
const LABELLED_OUTER = 16
/** the outer arc's least angle between neighbours (rad), so a few do not bunch up */
const MIN_SPREAD = 0.3
/** room around the nodes for labels */
const MARGIN_X = 64
const MARGIN_Y = 28
const MIN_WIDTH = 320
const MIN_HEIGHT = 240

const ORDER: Record<TopologyNodeKind, number> = { self: 0, relay: 1, storage: 2, browser: 3, other: 4 }
const byId = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** "…q3Xf9a": peer ids share their head, so the tail tells them apart */
export function nodeLabel (id: string): string {
  return id.length > 7 ? `…${id.slice(-6)}` : id
}

interface Placed { id: string, kind: TopologyNodeKind, connected: boolean, angle: number, radius: number, r: number, labelled: boolean }

/** the radius at which n nodes spaced by `chord` go round a full circle */
const ringRadius = (n: number, chord: number): number => n < 2 ? 0 : chord / (2 * Math.sin(Math.PI / n))

export function layoutTopology (input: TopologyInput): Topology {
  const inner = new Map<string, { kind: TopologyNodeKind, connected: boolean, link?: LinkKind }>()
  const rank = (l: LinkKind): number => ({ webrtc: 0, websockets: 1, other: 2, relayed: 3 })[l]
  for (const p of input.peers) {
    if (p.id === input.self) continue
    const seen = inner.get(p.id)
    if (seen?.link !== undefined && rank(seen.link) <= rank(p.link)) continue
    inner.set(p.id, { kind: p.kind ?? 'other', connected: true, link: p.link })
  }
  for (const id of input.relays ?? []) {
    if (id === input.self) continue
    const seen = inner.get(id)
    if (seen === undefined) inner.set(id, { kind: 'relay', connected: false })
    else seen.kind = 'relay'
  }
  const ring = [...inner.entries()].sort(([a, x], [b, y]) => ORDER[x.kind] - ORDER[y.kind] || byId(a, b))

  const n1 = ring.length
  const r1 = n1 > CROWDED ? 9 : 13
  const labelled1 = n1 <= CROWDED
  const radius1 = Math.max(INNER_MIN, ringRadius(n1, 2 * r1 + (labelled1 ? LABEL_GAP : GAP)))
  const placed: Placed[] = [{ id: input.self, kind: 'self', connected: true, angle: Math.PI / 2, radius: 0, r: SELF_R, labelled: true }]
  ring.forEach(([id, v], i) => {
    placed.push({ id, kind: v.kind, connected: v.connected, angle: -Math.PI / 2 + (2 * Math.PI * i) / n1, radius: radius1, r: r1, labelled: labelled1 })
  })

  const edges: TopologyEdge[] = ring.flatMap(([id, v]) => v.link !== undefined ? [{ from: input.self, to: id, kind: v.link }] : [])

  // the hub's neighbours this tab is not connected to, on an arc outside the hub
  const relays = placed.filter(p => p.kind === 'relay')
  const hub = relays.find(p => p.id === input.hub) ?? relays.find(p => p.connected) ?? relays[0]
  if (hub !== undefined) {
    const known = new Set(placed.map(p => p.id))
    const outer: Array<[string, TopologyNodeKind]> = []
    const add = (ids: readonly string[] | undefined, kind: TopologyNodeKind): void => {
      for (const id of [...new Set(ids ?? [])].sort(byId)) {
        if (known.has(id)) continue
        known.add(id)
        outer.push([id, kind])
      }
    }
    add(input.neighbours?.storage, 'storage')
    add(input.neighbours?.tabs, 'browser')
    const n2 = outer.length
    if (n2 > 0) {
      const r2 = n2 > CROWDED ? 7 : 10
      const labelled2 = n2 <= LABELLED_OUTER
      const chord = 2 * r2 + (labelled2 ? LABEL_GAP : GAP)
      let radius2 = radius1 + r1 + r2 + RING_GAP
      let step = 2 * Math.asin(Math.min(1, chord / (2 * radius2)))
      if (n2 * step > 2 * Math.PI) {
        radius2 = Math.max(radius2, ringRadius(n2, chord))
        step = 2 * Math.PI / n2
      } else {
        step = Math.min(2 * Math.PI / n2, Math.max(step, MIN_SPREAD))
      }
      outer.forEach(([id, kind], i) => {
        placed.push({ id, kind, connected: false, angle: hub.angle + (i - (n2 - 1) / 2) * step, radius: radius2, r: r2, labelled: labelled2 })
        edges.push({ from: hub.id, to: id, kind: 'neighbour' })
      })
    }
  }

  return frame(placed, edges)
}

const round = (v: number): number => Math.round(v * 10) / 10

/** Polar positions into a box that holds every node and its label. */
function frame (placed: Placed[], edges: TopologyEdge[]): Topology {
  const points = placed.map(p => ({ ...p, x: p.radius * Math.cos(p.angle), y: p.radius * Math.sin(p.angle) }))
  const minX = Math.min(...points.map(p => p.x - p.r)) - MARGIN_X
  const maxX = Math.max(...points.map(p => p.x + p.r)) + MARGIN_X
  const minY = Math.min(...points.map(p => p.y - p.r)) - MARGIN_Y
  const maxY = Math.max(...points.map(p => p.y + p.r)) + MARGIN_Y
  const width = Math.ceil(Math.max(MIN_WIDTH, maxX - minX))
  const height = Math.ceil(Math.max(MIN_HEIGHT, maxY - minY))
  // centre the drawing when the box is wider or taller than it needs
  const dx = -minX + (width - (maxX - minX)) / 2
  const dy = -minY + (height - (maxY - minY)) / 2
  const nodes = points.map((p): TopologyNode => {
    const x = round(p.x + dx)
    const y = round(p.y + dy)
    const cos = Math.cos(p.angle)
    const sin = Math.sin(p.angle)
    const out = p.r + 5
    return {
      id: p.id,
      kind: p.kind,
      x,
      y,
      r: p.r,
      connected: p.connected,
      label: p.kind === 'self' ? 'this tab' : nodeLabel(p.id),
      labelled: p.labelled,
      lx: round(x + cos * out),
      ly: round(y + sin * out + (sin > 0.3 ? 10 : sin < -0.3 ? -2 : 4)),
      anchor: p.kind === 'self' ? 'middle' : cos > 0.3 ? 'start' : cos < -0.3 ? 'end' : 'middle'
    }
  })
  return { width, height, nodes, edges }
}

const NOUNS: Record<Exclude<TopologyNodeKind, 'self'>, [string, string]> = {
  relay: ['relay', 'relays'],
  storage: ['storage peer', 'storage peers'],
  browser: ['browser tab', 'browser tabs'],
  other: ['other peer', 'other peers']
}
const count = (n: number, [one, many]: [string, string]): string => `${n} ${n === 1 ? one : many}`

/** The graph in words, for its aria-label. */
export function describeTopology (t: Topology): string {
  const connected = t.nodes.filter(n => n.kind !== 'self' && n.connected)
  const kinds = (list: TopologyNode[]): string[] => (['relay', 'storage', 'browser', 'other'] as const)
    .map(k => [k, list.filter(n => n.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => count(n, NOUNS[k]))
  const links = (k: EdgeKind): number => t.edges.filter(e => e.kind === k).length
  if (connected.length === 0) return 'Network graph: this tab is not connected to any peer.'
  let text = `Network graph: this tab is connected to ${kinds(connected).join(', ')}` +
    ` (${links('webrtc')} direct WebRTC, ${links('websockets')} WebSocket, ${links('relayed')} relayed).`
  const unreachable = t.nodes.filter(n => n.kind === 'relay' && !n.connected)
  if (unreachable.length > 0) text += ` ${count(unreachable.length, ['relay is', 'relays are'])} not connected.`
  const beyond = t.nodes.filter(n => n.kind !== 'relay' && !n.connected)
  if (beyond.length > 0) text += ` The relay also serves ${kinds(beyond).join(' and ')} this tab is not connected to.`
  return text
}
