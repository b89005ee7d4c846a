/** Availability and latency samples from a node's connections (src/net/reputation-monitor.ts), with a fake node and clock. */
import { describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { monitorReputation, type MonitoredNode } from '../../src/net/reputation-monitor.ts'
import { ReputationBook } from '../../src/net/reputation.ts'
import { FakeClock } from '../app/runtime/fake-clock.ts'

const A = '12D3KooWGzpJv3kYqZ4oJmRk7w3nZkdUQsiv9yeoJXsRRVW6Vz3R'
const B = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

class FakeNode implements MonitoredNode {
  readonly target = new EventTarget()
  connections: Array<{ remotePeer: PeerId, status: string, rtt?: number }> = []
  getConnections = (): Array<{ remotePeer: PeerId, status: string, rtt?: number }> => this.connections
  addEventListener = (type: string, l: (e: CustomEvent<PeerId>) => void): void => { this.target.addEventListener(type, l as EventListener) }
  removeEventListener = (type: string, l: (e: CustomEvent<PeerId>) => void): void => { this.target.removeEventListener(type, l as EventListener) }
  emit (type: 'peer:connect' | 'peer:disconnect', peer: string): void { this.target.dispatchEvent(new CustomEvent(type, { detail: peerIdFromString(peer) })) }
}

describe('monitorReputation', () => {
  it('samples on connect and disconnect, then every interval, with the connections\' round trips', async () => {
    const clock = new FakeClock(1_700_000_000_000)
    const book = new ReputationBook({ clock })
    const node = new FakeNode()
    const stop = monitorReputation(node, book, { clock, intervalMs: 10 * 60_000 })
    node.emit('peer:connect', A)
    node.emit('peer:connect', B)
    node.emit('peer:disconnect', B)
    node.connections = [{ remotePeer: peerIdFromString(A), status: 'open', rtt: 40 }, { remotePeer: peerIdFromString(A), status: 'open', rtt: 60 }, { remotePeer: peerIdFromString(B), status: 'closed', rtt: 1 }]
    await clock.advance(60 * 60_000) // six ticks
    expect(book.describe(A)).toMatchObject({ availability: 1, latencyMs: 40 })
    // B: one online sample, then offline at its disconnect and at every tick
    expect(book.describe(B).availability).toBeCloseTo(1 / 8, 6)
    expect(book.describe(B).latencyMs).toBeUndefined()
    stop()
    node.emit('peer:connect', B)
    await clock.advance(60 * 60_000)
    expect(book.describe(B).availability).toBeCloseTo(1 / 8, 6) // stopped: nothing more
    expect(clock.pending).toBe(0) // no timer left behind
  })
})
