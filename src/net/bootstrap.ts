/**
 * Bootstrap with priority and fallback: dial every peer of the best
 * priority at once; only when none of them answers, try the next priority.
 * While running, keep at least one bootstrap connection: when the last one
 * drops (a relay restarts), redial with exponential backoff, so tabs rejoin a
 * restarted relay by themselves.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import type { BootstrapPeer } from './options.ts'

export interface BootstrapOptions {
  /** per-dial timeout, ms */
  dialTimeout?: number
  /** first and longest redial delay, ms */
  minBackoff?: number
  maxBackoff?: number
  onConnected?: (peer: BootstrapPeer) => void
}

/** Dial the bootstrap list in priority order; resolves with the peers reached (maybe none). */
export async function dialBootstrap (node: Libp2p, peers: BootstrapPeer[], options: BootstrapOptions = {}): Promise<BootstrapPeer[]> {
  const groups = new Map<number, BootstrapPeer[]>()
  for (const p of peers) {
    const prio = p.priority ?? 0
    groups.set(prio, [...(groups.get(prio) ?? []), p])
  }
  for (const prio of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(prio) as BootstrapPeer[]
    const results = await Promise.allSettled(group.map(async p => {
      await node.dial(multiaddr(p.multiaddr), { signal: AbortSignal.timeout(options.dialTimeout ?? 10_000) })
      options.onConnected?.(p)
      return p
    }))
    const reached = results.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
    if (reached.length > 0) return reached
  }
  return []
}

/** Keeps the node connected to its bootstrap peers; returns a stop function. */
export function keepBootstrapped (node: Libp2p, peers: BootstrapPeer[], options: BootstrapOptions = {}): () => void {
  const ids = new Set(peers.flatMap(p => { const id = peerIdOf(p.multiaddr); return id === undefined ? [] : [id] }))
  const min = options.minBackoff ?? 500
  const max = options.maxBackoff ?? 30_000
  let delay = min
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const connected = (): boolean => node.getConnections().some(c => ids.has(c.remotePeer.toString()) && c.status === 'open')

  const attempt = async (): Promise<void> => {
    timer = undefined
    if (stopped || connected()) return
    const reached = await dialBootstrap(node, peers, options).catch(() => [])
    if (stopped) return
    if (reached.length > 0) { delay = min; return }
    delay = Math.min(max, delay * 2)
    schedule()
  }
  const schedule = (): void => {
    if (timer === undefined && !stopped) timer = setTimeout(() => { void attempt() }, delay)
  }
  const onDisconnect = (evt: CustomEvent): void => {
    if (ids.has(String(evt.detail)) && !connected()) schedule()
  }
  node.addEventListener('peer:disconnect', onDisconnect)
  void attempt()
  return () => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    node.removeEventListener('peer:disconnect', onDisconnect)
  }
}

/** The peer id of a multiaddr's last /p2p/ component. */
export function peerIdOf (addr: string): string | undefined {
  const parts = addr.split('/p2p/')
  return parts.length > 1 ? parts.at(-1)?.split('/')[0] : undefined
}

/**
 * Keep a connection to every one of `peers` (not just one, as for
 * bootstrapping): each is redialled with its own backoff when it drops.
 */
export function keepConnected (node: Libp2p, peers: BootstrapPeer[], options: BootstrapOptions = {}): () => void {
  const stops = peers.map(p => keepBootstrapped(node, [p], options))
  return () => { for (const stop of stops) stop() }
}
