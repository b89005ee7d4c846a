import { describe, it, expect, beforeAll } from 'vitest'
import fc from 'fast-check'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sealManifest, openManifest, encodeManifest, decodeManifest, manifestCid, parseFileKey, type Manifest } from '../../src/core/manifest.ts'
import { decodeCbor, encodeCbor } from '../../src/core/cbor.ts'
import { signerFromSecretKey } from '../../src/core/signature.ts'
import { DataMeshError } from '../../src/core/errors.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { encodeToMemory, pseudoRandomBytes, expectRejectName, SMALL } from './helpers.ts'

const owner = signerFromSecretKey(pseudoRandomBytes(32, 42))
let manifest: Manifest
let fileKey: Uint8Array

beforeAll(async () => {
  await initBlake3()
  const stored = await encodeToMemory(pseudoRandomBytes(3 * SMALL.stripeSize + 5, 1), { coding: SMALL })
  manifest = { ...stored.manifest, name: 'report – final.pdf', type: 'application/pdf', tags: ['work', 'q3'], created: 1_700_000_000_000 }
  manifest.stripes[0]!.hints = ['12D3KooWA', '', '12D3KooWB', '', '', '12D3KooWC']
  fileKey = stored.fileKey
})

async function expectOnlyTypedErrors (run: () => Promise<unknown>): Promise<void> {
  try {
    await run()
  } catch (err) {
    if (!(err instanceof DataMeshError)) throw new Error(`untyped error: ${String(err)}`)
  }
}

describe('manifest', () => {
  it('encodes deterministically and parses back to the same value', () => {
    const a = encodeManifest(manifest)
    const b = encodeManifest(structuredClone({ ...manifest, stripes: manifest.stripes }))
    expect(a).toEqual(b)
    const back = decodeManifest(a)
    expect(encodeManifest(back)).toEqual(a)
    expect(back.name).toBe(manifest.name)
    expect(back.stripes[0]!.hints).toEqual(manifest.stripes[0]!.hints)
    expect(back.stripes[1]!.hints).toBeUndefined()
    expect(back.stripes[2]!.shards.map(String)).toEqual(manifest.stripes[2]!.shards.map(String))
  })

  it('seals, is addressed by its content id, and opens with the file key', async () => {
    const { key, bytes } = await sealManifest(manifest, fileKey, owner)
    expect(key.toString()).toBe(manifestCid(bytes).toString())
    expect(parseFileKey(key.toString()).equals(key)).toBe(true)
    const opened = await openManifest(bytes, fileKey, key.toString())
    expect(opened.owner).toEqual(owner.publicKey)
    expect(opened.manifest.name).toBe(manifest.name)
    expect(opened.manifest.tags).toEqual(['work', 'q3'])
    // names never appear in the sealed bytes
    expect(new TextDecoder().decode(bytes).includes('report')).toBe(false)
  })

  it('refuses the wrong file key with WrongKeyError', async () => {
    const { key, bytes } = await sealManifest(manifest, fileKey, owner)
    await expectRejectName(openManifest(bytes, pseudoRandomBytes(32, 7), key), 'WrongKeyError')
  })

  it('refuses bytes that do not match the expected key', async () => {
    const { key, bytes } = await sealManifest(manifest, fileKey, owner)
    for (const at of [0, 5, bytes.length >> 1, bytes.length - 1]) {
      const t = bytes.slice(); t[at]! ^= 0x01
      await expectRejectName(openManifest(t, fileKey, key), 'TamperedManifestError')
    }
  })

  it('refuses a manifest whose signature does not match its owner', async () => {
    // re-seal a payload that claims another owner: decrypts fine, signature fails
    const other = signerFromSecretKey(pseudoRandomBytes(32, 43))
    const forged = { publicKey: other.publicKey, sign: (msg: Uint8Array) => ed25519.sign(msg, pseudoRandomBytes(32, 42)) }
    const { key, bytes } = await sealManifest(manifest, fileKey, forged)
    await expectRejectName(openManifest(bytes, fileKey, key), 'TamperedManifestError')
  })

  it('refuses an unsupported version with UnsupportedVersionError', async () => {
    const sealedV2 = encodeCbor({ v: 2, n: new Uint8Array(12), c: new Uint8Array(40) })
    await expectRejectName(openManifest(sealedV2, fileKey), 'UnsupportedVersionError')
    for (const v of [0, 3, 9]) expect(() => decodeManifest(encodeCbor({ ...raw(manifest), v }))).toThrow(expect.objectContaining({ name: 'UnsupportedVersionError' }))
  })

  it('writes version 2: no Merkle roots, no leaf size', () => {
    const fields = decodeCbor(encodeManifest(manifest), 1 << 20, 'manifest') as Record<string, unknown>
    expect(fields.v).toBe(2)
    expect(Object.keys(fields.coding as object).sort()).toEqual(['k', 'm', 'segmentSize', 'stripeSize'])
    for (const stripe of fields.stripes as Array<Record<string, unknown>>) expect(Object.keys(stripe).filter(k => k !== 'h')).toEqual(['s'])
  })

  it('reads version 1, its roots and leaf size bounded and dropped, and writes it back as version 2', () => {
    const v1 = decodeManifest(encodeCbor(rawV1(manifest)))
    expect(v1).toEqual(decodeManifest(encodeManifest(manifest)))
    expect(v1.stripes[0]).not.toHaveProperty('roots')
    expect(v1.coding).not.toHaveProperty('leafSize')
    expect(encodeManifest(v1)).toEqual(encodeManifest(manifest))
    const bad: Array<Record<string, unknown>> = [
      { ...rawV1(manifest), coding: { ...SMALL } },
      { ...rawV1(manifest), coding: { ...SMALL, leafSize: 32 } },
      { ...rawV1(manifest), coding: { ...SMALL, leafSize: 2 * 1024 * 1024 } },
      { ...rawV1(manifest), stripes: manifest.stripes.map(s => ({ s: s.shards })) },
      { ...rawV1(manifest), stripes: manifest.stripes.map(s => ({ s: s.shards, r: s.shards.map(() => new Uint8Array(31)) })) },
      { ...rawV1(manifest), stripes: manifest.stripes.map(s => ({ s: s.shards, r: s.shards.slice(1).map(() => new Uint8Array(32)) })) }
    ]
    for (const b of bad) expect(() => decodeManifest(encodeCbor(b))).toThrow(expect.objectContaining({ name: 'TamperedManifestError' }))
  })

  it('rejects plain manifests with wrong shapes', () => {
    const base = decodeManifest(encodeManifest(manifest))
    const bad: Array<Record<string, unknown>> = [
      { v: 1 },
      { ...raw(base), extra: 1 },
      { ...raw(base), size: -1 },
      { ...raw(base), size: base.size + 10 * SMALL.stripeSize },
      { ...raw(base), tags: [''] },
      { ...raw(base), name: 'x'.repeat(2000) },
      { ...raw(base), coding: { k: 0, m: 2, stripeSize: 4096, segmentSize: 1024 } },
      // what version 1 had is unknown to version 2
      { ...raw(base), coding: { ...SMALL, leafSize: 256 } },
      { ...raw(base), stripes: base.stripes.map(s => ({ s: s.shards, r: s.shards.map(() => new Uint8Array(32)) })) }
    ]
    for (const b of bad) expect(() => decodeManifest(encodeCbor(b))).toThrow(expect.objectContaining({ name: 'TamperedManifestError' }))
  })

  it('fuzz: random and mutated bytes only ever give typed errors', async () => {
    const { bytes } = await sealManifest(manifest, fileKey, owner)
    const plain = encodeManifest(manifest)
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (junk) => {
      await expectOnlyTypedErrors(async () => await openManifest(junk, fileKey))
      await expectOnlyTypedErrors(async () => decodeManifest(junk))
    }), { numRuns: 300 })
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: plain.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 3 }), async (at, x, mode) => {
      const mutate = (src: Uint8Array): Uint8Array => {
        const pos = at % src.length
        if (mode === 0) { const t = src.slice(); t[pos]! ^= x; return t }
        if (mode === 1) return src.subarray(0, pos)
        if (mode === 2) return new Uint8Array([...src.subarray(0, pos), x, ...src.subarray(pos)])
        return new Uint8Array([...src.subarray(0, pos), ...src.subarray(pos + 1)])
      }
      await expectOnlyTypedErrors(async () => decodeManifest(mutate(plain)))
      await expectOnlyTypedErrors(async () => await openManifest(mutate(bytes), fileKey))
    }), { numRuns: 400 })
  })
})

function raw (m: Manifest): Record<string, unknown> {
  return {
    v: 2,
    name: m.name,
    type: m.type,
    tags: m.tags,
    size: m.size,
    created: m.created,
    coding: m.coding,
    stripes: m.stripes.map(s => ({ s: s.shards }))
  }
}

/** The same manifest as version 1 wrote it: a leaf size and a (made-up) Merkle root per shard. */
function rawV1 (m: Manifest): Record<string, unknown> {
  return {
    ...raw(m),
    v: 1,
    coding: { ...m.coding, leafSize: 256 },
    stripes: m.stripes.map((s, i) => ({ s: s.shards, r: s.shards.map((_, j) => pseudoRandomBytes(32, 100 * i + j + 1)), ...(s.hints !== undefined ? { h: s.hints } : {}) }))
  }
}
