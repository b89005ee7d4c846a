/**
 * Frozen samples: sealed manifests made by earlier builds open with today's
 * code, decode to the recorded fields, and their committed shards decode to
 * the recorded plaintext — which also freezes the segment nonce layout, the
 * content sub-key, the stripe layout and Reed-Solomon parity.
 * manifest-v1.json: version 1, written by the last build that wrote it; its
 * Merkle roots and leaf size are read and dropped. manifest-v2.json: version
 * 2, the one written now (no roots). Runs in Node and in Chromium.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { openManifest, encodeManifest, decodeManifest, parseFileKey } from '../../../src/core/manifest.ts'
import { decodeFile, encodeFile, type ShardFetcher } from '../../../src/core/pipeline.ts'
import { decodeCborMap } from '../../../src/core/cbor.ts'
import { initBlake3, shardCid } from '../../../src/core/hash.ts'
import { concatBytes } from '../../../src/core/bytes.ts'
import { fromBase64, fromHex, sha256Hex, toHex, sampleIdentity } from '../../fixtures/formats/samples.ts'
import sampleV1 from '../../fixtures/formats/manifest-v1.json'
import sampleV2 from '../../fixtures/formats/manifest-v2.json'

interface SampleFile {
  label: string
  fileKeyHex: string
  key: string
  sealedBase64: string
  plainManifestHex: string
  manifest: { name: string, type: string, tags: string[], size: number, created: number, coding: Record<string, number>, stripes: Array<{ shards: string[], hints?: string[] }> }
  plaintextSha256Hex: string
  shardsBase64: Record<string, string | undefined>
}
interface Sample { owner: string, files: SampleFile[] }

/** The coding parameters as today's code has them (version 1 also recorded a leaf size). */
function codingOf (file: SampleFile): Record<string, number | undefined> {
  const { k, m, stripeSize, segmentSize } = file.manifest.coding
  return { k, m, stripeSize, segmentSize }
}

/** a file's committed shards by id */
function shardsOf (file: SampleFile): Map<string, Uint8Array> {
  return new Map(Object.entries(file.shardsBase64).flatMap(([id, b64]) => typeof b64 === 'string' ? [[id, fromBase64(b64)] as const] : []))
}

function fetcher (file: SampleFile, missing: (stripe: number, shard: number) => boolean = () => false): ShardFetcher {
  const shards = shardsOf(file)
  return async ({ cid, stripe, shard }) => missing(stripe, shard) ? undefined : shards.get(cid.toString())
}

async function plaintext (file: SampleFile, missing?: (stripe: number, shard: number) => boolean): Promise<Uint8Array> {
  const { manifest } = await openManifest(fromBase64(file.sealedBase64), fromHex(file.fileKeyHex), file.key)
  const parts: Uint8Array[] = []
  for await (const part of decodeFile(manifest, fromHex(file.fileKeyHex), fetcher(file, missing))) parts.push(part)
  return concatBytes(parts)
}

beforeAll(async () => {
  await initBlake3()
})

function describeSample (version: number, sample: Sample): void {
  const owner = sampleIdentity(sample.owner)

  it('holds the files the tests rely on, written in its version', () => {
    expect(sample.files.map(f => [f.manifest.size, f.manifest.stripes.length])).toEqual([[10_000, 3], [75, 1], [0, 1]])
    for (const file of sample.files) expect(decodeCborMap(fromHex(file.plainManifestHex), 1 << 20, 'manifest').v).toBe(version)
  })

  for (const file of sample.files) {
    describe(file.label, () => {
      it('opens with its file key under its recorded key, signed by the sample owner', async () => {
        const sealed = fromBase64(file.sealedBase64)
        const opened = await openManifest(sealed, fromHex(file.fileKeyHex), file.key)
        expect(opened.key.toString()).toBe(file.key)
        expect(parseFileKey(file.key).equals(opened.key)).toBe(true)
        expect(toHex(opened.owner)).toBe(toHex(owner.ed25519.publicKey))
        const m = opened.manifest
        expect({ name: m.name, type: m.type, tags: m.tags, size: m.size, created: m.created, coding: m.coding })
          .toEqual({ name: file.manifest.name, type: file.manifest.type, tags: file.manifest.tags, size: file.manifest.size, created: file.manifest.created, coding: codingOf(file) })
        expect(m.stripes.map(s => ({ shards: s.shards.map(String), ...(s.hints !== undefined ? { hints: s.hints } : {}) })))
          .toEqual(file.manifest.stripes.map(s => ({ shards: s.shards, ...(s.hints !== undefined ? { hints: s.hints } : {}) })))
      })

      it('decodes its committed shards to the recorded plaintext', async () => {
        const plain = await plaintext(file)
        expect(plain.byteLength).toBe(file.manifest.size)
        expect(await sha256Hex(plain)).toBe(file.plaintextSha256Hex)
      })

      it('decodes from parity when two data shards of every stripe are missing', async () => {
        const plain = await plaintext(file, (_, shard) => shard === 0 || shard === 2)
        expect(await sha256Hex(plain)).toBe(file.plaintextSha256Hex)
      })

      it('every committed shard has its recorded id', () => {
        const shards = shardsOf(file)
        expect(shards.size).toBe(file.manifest.stripes.length * ((file.manifest.coding.k as number) + (file.manifest.coding.m as number)))
        for (const stripe of file.manifest.stripes) {
          for (const id of stripe.shards) expect(shardCid(shards.get(id) ?? new Uint8Array(0)).toString()).toBe(id)
        }
      })

      // Relied upon: the same file key and bytes give the same shards, so a repaired shard keeps its id.
      it('today\'s encoder makes the same shards from the same key and plaintext', async () => {
        const plain = await plaintext(file)
        const session = encodeFile(plain, { fileKey: fromHex(file.fileKeyHex), coding: codingOf(file) })
        const shards = shardsOf(file)
        const made: string[][] = []
        for await (const stripe of session.stripes) {
          made.push(stripe.shards.map(String))
          stripe.shards.forEach((id, i) => { expect(toHex(stripe.data[i] as Uint8Array)).toBe(toHex(shards.get(id.toString()) ?? new Uint8Array(0))) })
        }
        expect(made).toEqual(file.manifest.stripes.map(s => s.shards))
      })

      if (version === 1) {
        // No longer written: the same manifest is written as version 2, which reads back the same.
        it('today\'s encoder writes it as version 2, which opens to the same manifest', async () => {
          const { manifest } = await openManifest(fromBase64(file.sealedBase64), fromHex(file.fileKeyHex), file.key)
          expect(decodeManifest(fromHex(file.plainManifestHex))).toEqual(manifest)
          const rewritten = encodeManifest(manifest)
          expect(decodeCborMap(rewritten, 1 << 20, 'manifest').v).toBe(2)
          expect(decodeManifest(rewritten)).toEqual(manifest)
        })
      } else {
        // Not relied upon for reading (the signature covers the bytes as stored), but readers are strict
        // (exact key sets), so an encoder that writes other bytes for the same manifest is a format change.
        it('today\'s encoder writes the same plain manifest bytes', async () => {
          const { manifest } = await openManifest(fromBase64(file.sealedBase64), fromHex(file.fileKeyHex), file.key)
          expect(toHex(encodeManifest(manifest))).toBe(file.plainManifestHex)
        })
      }
    })
  }
}

describe('frozen sealed manifests (v1)', () => { describeSample(1, sampleV1) })
describe('frozen sealed manifests (v2)', () => { describeSample(2, sampleV2) })
