import { expect } from 'vitest'
import { DataMeshError } from '../../../src/core/errors.ts'
import { ARGON2_MIN } from '../../../src/core/keystore/argon2.ts'

/** the OWASP floor keeps each Argon2id run to ~50 ms */
export const FAST = ARGON2_MIN
export const STRONG = 'velvet-quarry-7-lantern-obtuse'
export const STRONG2 = 'marmalade tundra sprocket 93 whim'
export const WEAK = 'password1'

export async function errorOf (p: Promise<unknown> | (() => Promise<unknown>)): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

export async function expectError (p: Promise<unknown>, name: string): Promise<Error> {
  const err = await errorOf(p)
  expect(err).toBeInstanceOf(DataMeshError)
  expect(err.name).toBe(name)
  return err
}

import { MemoryKeyVault } from '../../../src/store/keyvault/memory.ts'
import type { AbortOptions, KeyVault, StoredKey, VaultBatch } from '../../../src/core/keystore/vault.ts'

/** A memory vault that records every batch and can be told to fail writes. */
export class SpyVault implements KeyVault {
  readonly inner = new MemoryKeyVault()
  readonly batches: VaultBatch[] = []
  failWrites = false

  async list (o?: AbortOptions): Promise<StoredKey[]> { return await this.inner.list(o) }
  async get (n: string, o?: AbortOptions): Promise<StoredKey | undefined> { return await this.inner.get(n, o) }
  async getDefault (o?: AbortOptions): Promise<string | undefined> { return await this.inner.getDefault(o) }
  async write (b: VaultBatch, o?: AbortOptions): Promise<void> {
    if (this.failWrites) throw new Error('disk full')
    this.batches.push(b)
    await this.inner.write(b, o)
  }

  /** everything stored, for byte-for-byte comparisons */
  async snapshot (): Promise<unknown> {
    const keys = (await this.list()).sort((a, b) => a.name < b.name ? -1 : 1)
    return { def: await this.getDefault(), keys: keys.map(k => ({ ...k, publicKey: Array.from(k.publicKey), sealed: Array.from(k.sealed) })) }
  }
}
