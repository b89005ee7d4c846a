import { describe, it, expect, afterEach } from 'vitest'
import { mkdtemp, rm, readdir, stat, open, link, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { keyVaultContract } from './keyvault.contract.ts'
import { MemoryKeyVault } from '../../src/store/keyvault/memory.ts'
import { FsKeyVault } from '../../src/store/keyvault/fs.ts'
import type { StoredKey } from '../../src/core/keystore/vault.ts'

async function tempDir (): Promise<string> {
  return await mkdtemp(join(tmpdir(), 'datamesh-keyvault-'))
}

keyVaultContract('memory', async () => ({ vault: new MemoryKeyVault() }))

keyVaultContract('node file system', async () => {
  const dir = await tempDir()
  const path = join(dir, 'nested', 'keys.cbor')
  return { vault: new FsKeyVault(path), reopen: async () => new FsKeyVault(path), cleanup: async () => await rm(dir, { recursive: true, force: true }) }
})

const rec = (name: string, fill: number): StoredKey => ({ name, created: 1, publicKey: new Uint8Array(65).fill(fill), sealed: new Uint8Array(100).fill(fill) })

describe('FsKeyVault specifics', () => {
  let dir: string | undefined
  afterEach(async () => { if (dir !== undefined) await rm(dir, { recursive: true, force: true }); dir = undefined })

  it('writes a private file atomically and leaves no temporary files', async () => {
    dir = await tempDir()
    const path = join(dir, 'keys.cbor')
    const vault = new FsKeyVault(path)
    await Promise.all([vault.write({ put: [rec('a', 1)] }), vault.write({ put: [rec('b', 2)] }), vault.write({ defaultKey: 'a' })])
    expect((await vault.list()).map(r => r.name).sort()).toEqual(['a', 'b'])
    expect(await readdir(dir)).toEqual(['keys.cbor'])
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('overwrites the superseded file in place with random bytes', async () => {
    dir = await tempDir()
    const path = join(dir, 'keys.cbor')
    const vault = new FsKeyVault(path)
    await vault.write({ put: [rec('secret', 0xab)] })
    const oldBytes = await readFile(path)
    const held = await open(path, 'r') // keeps the old inode readable after the rename
    try {
      await vault.write({ delete: ['secret'] })
      const after = Buffer.alloc(oldBytes.byteLength)
      await held.read(after, 0, after.byteLength, 0)
      expect(after.equals(oldBytes)).toBe(false)
      expect(after.includes(Buffer.alloc(32, 0xab))).toBe(false)
    } finally {
      await held.close()
    }
  })

  it('leaves a hard-linked old file alone (it is not ours to destroy)', async () => {
    dir = await tempDir()
    const path = join(dir, 'keys.cbor')
    const vault = new FsKeyVault(path)
    await vault.write({ put: [rec('a', 1)] })
    const backup = join(dir, 'backup.cbor')
    await link(path, backup)
    await vault.write({ put: [rec('b', 2)] })
    expect((await new FsKeyVault(backup).list()).map(r => r.name)).toEqual(['a'])
  })

  it('reads strictly: damaged, unknown-version and reshaped files are typed errors', async () => {
    dir = await tempDir()
    const path = join(dir, 'keys.cbor')
    const vault = new FsKeyVault(path)
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array([0xff, 0xfe]), 'MalformedDataError'],
      [dagCbor.encode({ v: 2, default: null, keys: [] }), 'UnsupportedVersionError'],
      [dagCbor.encode({ v: 1, default: null, keys: [], more: 1 }), 'MalformedDataError'],
      [dagCbor.encode({ v: 1, default: 5, keys: [] }), 'MalformedDataError'],
      [dagCbor.encode({ v: 1, default: null, keys: [rec('a', 1), rec('a', 2)] }), 'MalformedDataError'],
      [dagCbor.encode({ v: 1, default: null, keys: [{ ...rec('a', 1), extra: true }] }), 'MalformedDataError'],
      [dagCbor.encode({ v: 1, default: null, keys: [{ ...rec('a', 1), sealed: 'text' }] }), 'MalformedDataError']
    ]
    for (const [bytes, name] of cases) {
      await writeFile(path, bytes)
      const err = await vault.list().catch((e: Error) => e)
      expect((err as Error).name).toBe(name)
    }
  })
})
