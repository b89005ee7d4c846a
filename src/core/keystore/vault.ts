/**
 * What the keystore needs from persistence: a small table of key records by
 * name plus the name of the default key, with all-or-nothing batches.
 * Backends live in src/store/keyvault (memory, IndexedDB, Node filesystem).
 *
 * Contract (tests/store/keyvault.contract.ts checks every backend):
 * - `write` applies every put and delete of a batch, or none of them.
 * - Records read back equal what was written; returned objects are copies.
 * - `get` of an unknown name is undefined; deleting an unknown name is a no-op.
 * - A backend drops what it can of overwritten or deleted bytes (zeroing
 *   memory, overwriting a replaced file in place); see each backend for what
 *   it cannot guarantee.
 */

export interface AbortOptions {
  signal?: AbortSignal
}

/** One key as stored: public parts in the clear, secrets sealed (sealed.ts). */
export interface StoredKey {
  /** unique, 1..64 characters (names.ts) */
  readonly name: string
  /** creation time, milliseconds since the Unix epoch */
  readonly created: number
  /** encodePublicIdentity() bytes: version || X25519 public || Ed25519 public */
  readonly publicKey: Uint8Array
  /** sealed blob of the 64 identity secret bytes */
  readonly sealed: Uint8Array
}

export interface VaultBatch {
  put?: readonly StoredKey[]
  delete?: readonly string[]
  /** set (string) or clear (null) the default key name; unchanged when absent */
  defaultKey?: string | null
}

export interface KeyVault {
  list: (options?: AbortOptions) => Promise<StoredKey[]>
  get: (name: string, options?: AbortOptions) => Promise<StoredKey | undefined>
  getDefault: (options?: AbortOptions) => Promise<string | undefined>
  /** all-or-nothing; deletes are applied before puts */
  write: (batch: VaultBatch, options?: AbortOptions) => Promise<void>
}

/** Copy of a record, so callers and backends never share buffers. */
export function copyStoredKey (r: StoredKey): StoredKey {
  return { name: r.name, created: r.created, publicKey: r.publicKey.slice(), sealed: r.sealed.slice() }
}
