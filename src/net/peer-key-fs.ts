/** Peer identity in a file (Node): written once, atomically, readable by the owner only. */
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { PeerKeyStorage } from './peer-key.ts'

export function fileKeyStorage (path: string): PeerKeyStorage {
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
      await mkdir(dirname(path), { recursive: true })
      const tmp = `${path}.${process.pid}.tmp`
      await writeFile(tmp, bytes, { mode: 0o600 })
      await rename(tmp, path)
    }
  }
}
