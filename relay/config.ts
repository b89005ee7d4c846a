/**
 * Configuration of `npm start` / the relay service, from command-line flags
 * and environment variables (a flag wins over its variable).
 *
 * | flag                  | variable               | default            |
 * |-----------------------|------------------------|--------------------|
 * | --port                | PORT                   | 8080 (app, /health, /metrics, /network.json) |
 * | --relay-port          | RELAY_PORT             | port + 1 (the relay's WebSocket listener)    |
 * | --host                | HOST                   | 127.0.0.1          |
 * | --announce            | ANNOUNCE               | (listen addresses) comma-separated multiaddrs |
 * | --storage-peers       | STORAGE_PEERS          | 6 (0 = pure relay) |
 * | --storage-quota       | STORAGE_QUOTA          | 1 GiB per storage peer |
 * | --owner-quota         | OWNER_QUOTA            | 256 MiB per owner per storage peer |
 * | --new-owners-per-peer | NEW_OWNERS_PER_PEER    | 4 new owner keys one peer id may open on a storage peer per period |
 * | --new-owners-per-address | NEW_OWNERS_PER_ADDRESS | 16 new owner keys one remote address may open per period |
 * | --new-owners-period   | NEW_OWNERS_PERIOD      | 3600000 ms (one hour) |
 * | --provide-rate        | PROVIDE_RATE           | 4 DHT provider announcements per second, all storage peers together (0 = none) |
 * | --data-dir            | DATA_DIR               | ./.data            |
 * | --max-reservations    | RELAY_MAX_RESERVATIONS | 128                |
 * | --reservations-per-address | RESERVATIONS_PER_ADDRESS | 16 relay reservations held by one remote address |
 * | --connections-per-address | CONNECTIONS_PER_ADDRESS | 64 open connections from one remote address, per node |
 * | --private-addresses   | PRIVATE_ADDRESSES      | exempt: loopback/private remote addresses are limited per peer id only, for reservations, connections, DHT records and new owner keys (`count`: as addresses too) |
 * | --allow-private-dial  | ALLOW_PRIVATE_DIAL     | off: the relay and storage peers dial loopback/private addresses only when configured (--bootstrap) or their own; on (`1`): any learnt from the DHT too |
 * | --relay-data-limit    | RELAY_DATA_LIMIT       | 1048576 bytes per relayed connection |
 * | --relay-duration      | RELAY_DURATION_LIMIT   | 120000 ms per relayed connection |
 * | --bootstrap           | BOOTSTRAP              | (none) other relays' multiaddrs, comma-separated |
 * | --trusted-peers       | TRUSTED_PEERS          | (none) peer ids, comma-separated, that the relay and its storage peers trust from the start (reputation 80; each other are always trusted) |
 * | --denied-peers        | DENIED_PEERS           | (none) peer ids, comma-separated, never used for placement or repair and not listed in /network.json |
 * | --audit-interval      | AUDIT_INTERVAL         | 86400 s: each storage peer audits every holder of the files it repairs about this often (±10 %) |
 * | --repair-interval     | REPAIR_INTERVAL        | 600 s between a storage peer's repair passes over the files it repairs |
 * | --repair-threshold    | REPAIR_THRESHOLD       | k + 1: a stripe is repaired once its available shards are at most this (clamped to k .. k + m - 1) |
 * | --lost-after          | LOST_AFTER             | 86400 s an unreachable holder stays 'unknown' before its shards count as lost (24 h: chosen from npm run sim) |
 * | --repair-backoff      | REPAIR_BACKOFF         | 600 s a file's next repairer waits, per rank, before it repairs a stripe the first has not |
 * | --ice-servers         | ICE_SERVERS            | [] (JSON list of RTCIceServer handed to browsers) |
 * | --log-level           | LOG_LEVEL              | info               |
 * | --dist                | DIST                   | ./dist (the built app) |
 */
import { parseArgs } from 'node:util'
import { peerIdFromString } from '@libp2p/peer-id'
import { resolve } from 'node:path'
import { isLevel, type Level } from './log.ts'
import { parseIceServers } from '../src/net/network-description.ts'
import { DEFAULT_GATER_LIMITS } from '../src/net/server-gater.ts'
import { DEFAULT_OWNER_ADMISSION, type OwnerAdmissionInit } from '../src/net/shard/admission.ts'
import { AUDIT_DEFAULTS } from '../src/mesh/audit-ledger.ts'

export interface RelayConfig {
  port: number
  relayPort: number
  host: string
  announce: string[]
  storagePeers: number
  storageQuota: number
  ownerQuota: number
  /** new owner keys a storage peer takes per peer id and per remote address (src/net/shard/admission.ts); private addresses as `countPrivateAddresses` says */
  ownerAdmission: Pick<OwnerAdmissionInit, 'perPeer' | 'perAddress' | 'periodMs'>
  /** DHT provider announcements the storage peers start per second, together */
  provideRate: number
  dataDir: string
  maxReservations: number
  /** relay reservations one remote address may hold */
  reservationsPerAddress: number
  /** open connections from one remote address, per node */
  connectionsPerAddress: number
  /** count loopback and private remote addresses as addresses for the limits above and the DHT's (default: per peer id only) */
  countPrivateAddresses: boolean
  /** dial loopback and private addresses learnt from others (default: only configured and own ones) */
  allowPrivateDial: boolean
  relayDataLimit: bigint
  relayDurationLimit: number
  bootstrap: string[]
  /** peer ids the relay and its storage peers trust from the start (src/net/reputation.ts) */
  trustedPeers: string[]
  /** peer ids never used for placement or repair */
  deniedPeers: string[]
  /** each storage peer as a repairer (src/mesh/repair-worker.ts) */
  repair: RelayRepairConfig
  iceServers: RTCIceServer[]
  logLevel: Level
  dist: string
}

export interface RelayRepairConfig {
  auditIntervalMs: number
  repairIntervalMs: number
  /** undefined: k + 1 of each file */
  repairThreshold?: number
  lostAfterMs: number
  repairBackoffMs: number
}

export class ConfigError extends Error {
  static override name = 'ConfigError'
  constructor (message: string) { super(message); this.name = 'ConfigError' }
}

/**
 * An announcement is a DHT lookup plus a message to each of the closest
 * peers (tens of ms of CPU in a small mesh), while a small shard is stored in
 * well under one: a few a second keep the records coming without starving
 * the stores. Readers find fresh shards through the manifest's placement
 * hints first.
 */
export const DEFAULT_PROVIDE_RATE = 4

const GiB = 1024 ** 3
const MiB = 1024 ** 2

function int (name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number >= ${min}, got "${raw}"`)
  return n
}

function list (raw: string | undefined): string[] {
  return (raw ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
}

/** most peer ids on a trust or deny list */
export const MAX_LISTED_PEERS = 1024

function peerList (name: string, raw: string | undefined): string[] {
  const ids = list(raw)
  if (ids.length > MAX_LISTED_PEERS) throw new ConfigError(`${name}: at most ${MAX_LISTED_PEERS} peer ids`)
  for (const id of ids) {
    try {
      peerIdFromString(id)
    } catch {
      throw new ConfigError(`${name}: "${id}" is not a peer id`)
    }
  }
  return [...new Set(ids)]
}

export function loadConfig (argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'relay-port': { type: 'string' },
      host: { type: 'string' },
      announce: { type: 'string' },
      'storage-peers': { type: 'string' },
      'storage-quota': { type: 'string' },
      'owner-quota': { type: 'string' },
      'new-owners-per-peer': { type: 'string' },
      'new-owners-per-address': { type: 'string' },
      'new-owners-period': { type: 'string' },
      'provide-rate': { type: 'string' },
      'data-dir': { type: 'string' },
      'max-reservations': { type: 'string' },
      'reservations-per-address': { type: 'string' },
      'connections-per-address': { type: 'string' },
      'private-addresses': { type: 'string' },
      'allow-private-dial': { type: 'boolean' },
      'relay-data-limit': { type: 'string' },
      'relay-duration': { type: 'string' },
      bootstrap: { type: 'string' },
      'trusted-peers': { type: 'string' },
      'denied-peers': { type: 'string' },
      'audit-interval': { type: 'string' },
      'repair-interval': { type: 'string' },
      'repair-threshold': { type: 'string' },
      'lost-after': { type: 'string' },
      'repair-backoff': { type: 'string' },
      'ice-servers': { type: 'string' },
      'log-level': { type: 'string' },
      dist: { type: 'string' }
    }
  })
  const port = int('port', values.port ?? env.PORT, 8080)
  const logLevel = values['log-level'] ?? env.LOG_LEVEL ?? 'info'
  if (!isLevel(logLevel)) throw new ConfigError(`log level must be debug, info, warn or error, got "${logLevel}"`)
  let iceServers: RTCIceServer[] = []
  const iceRaw = values['ice-servers'] ?? env.ICE_SERVERS
  if (iceRaw !== undefined && iceRaw !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(iceRaw)
    } catch {
      throw new ConfigError('ICE servers must be a JSON list such as [{"urls":"stun:stun.example.org:3478"}]')
    }
    try {
      // the same check as browsers apply to /network.json
      iceServers = parseIceServers(parsed)
    } catch (err) {
      throw new ConfigError(`ICE servers must be a JSON list of objects with "urls" (${(err as Error).message})`)
    }
  }
  const privateRaw = values['private-addresses'] ?? env.PRIVATE_ADDRESSES ?? 'exempt'
  if (privateRaw !== 'exempt' && privateRaw !== 'count' && privateRaw !== '') throw new ConfigError(`private addresses must be "exempt" or "count", got "${privateRaw}"`)
  const dialRaw = values['allow-private-dial'] ?? env.ALLOW_PRIVATE_DIAL ?? ''
  if (typeof dialRaw === 'string' && !/^(|0|1|true|false|yes|no)$/i.test(dialRaw)) throw new ConfigError(`ALLOW_PRIVATE_DIAL must be 1 or 0, got "${dialRaw}"`)
  const threshold = values['repair-threshold'] ?? env.REPAIR_THRESHOLD ?? ''
  return {
    port,
    relayPort: int('relay port', values['relay-port'] ?? env.RELAY_PORT, port === 0 ? 0 : port + 1),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    announce: list(values.announce ?? env.ANNOUNCE),
    storagePeers: int('storage peers', values['storage-peers'] ?? env.STORAGE_PEERS, 6),
    storageQuota: int('storage quota', values['storage-quota'] ?? env.STORAGE_QUOTA, GiB),
    ownerQuota: int('owner quota', values['owner-quota'] ?? env.OWNER_QUOTA, 256 * MiB),
    ownerAdmission: {
      perPeer: int('new owners per peer', values['new-owners-per-peer'] ?? env.NEW_OWNERS_PER_PEER, DEFAULT_OWNER_ADMISSION.perPeer),
      perAddress: int('new owners per address', values['new-owners-per-address'] ?? env.NEW_OWNERS_PER_ADDRESS, DEFAULT_OWNER_ADMISSION.perAddress),
      periodMs: int('new owners period', values['new-owners-period'] ?? env.NEW_OWNERS_PERIOD, DEFAULT_OWNER_ADMISSION.periodMs, 1000)
    },
    provideRate: int('provide rate', values['provide-rate'] ?? env.PROVIDE_RATE, DEFAULT_PROVIDE_RATE),
    dataDir: resolve(values['data-dir'] ?? env.DATA_DIR ?? '.data'),
    maxReservations: int('max reservations', values['max-reservations'] ?? env.RELAY_MAX_RESERVATIONS, 128, 1),
    reservationsPerAddress: int('reservations per address', values['reservations-per-address'] ?? env.RESERVATIONS_PER_ADDRESS, DEFAULT_GATER_LIMITS.reservationsPerAddress, 1),
    connectionsPerAddress: int('connections per address', values['connections-per-address'] ?? env.CONNECTIONS_PER_ADDRESS, DEFAULT_GATER_LIMITS.connectionsPerAddress, 1),
    countPrivateAddresses: privateRaw === 'count',
    allowPrivateDial: dialRaw === true || (typeof dialRaw === 'string' && /^(1|true|yes)$/i.test(dialRaw)),
    relayDataLimit: BigInt(int('relay data limit', values['relay-data-limit'] ?? env.RELAY_DATA_LIMIT, 1 << 20, 1024)),
    relayDurationLimit: int('relay duration limit', values['relay-duration'] ?? env.RELAY_DURATION_LIMIT, 120_000, 1000),
    bootstrap: list(values.bootstrap ?? env.BOOTSTRAP),
    trustedPeers: peerList('trusted peers', values['trusted-peers'] ?? env.TRUSTED_PEERS),
    deniedPeers: peerList('denied peers', values['denied-peers'] ?? env.DENIED_PEERS),
    repair: {
      auditIntervalMs: 1000 * int('audit interval', values['audit-interval'] ?? env.AUDIT_INTERVAL, AUDIT_DEFAULTS.auditIntervalMs / 1000, 1),
      repairIntervalMs: 1000 * int('repair interval', values['repair-interval'] ?? env.REPAIR_INTERVAL, 600, 1),
      ...(threshold !== '' ? { repairThreshold: int('repair threshold', threshold, 0, 1) } : {}),
      lostAfterMs: 1000 * int('lost after', values['lost-after'] ?? env.LOST_AFTER, AUDIT_DEFAULTS.lostAfterMs / 1000, 1),
      repairBackoffMs: 1000 * int('repair backoff', values['repair-backoff'] ?? env.REPAIR_BACKOFF, 600, 1)
    },
    iceServers,
    logLevel,
    dist: resolve(values.dist ?? env.DIST ?? 'dist')
  }
}
