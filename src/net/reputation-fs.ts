/**
 * A reputation book in a file (Node: storage peers and the relay). Each save
 * replaces the file whole or not at all: a temporary file in the same
 * folder, fsync, rename over the old one, fsync of the folder. Saves are
 * already coalesced by the book (at most one a minute, one at a time).
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import type { ReputationStorage } from './reputation.ts'

export function fileReputationStorage (path: string): ReputationStorage {
  const dir = dirname(path)
  return {
    async load () {
      try {
        return new Uint8Array(await readFile(path))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    async save (bytes) {
      await mkdir(dir, { recursive: true })
      const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
      try {
        const fh = await open(tmp, 'wx', 0o600)
        try {
          await fh.writeFile(bytes)
          await fh.datasync()
        } finally {
          await fh.close()
        }
        await rename(tmp, path)
      } catch (err) {
        await unlink(tmp).catch(() => {})
        throw err
      }
      try {
        const folder = await open(dir, 'r')
        try { await folder.sync() } finally { await folder.close() }
      } catch { /* some platforms cannot fsync a folder; the rename is still atomic */ }
    }
  }
}
