/**
 * Custom relays as the wizard and the settings edit them: rows of a multiaddr
 * and a priority (lower is tried first; equal priorities in parallel, see
 * src/net/bootstrap.ts). A browser can dial a relay only over WebSockets, so
 * an address must read
 *
 *   /(ip4|ip6|dns|dns4|dns6)/<host>/tcp/<port>/(ws | wss | tls[/sni/<name>]/ws)/p2p/<peer id>
 *
 * Parsing is @multiformats/multiaddr's (`bytes` encodes every component);
 * the peer id is checked as libp2p reads one: a base58btc multihash
 * (identity for inlined Ed25519/secp256k1 keys, sha2-256 for RSA) or a CIDv1
 * of codec libp2p-key, with multiformats, already bundled with multiaddr
 * (@libp2p/peer-id would add its key types to the app's first chunk).
 */
import { multiaddr, type Component } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { decode as decodeDigest } from 'multiformats/hashes/digest'
import type { BootstrapPeer } from '../../net/options.ts'
import { isPrivateHost } from '../../net/private-host.ts'
import { parseNetworkDescription, type ServedRelay } from '../../net/network-description.ts'

export type { ServedRelay }

export interface RelayRow {
  /** stable identity for the editor's keyed list */
  id: number
  multiaddr: string
  priority: number
}

export type RelayCheck =
  | { ok: true, multiaddr: string, peerId: string, warning?: string }
  | { ok: false, reason: string }

/** multicodec codes: identity and sha2-256 multihashes, the libp2p-key CID codec */
const IDENTITY = 0x00
const SHA2_256 = 0x12
const LIBP2P_KEY = 0x72
/** the longest public key libp2p inlines into an identity multihash */
const MAX_INLINE_KEY = 42

/** Whether `text` is a peer id in one of the forms libp2p prints and parses. */
export function isPeerId (text: string): boolean {
  try {
    let code: number
    let size: number
    if (text.startsWith('1') || text.startsWith('Q')) {
      ({ code, size } = decodeDigest(base58btc.decode(`z${text}`)))
    } else {
      const cid = CID.parse(text, text.startsWith('k') ? base36 : undefined)
      if (cid.version !== 1 || cid.code !== LIBP2P_KEY) return false
      ;({ code, size } = cid.multihash)
    }
    return (code === IDENTITY && size > 0 && size <= MAX_INLINE_KEY) || (code === SHA2_256 && size === 32)
  } catch {
    return false
  }
}

const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])

/** Whether a browser tab can dial `text` as a relay, and why not. */
export function checkRelayAddress (text: string): RelayCheck {
  const t = text.trim()
  if (t === '') return { ok: false, reason: 'Enter the relay’s multiaddr' }
  let components: Component[]
  try {
    const ma = multiaddr(t)
    components = ma.getComponents()
    // encoding every component checks the values, the peer id included
    void ma.bytes
  } catch {
    return { ok: false, reason: 'This is not a valid multiaddr (it looks like /dns4/relay.example.com/tcp/443/wss/p2p/12D3Koo…)' }
  }
  const names = components.map(c => c.name)
  const last = components.at(-1)
  if (names.includes('p2p-circuit')) return { ok: false, reason: 'Give the relay’s own address, not a relayed (/p2p-circuit) one' }
  if (last?.name !== 'p2p' || last.value === undefined) return { ok: false, reason: 'The address must end with /p2p/<the relay’s peer id>' }
  if (!isPeerId(last.value)) return { ok: false, reason: 'The part after /p2p/ is not a valid peer id' }
  if (!HOSTS.has(names[0] ?? '') || names[1] !== 'tcp') return { ok: false, reason: 'The address must start with a host and a TCP port: /dns4/<name>/tcp/<port>/… or /ip4/<address>/tcp/<port>/…' }
  const transport = names.slice(2, -1).join('/')
  const secure = transport === 'wss' || transport === 'tls/ws' || transport === 'tls/sni/ws'
  if (!secure && transport !== 'ws') {
    return { ok: false, reason: 'A browser can only dial a relay over WebSockets: use /ws, /wss or /tls/ws before /p2p/' }
  }
  const host = components[0]?.value ?? ''
  const result: RelayCheck = { ok: true, multiaddr: t, peerId: last.value }
  if (!secure && !isPrivateHost(host)) {
    result.warning = 'Plain /ws is not encrypted and a page served over https cannot dial it: prefer /wss or /tls/ws for a public relay'
  }
  return result
}

/** Is `n` a usable priority (a whole number from 0 up)? */
export function isPriority (n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 1_000_000
}

/** Each row's problem (or null), duplicates included. */
export function relayRowProblems (rows: readonly RelayRow[]): Array<string | null> {
  const seen = new Set<string>()
  return rows.map(row => {
    const check = checkRelayAddress(row.multiaddr)
    if (!check.ok) return check.reason
    if (!isPriority(row.priority)) return 'The priority is a whole number from 0 (0 is tried first)'
    if (seen.has(check.multiaddr)) return 'This relay is listed twice'
    seen.add(check.multiaddr)
    return null
  })
}

/** What stops a custom relay list from being saved, or null. */
export function relayListProblem (rows: readonly RelayRow[]): string | null {
  if (rows.length === 0) return 'Add at least one relay, or use this server’s relays'
  const problems = relayRowProblems(rows)
  const index = problems.findIndex(p => p !== null)
  return index === -1 ? null : `Relay ${index + 1}: ${problems[index] as string}`
}

/** Relays in the order they are tried: by priority, equal ones in list order. */
export function byPriority<T extends { priority?: number }> (relays: readonly T[]): T[] {
  return relays
    .map((relay, index) => ({ relay, index }))
    .sort((a, b) => (a.relay.priority ?? 0) - (b.relay.priority ?? 0) || a.index - b.index)
    .map(x => x.relay)
}

/** The rows as settings store them (trimmed, tried-first first). */
export function rowsToRelays (rows: readonly RelayRow[]): BootstrapPeer[] {
  return byPriority(rows).map(r => ({ multiaddr: r.multiaddr.trim(), priority: r.priority }))
}

let nextId = 1
/** a fresh row id */
export function rowId (): number { return nextId++ }

export function relaysToRows (relays: readonly BootstrapPeer[]): RelayRow[] {
  return byPriority(relays).map(r => ({ id: rowId(), multiaddr: r.multiaddr, priority: r.priority ?? 0 }))
}

/** A new row, tried after every existing one. */
export function newRow (rows: readonly RelayRow[]): RelayRow {
  const last = rows.reduce((max, r) => isPriority(r.priority) ? Math.max(max, r.priority) : max, -1)
  return { id: rowId(), multiaddr: '', priority: last + 1 }
}

/**
 * Move a row one place up (-1) or down (+1): it trades places and
 * priorities with its neighbour, so the list stays in the order relays are tried.
 */
export function moveRow (rows: readonly RelayRow[], index: number, by: -1 | 1): RelayRow[] {
  const other = index + by
  const a = rows[index]
  const b = rows[other]
  if (a === undefined || b === undefined) return [...rows]
  const next = [...rows]
  next[index] = { ...b, priority: a.priority }
  next[other] = { ...a, priority: b.priority }
  return next
}

/** The relays /network.json lists (what "this server's relays" means), tried-first first; MalformedDataError when it is no valid description. */
export function servedRelays (description: unknown): ServedRelay[] {
  return byPriority(parseNetworkDescription(description).relays)
}
