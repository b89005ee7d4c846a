/**
 * Checks shared by the KeyVault backends: what a batch may contain before
 * it is written (InvalidParametersError), and what a record read back from
 * storage must look like (MalformedDataError; storage can be damaged).
 */
import { InvalidParametersError, MalformedDataError } from '../../core/errors.ts'
import { MiB } from '../../core/bytes.ts'
import { isValidKeyName } from '../../core/keystore/names.ts'
import type { StoredKey, VaultBatch } from '../../core/keystore/vault.ts'

/** a record is a public key and a sealed 64-byte secret: a few hundred bytes */
export const MAX_FIELD_BYTES = 64 * 1024
/** bound on a whole vault file */
export const MAX_VAULT_BYTES = 16 * MiB

export function isStoredKey (r: unknown): r is StoredKey {
  if (typeof r !== 'object' || r === null) return false
  const o = r as Record<string, unknown>
  return isValidKeyName(o.name) &&
    typeof o.created === 'number' && Number.isSafeInteger(o.created) && o.created >= 0 &&
    o.publicKey instanceof Uint8Array && o.publicKey.byteLength > 0 && o.publicKey.byteLength <= MAX_FIELD_BYTES &&
    o.sealed instanceof Uint8Array && o.sealed.byteLength > 0 && o.sealed.byteLength <= MAX_FIELD_BYTES
}

export function checkBatch (batch: VaultBatch): void {
  const names = new Set<string>()
  for (const r of batch.put ?? []) {
    if (!isStoredKey(r)) throw new InvalidParametersError('Not a valid key record', { name: String((r as { name?: unknown })?.name) })
    if (names.has(r.name)) throw new InvalidParametersError('A batch puts the same name twice', { name: r.name })
    names.add(r.name)
  }
  for (const n of batch.delete ?? []) {
    if (typeof n !== 'string') throw new InvalidParametersError('A key name is a string')
  }
  const d = batch.defaultKey
  if (d !== undefined && d !== null && !isValidKeyName(d)) throw new InvalidParametersError('Not a valid default key name', { name: String(d) })
}

export function checkReadRecord (r: unknown): StoredKey {
  if (!isStoredKey(r)) throw new MalformedDataError('A stored key record is damaged')
  return r
}
