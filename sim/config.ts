/** A simulation run's settings, with the defaults the durability design starts from. */
import { DEFAULT_TRACE, type TraceParams } from './trace.ts'

export const minute = 60_000
export const hour = 60 * minute
export const day = 24 * hour
export const KiB = 1024
export const MiB = 1024 * KiB

export interface SimConfig {
  seed: string
  peers: number
  files: number
  days: number
  k: number
  m: number
  /** repair a stripe once its known available shards (ok + unknown within grace) are at most this */
  threshold: number
  /** an unreachable or failing holder counts as lost after this (ms) */
  lostAfterMs: number
  /** each file's holders are audited this often (ms), jittered by ± auditJitter */
  auditIntervalMs: number
  auditJitter: number
  /** the next repairer in rendezvous order waits this long (ms) */
  repairBackoffMs: number
  /** storage peers that take on a file's audits and repair */
  repairersPerFile: number
  /** 16 KiB groups per challenge */
  auditGroups: number
  /** share of the files whose shards are real bytes in memory stores, audited with real proofs */
  realProofShare: number
  /** tabs (besides the storage peers) a node has as candidates when it places shards */
  candidateTabs: number
  /** files are put at uniform times over this many first days (ms) */
  uploadSpanMs: number
  /** file sizes: log-normal median (bytes) and shape; each file is one stripe */
  fileMedianBytes: number
  fileSigma: number
  /** storage peers together have room for this share of the data at 4 + 2 */
  storageRoomShare: number
  /** a tab's room: log-normal median (bytes) */
  tabRoomMedianBytes: number
  /** how often storage peers sample who is online for their reputation books (ms) */
  availabilitySampleMs: number
  /** how often the world samples which files could be read right now (ms) */
  readableSampleMs: number
  trace: TraceParams
}

export const DEFAULT_CONFIG: Readonly<SimConfig> = Object.freeze({
  seed: '1',
  peers: 1000,
  files: 10_000,
  days: 90,
  k: 4,
  m: 2,
  threshold: 5,
  lostAfterMs: 6 * hour,
  auditIntervalMs: day,
  auditJitter: 0.1,
  repairBackoffMs: 10 * minute,
  repairersPerFile: 2,
  auditGroups: 2,
  realProofShare: 0.02,
  candidateTabs: 40,
  uploadSpanMs: 10 * day,
  fileMedianBytes: 2 * MiB,
  fileSigma: 1.0,
  storageRoomShare: 0.3,
  tabRoomMedianBytes: 256 * MiB,
  availabilitySampleMs: day,
  readableSampleMs: 12 * hour,
  trace: DEFAULT_TRACE
})

/** A short label for a configuration: "4+2 t5 6h". */
export function labelOf (c: Pick<SimConfig, 'k' | 'm' | 'threshold' | 'lostAfterMs'> & { storageRoomShare?: number }): string {
  const room = c.storageRoomShare !== undefined && c.storageRoomShare !== DEFAULT_CONFIG.storageRoomShare ? ` room ${Math.round(c.storageRoomShare * 100)}%` : ''
  return `${c.k}+${c.m} t${c.threshold} ${Math.round(c.lostAfterMs / hour)}h${room}`
}
