/**
 * DHT keys for provider records.
 *
 * js kad-dht (16.x) sends a provider key as its bare multihash and decodes it
 * on the other side with `CID.decode`, which only accepts a sha2-256
 * multihash (a CIDv0). Shard ids are BLAKE3, so providers are announced and
 * looked up under a derived key: sha2-256("datamesh/provider/v1" || 0x00 ||
 * shard CID bytes), as a CIDv1 (raw). Holders and readers derive the same key.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { domainSeparated } from '../core/signature.ts'
import { parseShardCid } from '../core/hash.ts'

const SHA2_256 = 0x12
const RAW = 0x55

export function providerKey (shard: string | CID): CID {
  const cid = parseShardCid(shard)
  return CID.createV1(RAW, Digest.create(SHA2_256, sha256(domainSeparated('datamesh/provider/v1', cid.bytes))))
}
