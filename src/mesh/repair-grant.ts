/**
 * The owner's side of a repair capability, pure: from what the owner knows
 * of a file (its opened manifest, its key, the sealed manifest's size) to a
 * capability signed by the file's repair key (core/repair-cap.ts,
 * core/keys/repair-key.ts). Nothing secret goes in: shard ids and sizes,
 * the coding, the manifest's id, size and copies, the repairers.
 *
 * Shard sizes come from the manifest's coding (stripe.ts shardSizeFor), the
 * same sizes the encoder produced, so a holder can check a repaired shard's
 * length before hashing it. A file of more stripes than a capability holds
 * (MAX_CAP_STRIPES) gets InvalidParametersError with reason
 * 'too-many-stripes': it cannot be repaired while its owner is away.
 */
import type { CID } from 'multiformats/cid'
import { InvalidParametersError } from '../core/errors.ts'
import type { Manifest } from '../core/manifest.ts'
import { MAX_CAP_STRIPES, signRepairCap, type RepairCap, type SignedRepairCap } from '../core/repair-cap.ts'
import type { Signer } from '../core/signature.ts'
import { shardSizeFor, stripePlainLength } from '../core/stripe.ts'
import { manifestShardId } from './resolve.ts'

export interface RepairGrantInput {
  /** the file's key (CID of its sealed manifest, or its string) */
  key: CID | string
  manifest: Manifest
  /** bytes of the sealed manifest */
  sealedManifestSize: number
  /** copies of the sealed manifest the owner keeps */
  manifestCopies: number
  /** repairers' peer ids as multihash bytes, in the owner's order (1 to MAX_CAP_REPAIRERS) */
  repairers: readonly Uint8Array[]
  /** higher than any capability given for this file before */
  seq: number
  /** when it ends, ms since the Unix epoch */
  exp: number
}

/** The capability of a file (unsigned). */
export function repairCapOf (input: RepairGrantInput, repairKey: Uint8Array): RepairCap {
  const { manifest } = input
  if (manifest.stripes.length > MAX_CAP_STRIPES) {
    throw new InvalidParametersError(`A repair capability covers at most ${MAX_CAP_STRIPES} stripes`, { reason: 'too-many-stripes', stripes: manifest.stripes.length })
  }
  return {
    key: repairKey,
    seq: input.seq,
    exp: input.exp,
    k: manifest.coding.k,
    m: manifest.coding.m,
    manifest: { id: manifestShardId(input.key).bytes, size: input.sealedManifestSize, copies: input.manifestCopies },
    stripes: manifest.stripes.map((s, i) => ({
      size: shardSizeFor(stripePlainLength(manifest.size, i, manifest.coding), manifest.coding),
      ids: s.shards.map(id => id.bytes)
    })),
    repairers: [...input.repairers]
  }
}

/** The capability of a file, signed by its repair key `signer` (./lease-keeper.ts `fileRepairSigner`). */
export async function grantRepair (input: RepairGrantInput, signer: Signer): Promise<{ cap: RepairCap, signed: SignedRepairCap }> {
  const cap = repairCapOf(input, signer.publicKey)
  return { cap, signed: await signRepairCap(cap, signer) }
}
