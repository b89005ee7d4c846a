/**
 * Shared fixtures for the shard store tests: deterministic shards and the
 * harness each backend provides to the contract suite.
 */
import { initBlake3, shardCid } from '../../src/core/hash.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { pseudoRandomBytes } from '../core/helpers.ts'

export interface OpenOptions {
  quota?: number
  ownerShare?: number
  onCorrupt?: (id: string) => void
  now?: () => number
}

/** One place to keep shards (a temp dir, a database name, a memory medium). */
export interface StorePlace {
  /** open a store on this place; may be called again after close (reopen) */
  open: (options?: OpenOptions) => Promise<ShardStore>
  /** overwrite the stored bytes of `id` on the medium, behind the store's back */
  corrupt: (id: string, bytes: Uint8Array) => Promise<void>
  /** remove the stored bytes of `id` on the medium, behind the store's back */
  lose: (id: string) => Promise<void>
  /** flip one bit of the stored shard's byte at `offset`, touching nothing else (its outboard stays) */
  flip: (id: string, offset: number) => Promise<void>
  /**
   * store a shard as a build that kept no leases, renewers nor outboards
   * did (while no store is open on this place)
   */
  legacy: (shard: Shard, storedAt: number, owner?: string) => Promise<void>
  /** lose the record of every lease (while no store is open on this place) */
  forgetLeases: () => Promise<void>
  /** the outboard kept for `id`, undefined when none is */
  outboard: (id: string) => Promise<Uint8Array | undefined>
  /** replace the outboard kept for `id` behind the store's back */
  damageOutboard: (id: string, outboard: Uint8Array) => Promise<void>
  destroy: () => Promise<void>
}

export interface StoreHarness {
  name: string
  place: () => Promise<StorePlace>
  /** fast-check runs for the model test (slower media run fewer) */
  propertyRuns: number
}

export interface Shard {
  id: string
  bytes: Uint8Array
}

/** Deterministic pseudo-random bytes (xorshift32), different for each seed. */
export function pseudoRandom (size: number, seed: number): Uint8Array {
  return pseudoRandomBytes(size, seed + 1)
}

/** A shard of `size` bytes and its id. */
export async function makeShard (size: number, seed: number): Promise<Shard> {
  await initBlake3()
  const bytes = pseudoRandom(size, seed)
  return { id: shardCid(bytes).toString(), bytes }
}

export async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** The rejection's `name`, or 'resolved'. */
export async function errorName (p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return (err as Error).name
  }
}
