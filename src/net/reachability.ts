/**
 * When a node behind a relay becomes reachable: as soon as it listens on a
 * `/p2p-circuit` address, i.e. a relay holds a reservation for it.
 *
 * libp2p announces a new listening address at once ('transport:listening'),
 * but its 'self:peer:update' event is debounced by a second (the address
 * manager waits for more changes before it updates the peer store), so
 * waiting for that event alone costs about a second for nothing.
 */

/** The slice of a libp2p node this needs. */
export interface ListeningNode {
  getMultiaddrs: () => Array<{ toString: () => string }>
  addEventListener: (type: 'transport:listening' | 'self:peer:update', listener: () => void) => void
  removeEventListener: (type: 'transport:listening' | 'self:peer:update', listener: () => void) => void
}

/** Whether the node listens on a relayed (circuit) address now. */
export function hasRelayAddress (node: Pick<ListeningNode, 'getMultiaddrs'>): boolean {
  return node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit/'))
}

/**
 * Resolves true as soon as the node has a circuit address, or with whether
 * it has one after `timeout` ms (or when `signal` aborts).
 */
export async function relayReachable (node: ListeningNode, timeout: number, signal?: AbortSignal): Promise<boolean> {
  if (hasRelayAddress(node)) return true
  return await new Promise<boolean>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      node.removeEventListener('transport:listening', check)
      node.removeEventListener('self:peer:update', check)
      signal?.removeEventListener('abort', done)
      resolve(hasRelayAddress(node))
    }
    const check = (): void => { if (hasRelayAddress(node)) done() }
    const timer = setTimeout(done, timeout)
    node.addEventListener('transport:listening', check)
    node.addEventListener('self:peer:update', check)
    signal?.addEventListener('abort', done, { once: true })
  })
}
