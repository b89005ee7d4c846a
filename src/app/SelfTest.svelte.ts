/**
 * The app shell's self-test: runs a file through the local pipeline (encrypt,
 * erasure-code, hash, then rebuild from 4 of 6 shards with two dropped) in the
 * pipeline workers, and checks the result byte for byte. Nothing leaves the
 * device.
 */
import { encodeFile, decodeFile, buildManifest } from '../core/pipeline.ts'
import { WorkerPoolCodec } from '../core/worker/pool.ts'

export interface SelfTestResult {
  name: string
  size: number
  stripes: number
  shards: number
  encodeMBps: number
  decodeMBps: number
  identical: boolean
}

export class SelfTest {
  running = $state(false)
  progress = $state(0)
  result = $state<SelfTestResult | undefined>()
  error = $state<string | undefined>()

  async run (file: File): Promise<void> {
    this.running = true
    this.error = undefined
    this.result = undefined
    const codec = new WorkerPoolCodec()
    try {
      const shards = new Map<string, Uint8Array>()
      let t0 = performance.now()
      const session = encodeFile(file, { codec, onProgress: p => { this.progress = p.bytesDone / Math.max(1, file.size) / 2 } })
      for await (const s of session.stripes) s.shards.forEach((cid, i) => shards.set(`${s.index}:${i}`, s.data[i] as Uint8Array))
      const encodeMs = performance.now() - t0
      const manifest = buildManifest({ name: file.name, type: file.type }, session.coding, session.summary())
      t0 = performance.now()
      // drop the first two shards of every stripe: parity must stand in for them
      const fetcher = async ({ stripe, shard }: { stripe: number, shard: number }): Promise<Uint8Array | undefined> => shard < 2 ? undefined : shards.get(`${stripe}:${shard}`)
      const original = new Uint8Array(await file.arrayBuffer())
      let offset = 0
      let identical = true
      for await (const chunk of decodeFile(manifest, session.fileKey, fetcher, { codec, onProgress: p => { this.progress = 0.5 + p.bytesDone / Math.max(1, file.size) / 2 } })) {
        for (let i = 0; i < chunk.length && identical; i++) identical = chunk[i] === original[offset + i]
        offset += chunk.length
      }
      const decodeMs = performance.now() - t0
      this.result = {
        name: file.name,
        size: file.size,
        stripes: manifest.stripes.length,
        shards: shards.size,
        encodeMBps: file.size / 1e3 / Math.max(encodeMs, 0.001),
        decodeMBps: file.size / 1e3 / Math.max(decodeMs, 0.001),
        identical: identical && offset === file.size
      }
    } catch (err) {
      this.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    } finally {
      codec.close()
      this.running = false
      this.progress = 1
    }
  }
}
