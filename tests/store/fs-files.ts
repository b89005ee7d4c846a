/** Shard files as the filesystem store's header versions lay them out (./../../src/store/fs-format.ts), for tests that write them by hand. */
import { computeOutboard } from '../../src/core/blake3-tree.ts'
import { encodeShardHeader } from '../../src/store/fs-format.ts'

/** A header-2 file: labels, size and the outboard of `bytes`, then `bytes`. */
export function shardFile (bytes: Uint8Array, labels: { owner?: string, renewer?: string } = {}): Uint8Array {
  const header = encodeShardHeader({ ...labels, size: bytes.byteLength, outboard: computeOutboard(bytes) })
  const file = new Uint8Array(header.byteLength + bytes.byteLength)
  file.set(header)
  file.set(bytes, header.byteLength)
  return file
}

/** A header-1 file, as earlier builds of layout 2 wrote it: "DMSHARD", 1, the owner label's length (u16) and text, then `bytes`. */
export function shardFileV1 (bytes: Uint8Array, owner?: string): Uint8Array {
  const label = new TextEncoder().encode(owner ?? '')
  const file = new Uint8Array(10 + label.byteLength + bytes.byteLength)
  file.set(new TextEncoder().encode('DMSHARD'))
  file[7] = 1
  new DataView(file.buffer).setUint16(8, label.byteLength)
  file.set(label, 10)
  file.set(bytes, 10 + label.byteLength)
  return file
}
