/**
 * What a stored shard costs its store and its owner: its length, but never
 * less than SHARD_MIN_CHARGE_BYTES.
 *
 * Why 4 KiB: a shard is kept as one file (filesystem) or one record
 * (IndexedDB), and neither costs less than a block however short it is.
 * ext4, XFS, btrfs, APFS and NTFS allocate file data in 4 KiB blocks by
 * default, so a one-byte file takes 4 KiB of disk plus its inode (256 bytes
 * on ext4) and a directory entry; Chromium's IndexedDB keeps each record in
 * LevelDB with its key, a serialisation header and the log and compaction
 * copies, and writes large values to files of their own. Charging the
 * length alone let 1,024 empty shards count as nothing while taking
 * megabytes of disk. With the minimum, what a quota admits is within a
 * small factor of what it costs on disk: at most about 2x, for shards just
 * over a block (4,097 bytes charged, 8 KiB on disk), and less as shards
 * grow (a 1 MiB shard wastes under 0.4%).
 */
import { KiB } from '../core/bytes.ts'

/** The least a shard is charged: one 4 KiB filesystem block (see above). */
export const SHARD_MIN_CHARGE_BYTES = 4 * KiB

/** Bytes a shard of `sizeBytes` counts against the store's quota and its owner's. */
export function shardChargeBytes (sizeBytes: number): number {
  return Math.max(sizeBytes, SHARD_MIN_CHARGE_BYTES)
}
