/** Every command, in the order help lists them within their groups. */
import type { Command } from '../types.ts'
import { get, put, duplicate } from './transfer.ts'
import { index, info, list, rename, rm, tags } from './files.ts'
import { popular, recent, search, stats } from './find.ts'
import { share } from './sharing.ts'
import { bandwidth, discover, distribution, health, network, peers } from './network.ts'
import { keys } from './keys.ts'
import { audit, check } from './durability.ts'
import { repair } from './repair.ts'
import { benchmark, config, metrics } from './system.ts'
import { cleanup, leases } from './leases.ts'
import { clear, help, history, pwd, quit } from './session.ts'

export const COMMANDS: readonly Command[] = [
  put, get, list, info, rename, duplicate, tags, rm, index, check, audit, repair,
  search, recent, popular, stats,
  share,
  peers, health, network, discover, distribution, bandwidth,
  keys,
  config, metrics, benchmark, cleanup, leases,
  help, history, clear, pwd, quit
]
