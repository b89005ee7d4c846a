/**
 * The configurations compared (9: what a full run affords on 2 cores):
 * each coding with its repair threshold at k + 1 and the 6 h grace; 8 + 4
 * with thresholds k + 2 and n - 1 (the coding where the three differ most;
 * for 4 + 2, k + 1 is n - 1 already); 4 + 2 with the grace at 1 h and 24 h;
 * and 4 + 2 with storage peers that have room for all the data (150 % of it
 * at 4 + 2, where the others have room for 30 %).
 */
import { DEFAULT_CONFIG, hour, type SimConfig } from './config.ts'

export interface GridEntry {
  k: number
  m: number
  threshold: number
  lostAfterMs: number
  /** which comparison it belongs to */
  group: 'coding' | 'threshold' | 'grace' | 'capacity'
  /** storage peers' room as a share of the data at 4 + 2 (default: the configuration's) */
  storageRoomShare?: number
}

const CODINGS: ReadonlyArray<[number, number]> = [[4, 2], [4, 4], [6, 3], [8, 4]]

export function grid (): GridEntry[] {
  const six = DEFAULT_CONFIG.lostAfterMs
  return [
    ...CODINGS.map(([k, m]): GridEntry => ({ k, m, threshold: k + 1, lostAfterMs: six, group: 'coding' })),
    { k: 8, m: 4, threshold: 10, lostAfterMs: six, group: 'threshold' },
    { k: 8, m: 4, threshold: 11, lostAfterMs: six, group: 'threshold' },
    { k: 4, m: 2, threshold: 5, lostAfterMs: hour, group: 'grace' },
    { k: 4, m: 2, threshold: 5, lostAfterMs: 24 * hour, group: 'grace' },
    { k: 4, m: 2, threshold: 5, lostAfterMs: six, group: 'capacity', storageRoomShare: 1.5 }
  ]
}

export function configOf (base: SimConfig, e: GridEntry): SimConfig {
  return { ...base, k: e.k, m: e.m, threshold: e.threshold, lostAfterMs: e.lostAfterMs, ...(e.storageRoomShare !== undefined ? { storageRoomShare: e.storageRoomShare } : {}) }
}
