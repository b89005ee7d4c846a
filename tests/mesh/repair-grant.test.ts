/**
 * Building a file's repair capability (src/mesh/repair-grant.ts): from a
 * real encoded file, signed by the file's repair key; every shard it names
 * has the size it states, and the shards it names can be re-created from
 * any k others (repair-exec.ts) using only the capability.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { CID } from 'multiformats/cid'
import { initErasure } from '../../src/core/erasure.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { findCapShard, MAX_CAP_STRIPES, verifyRepairCap } from '../../src/core/repair-cap.ts'
import { signerFromSecretKey } from '../../src/core/signature.ts'
import { fileRepairId } from '../../src/core/keys/repair-key.ts'
import { grantRepair, repairCapOf } from '../../src/mesh/repair-grant.ts'
import { recreateShards } from '../../src/mesh/repair-exec.ts'
import { manifestShardId } from '../../src/mesh/resolve.ts'
import { encodeToMemory, pseudoRandomBytes, SMALL, type Stored } from '../core/helpers.ts'

const DAY = 24 * 60 * 60 * 1000
const NOW = Date.UTC(2026, 0, 1)
// a file key as the index knows one (dag-cbor, BLAKE3-256)
const KEY = CID.parse('bafyr4id33rjjnzly3hnbpw35qujhui5bzv4g67k7n6qajlvcyq24e37lvm')
const owner = signerFromSecretKey(ed25519.utils.randomSecretKey())
// the file's secret key, which its repair key is derived for
const FILE_KEY = new Uint8Array(32).fill(7)
const repairers = [Uint8Array.of(0, 1, 2), Uint8Array.of(3, 4, 5)]
let stored: Stored

describe('repair grant', () => {
  beforeAll(async () => {
    await initBlake3()
    await initErasure()
    stored = await encodeToMemory(pseudoRandomBytes(10_000, 3), { coding: SMALL })
  })

  it('names every shard at its real size, signed by the file\'s repair key', async () => {
    const fileSigner = owner.forFile(fileRepairId(FILE_KEY))
    const { cap: built, signed } = await grantRepair({ key: KEY, manifest: stored.manifest, sealedManifestSize: 900, manifestCopies: 3, repairers, seq: 1, exp: NOW + 90 * DAY }, fileSigner)
    const cap = verifyRepairCap(signed, { now: NOW })
    expect(cap).toEqual(built)
    expect(cap.key).toEqual(fileSigner.publicKey)
    expect(cap.key).not.toEqual(owner.publicKey)
    expect(cap.manifest).toEqual({ id: manifestShardId(KEY).bytes, size: 900, copies: 3 })
    expect(cap.repairers).toEqual(repairers)
    expect(cap.stripes.length).toBe(stored.manifest.stripes.length)
    for (const [id, bytes] of stored.shards) expect(findCapShard(cap, CID.parse(id))?.size).toBe(bytes.byteLength)
    // and re-creation works from the capability alone
    const stripe = cap.stripes[2]!
    const out = await recreateShards({ stripe, k: cap.k, m: cap.m, recreate: [1, 4], fetch: async (_i, id) => stored.shards.get(id.toString()) })
    expect(out.map(r => r.bytes)).toEqual([1, 4].map(i => stored.shards.get(CID.decode(stripe.ids[i]!).toString())))
  })

  it('refuses a file of more stripes than a capability holds', () => {
    const manifest = { ...stored.manifest, stripes: new Array(MAX_CAP_STRIPES + 1).fill(stored.manifest.stripes[0]) }
    expect(() => repairCapOf({ key: KEY, manifest, sealedManifestSize: 900, manifestCopies: 3, repairers, seq: 1, exp: NOW }, owner.publicKey))
      .toThrow(expect.objectContaining({ name: 'InvalidParametersError', details: expect.objectContaining({ reason: 'too-many-stripes' }) }))
  })
})
