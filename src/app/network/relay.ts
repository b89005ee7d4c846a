/**
 * What the serving relay publishes about itself over HTTP, read defensively:
 * `/health` (its peer id, addresses, uptime, connections, reservations and
 * its storage peers' usage) and `/network.json` (the tabs holding a
 * reservation and the storage peers, the relay's neighbours in the graph).
 * A page served by something else (a dev server answering with HTML) gives
 * a RelayUnavailableError, which the view shows as a message.
 */
import { parseNetworkDescription } from '../../net/network-description.ts'

export interface RelayStoragePeer {
  peerId: string
  used: number
  shards: number
  quota: number
}

export interface RelayHealth {
  peerId: string
  multiaddrs: string[]
  /** ms */
  uptime: number
  connections: number
  reservations: number
  storagePeers: RelayStoragePeer[]
  /** bytes kept by all its storage peers */
  storageUsed: number
}

export interface RelayNeighbours {
  /** tabs holding a reservation on the relay */
  tabs: string[]
  storage: string[]
}

export class RelayUnavailableError extends Error {
  static override name = 'RelayUnavailableError'
  constructor (message = 'The relay\'s status is not available from this page') {
    super(message)
    this.name = 'RelayUnavailableError'
  }
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number => typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0
const strings = (v: unknown): string[] => Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []

export function parseRelayHealth (body: unknown): RelayHealth {
  if (!isObject(body) || typeof body.peerId !== 'string') throw new RelayUnavailableError('The relay answered /health with something else than its status')
  const peers = Array.isArray(body.storagePeers) ? body.storagePeers.filter(isObject) : []
  return {
    peerId: body.peerId,
    multiaddrs: strings(body.multiaddrs),
    uptime: num(body.uptimeSeconds) * 1000,
    connections: num(body.connections),
    reservations: num(body.reservations),
    storagePeers: peers.filter(p => typeof p.peerId === 'string').map(p => ({ peerId: p.peerId as string, used: num(p.used), shards: num(p.shards), quota: num(p.quota) })),
    storageUsed: num(body.storageUsed)
  }
}

export function parseNeighbours (body: unknown): RelayNeighbours {
  let description
  try {
    description = parseNetworkDescription(body)
  } catch (err) {
    throw new RelayUnavailableError(`The relay answered /network.json with something else than its description (${(err as Error).message})`)
  }
  return { tabs: description.peers, storage: description.storagePeers.map(p => p.peerId) }
}

export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>

async function getJson (fetcher: Fetch, url: URL, signal?: AbortSignal): Promise<unknown> {
  let res: Response
  try {
    res = await fetcher(url, { cache: 'no-store', ...(signal !== undefined ? { signal } : {}) })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new RelayUnavailableError('The relay does not answer')
  }
  if (!res.ok) throw new RelayUnavailableError(`The relay answered ${url.pathname} with HTTP ${res.status}`)
  try {
    return await res.json()
  } catch {
    throw new RelayUnavailableError(`${url.pathname} is not served by a DataMesh relay here`)
  }
}

export async function fetchRelayHealth (origin: string, options: { fetch?: Fetch, signal?: AbortSignal } = {}): Promise<RelayHealth> {
  return parseRelayHealth(await getJson(options.fetch ?? fetch, new URL('/health', origin), options.signal))
}

export async function fetchNeighbours (origin: string, options: { fetch?: Fetch, signal?: AbortSignal } = {}): Promise<RelayNeighbours> {
  return parseNeighbours(await getJson(options.fetch ?? fetch, new URL('/network.json', origin), options.signal))
}
