/**
 * The simulation's bench figures: one run of the quick configuration
 * (sim/main.ts QUICK: 1,000 peers, 1,000 files, 90 days) with the default
 * coding, threshold and grace, scaled to 10,000 files and 90 days.
 */
import { DEFAULT_CONFIG } from '../sim/config.ts'
import { QUICK, runOne } from '../sim/main.ts'
import type { Figure } from './stats.ts'

export async function simFigures (): Promise<Record<string, Figure>> {
  const r = await runOne({ ...DEFAULT_CONFIG, ...QUICK })
  return {
    'sim.lost.per10kFiles90d': { value: r.lostPer10kFiles90d, unit: 'files' },
    'sim.repairBytesPerStoredBytePerDay': { value: r.repairBytesPerStoredBytePerDay, unit: 'B/B/day' }
  }
}
