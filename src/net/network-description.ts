/**
 * `/network.json`: what a relay tells a browser so it can join. One type and
 * one validating parser, used by the relay that serves it (relay/mesh.ts)
 * and by every reader (the tab's runtime, the wizard, the network view).
 *
 *   {
 *     relays:       [{ multiaddrs: [<multiaddr>, ...], priority: <whole number, lower first> }, ...],
 *     storagePeers: [{ peerId, multiaddrs: [<multiaddr>, ...] }, ...],
 *     peers:        [<peer id>, ...]   tabs holding a reservation on the relay (optional; default [])
 *     iceServers:   [RTCIceServer, ...] (optional; default [])
 *   }
 *
 * Every list and string is bounded (the constants below); multiaddrs must
 * parse; peer ids must look like peer ids (base58btc or a base32/base36
 * CID; a dial checks them fully); ICE server URLs must use one of the
 * STUN or TURN schemes (RFC 7064, RFC 7065: stun, stuns, turn, turns). Fields this version does not know are ignored, so a
 * newer relay can add some. Anything else is a MalformedDataError naming
 * the field.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { MalformedDataError } from '../core/errors.ts'

export interface ServedRelay {
  multiaddrs: string[]
  /** lower is tried first; equal priorities in parallel */
  priority: number
}

export interface ServedStoragePeer {
  peerId: string
  multiaddrs: string[]
}

export interface NetworkDescription {
  relays: ServedRelay[]
  storagePeers: ServedStoragePeer[]
  /** tabs holding a reservation on the relay (reachable through it) */
  peers: string[]
  iceServers: RTCIceServer[]
}

export const NETWORK_MAX_RELAYS = 16
export const NETWORK_MAX_STORAGE_PEERS = 64
/** tabs listed: enough to find direct peers, few enough to fetch every 30 s */
export const NETWORK_MAX_PEERS = 64
export const NETWORK_MAX_ICE_SERVERS = 16
export const NETWORK_MAX_ADDRS = 16
const MAX_ADDR_CHARS = 1024
const MAX_PEER_ID_CHARS = 128
const MAX_ICE_TEXT = 1024

/** base58btc (Ed25519 "12D3Koo…", RSA "Qm…") or a CIDv1 in base32 ("b…") or base36 ("k…") */
const PEER_ID = /^(?:[1Q][1-9A-HJ-NP-Za-km-z]{40,}|b[a-z2-7]{50,}|k[0-9a-z]{45,})$/

type Json = Record<string, unknown>

function fail (path: string, what: string): never {
  throw new MalformedDataError(`/network.json: ${path} ${what}`, { field: path })
}

function object (v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object')
  return v as Json
}

function array (v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'must be a list')
  if (v.length > max) fail(path, `has more than ${max} items`)
  return v
}

function text (v: unknown, path: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) fail(path, `must be a non-empty string of at most ${max} characters`)
  return v
}

function peerId (v: unknown, path: string): string {
  const id = text(v, path, MAX_PEER_ID_CHARS)
  if (!PEER_ID.test(id)) fail(path, 'is not a peer id')
  return id
}

function addrs (v: unknown, path: string): string[] {
  return array(v, path, NETWORK_MAX_ADDRS).map((a, i) => {
    const s = text(a, `${path}[${i}]`, MAX_ADDR_CHARS)
    try {
      void multiaddr(s).bytes
    } catch {
      fail(`${path}[${i}]`, 'is not a multiaddr')
    }
    return s
  })
}

function iceUrl (v: unknown, path: string): string {
  const s = text(v, path, MAX_ICE_TEXT)
  if (!/^(stun|stuns|turn|turns):/i.test(s)) fail(path, 'must be a stun:, stuns:, turn: or turns: URL')
  return s
}

/** One ICE server as RTCPeerConnection takes it; MalformedDataError otherwise. */
export function parseIceServer (v: unknown, path = 'iceServer'): RTCIceServer {
  const o = object(v, path)
  const urls = Array.isArray(o.urls) ? array(o.urls, `${path}.urls`, NETWORK_MAX_ADDRS).map((u, i) => iceUrl(u, `${path}.urls[${i}]`)) : iceUrl(o.urls, `${path}.urls`)
  const server: RTCIceServer = { urls }
  if (o.username !== undefined) server.username = text(o.username, `${path}.username`, MAX_ICE_TEXT)
  if (o.credential !== undefined) server.credential = text(o.credential, `${path}.credential`, MAX_ICE_TEXT)
  return server
}

/** A list of ICE servers (the relay's --ice-servers, the description's iceServers). */
export function parseIceServers (v: unknown, path = 'iceServers'): RTCIceServer[] {
  return array(v, path, NETWORK_MAX_ICE_SERVERS).map((s, i) => parseIceServer(s, `${path}[${i}]`))
}

/** Parse and check a /network.json body (already JSON-decoded). */
export function parseNetworkDescription (body: unknown): NetworkDescription {
  const o = object(body, 'the description')
  const relays = array(o.relays, 'relays', NETWORK_MAX_RELAYS).map((r, i) => {
    const x = object(r, `relays[${i}]`)
    const priority = x.priority
    if (typeof priority !== 'number' || !Number.isSafeInteger(priority) || priority < 0) fail(`relays[${i}].priority`, 'must be a whole number from 0')
    return { multiaddrs: addrs(x.multiaddrs, `relays[${i}].multiaddrs`), priority }
  })
  const storagePeers = array(o.storagePeers, 'storagePeers', NETWORK_MAX_STORAGE_PEERS).map((s, i) => {
    const x = object(s, `storagePeers[${i}]`)
    return { peerId: peerId(x.peerId, `storagePeers[${i}].peerId`), multiaddrs: addrs(x.multiaddrs, `storagePeers[${i}].multiaddrs`) }
  })
  const peers = o.peers === undefined ? [] : array(o.peers, 'peers', NETWORK_MAX_PEERS).map((p, i) => peerId(p, `peers[${i}]`))
  const iceServers = o.iceServers === undefined ? [] : parseIceServers(o.iceServers)
  return { relays, storagePeers, peers, iceServers }
}
