/**
 * Feeds a reputation book (./reputation.ts) what a libp2p node sees of its
 * peers: an online sample when a peer connects, an offline one when its last
 * connection closes, and every `intervalMs` a sample of every tracked peer
 * (online when connected, offline when it was seen online within the
 * window) together with each open connection's measured round trip (libp2p's
 * connection monitor sets `rtt`). Used by every node: tabs, storage peers
 * and the relay.
 */
import type { PeerId } from '@libp2p/interface'
import { REPUTATION, systemReputationClock, type ReputationBook, type ReputationClock } from './reputation.ts'

/** The slice of a libp2p node the monitor uses. */
export interface MonitoredNode {
  getConnections: () => Array<{ remotePeer: PeerId, status: string, rtt?: number }>
  addEventListener: (type: 'peer:connect' | 'peer:disconnect', listener: (event: CustomEvent<PeerId>) => void) => void
  removeEventListener: (type: 'peer:connect' | 'peer:disconnect', listener: (event: CustomEvent<PeerId>) => void) => void
}

export interface ReputationMonitorOptions {
  /** ms between samples of every tracked peer (default REPUTATION.sampleIntervalMs) */
  intervalMs?: number
  clock?: ReputationClock
}

/** Start sampling; returns the function that stops it. */
export function monitorReputation (node: MonitoredNode, book: ReputationBook, options: ReputationMonitorOptions = {}): () => void {
  const clock = options.clock ?? systemReputationClock
  const intervalMs = options.intervalMs ?? REPUTATION.sampleIntervalMs
  const onConnect = (event: CustomEvent<PeerId>): void => { book.sampleAvailability(event.detail.toString(), true) }
  const onDisconnect = (event: CustomEvent<PeerId>): void => { book.sampleAvailability(event.detail.toString(), false) }
  node.addEventListener('peer:connect', onConnect)
  node.addEventListener('peer:disconnect', onDisconnect)
  let stopped = false
  let timer: unknown
  const tick = (): void => {
    if (stopped) return
    const connected = new Set<string>()
    for (const c of node.getConnections()) {
      if (c.status !== 'open') continue
      const peer = c.remotePeer.toString()
      if (!connected.has(peer) && c.rtt !== undefined && c.rtt >= 0) book.recordLatency(peer, c.rtt)
      connected.add(peer)
    }
    book.sampleAll(connected)
    timer = clock.setTimeout(tick, intervalMs)
  }
  timer = clock.setTimeout(tick, intervalMs)
  return () => {
    stopped = true
    clock.clearTimeout(timer)
    node.removeEventListener('peer:connect', onConnect)
    node.removeEventListener('peer:disconnect', onDisconnect)
  }
}
