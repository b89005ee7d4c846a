/**
 * get: a file's plaintext, from its index name, its key, or a share.
 *
 * The manifest is fetched (hints, then DHT providers, then any connected
 * peer that has it) and opened with the file key; then every stripe is read
 * from any k verified shards: hinted holder first, then DHT providers, with
 * slow holders hedged. Damaged copies are reported ('shard:corrupt') and
 * parity used in their place.
 */
import { wipe } from '../../core/bytes.ts'
import { decodeFile, toReadableStream } from '../../core/pipeline.ts'
import { report, type MeshContext } from '../context.ts'
import { meshShardFetcher } from '../locate.ts'
import { loadManifest, resolveFile } from '../resolve.ts'
import type { FileRef, MeshOptions } from '../types.ts'

export async function getStream (ctx: MeshContext, ref: FileRef, options: MeshOptions = {}): Promise<{ stream: ReadableStream<Uint8Array>, type: string, size: number, name: string }> {
  const { signal } = options
  const file = await resolveFile(ctx, ref)
  // decode with a copy wiped at the end; a share's own key belongs to the caller
  const fileKey = file.fileKey.slice()
  if (typeof ref === 'string') wipe(file.fileKey)
  let opened
  try {
    opened = await loadManifest(ctx, { ...file, fileKey }, signal)
  } catch (err) {
    wipe(fileKey)
    throw err
  }
  report(ctx, options, 'get:progress', { type: 'get:manifest', key: file.key })
  const { manifest } = opened
  const chunks = decodeFile(manifest, fileKey, meshShardFetcher(ctx), {
    ...(ctx.config.codec !== undefined ? { codec: ctx.config.codec } : {}),
    ...(signal !== undefined ? { signal } : {}),
    onProgress: p => { report(ctx, options, 'get:progress', { type: 'get:decoded', bytesDone: p.bytesDone, bytesTotal: manifest.size }) },
    onCorruptShard: r => { ctx.events.dispatch('shard:corrupt', { id: r.cid.toString(), stripe: r.stripe, shard: r.shard }) }
  })
  async function * wiping (): AsyncGenerator<Uint8Array> {
    try {
      yield * chunks
    } finally {
      wipe(fileKey)
    }
  }
  return { stream: toReadableStream(wiping()), type: manifest.type, size: manifest.size, name: manifest.name }
}

/**
 * The whole file as an untyped Blob. The manifest's MIME type is whatever
 * its owner wrote (`info(ref).type`): a Blob carrying it would let a page
 * that opens the Blob's URL render the owner's HTML or SVG in its own
 * origin, so the type is never attached here; callers that show a file
 * choose a safe type themselves (the app's preview allow-list).
 */
export async function get (ctx: MeshContext, ref: FileRef, options: MeshOptions = {}): Promise<Blob> {
  const { stream } = await getStream(ctx, ref, options)
  const parts: Uint8Array[] = []
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value)
  }
  return new Blob(parts as BlobPart[])
}
