/**
 * Several files as one ZIP (client-zip: stored, not compressed — the bytes
 * are mostly compressed media or already random after all). Files are opened
 * one after the other as the archive is read, so only the file being copied
 * is in flight, and the archive's exact size is known up front.
 */
import { downloadZip, predictLength } from 'client-zip'
import { freeName } from './names.ts'

export interface ZipSource {
  /** the path inside the archive (folders from "/" in the name) */
  name: string
  size: number
  /** ms since the epoch, the entry's modification time */
  created: number
  /** open the file's bytes (called when the archive reaches it) */
  open: (signal?: AbortSignal) => Promise<ReadableStream<Uint8Array>>
}

/**
 * A safe path inside the archive: forward slashes, no leading slash, no
 * "." or ".." segment (an unzipper must not write outside its folder).
 */
export function zipPath (name: string): string {
  const parts = name.replace(/\\/g, '/').split('/').filter(p => p !== '' && p !== '.' && p !== '..')
  return parts.length === 0 ? 'file' : parts.join('/')
}

/** Paths made unique: a second "a.txt" becomes "a (2).txt". */
function uniquePaths (names: string[]): string[] {
  const seen = new Set<string>()
  return names.map(name => {
    const path = freeName(zipPath(name), seen)
    seen.add(path)
    return path
  })
}

/** The archive of `files` as a stream, with its exact size. */
export function zipFiles (files: readonly ZipSource[], options: { signal?: AbortSignal } = {}): { stream: ReadableStream<Uint8Array>, size: number } {
  const { signal } = options
  const paths = uniquePaths(files.map(f => f.name))
  const metadata = files.map((f, i) => ({ name: paths[i] ?? 'file', size: f.size }))
  async function * entries (): AsyncGenerator<{ name: string, input: ReadableStream<Uint8Array>, size: number, lastModified: Date }> {
    for (const [i, f] of files.entries()) {
      signal?.throwIfAborted()
      yield { name: paths[i] ?? 'file', input: await f.open(signal), size: f.size, lastModified: new Date(f.created) }
    }
  }
  const response = downloadZip(entries(), { metadata })
  if (response.body === null) throw new Error('The archive has no body')
  return { stream: response.body, size: Number(predictLength(metadata)) }
}
