/**
 * Encrypted export of one or more keys, to move them between devices or keep
 * a backup. The file is sealed under its own export password.
 *
 * File, version 1 (offsets in bytes):
 *   0    4    magic "DMKE" (0x44 0x4d 0x4b 0x45, "DataMesh key export")
 *   4    1    file version = 0x01
 *   5    ..   sealed blob (sealed.ts, version 1) of the payload below,
 *             with bytes 0..5 as extra associated data
 *
 * Payload (dag-cbor, inside the encryption, so names are hidden too):
 *   { v: 1, keys: [ { name: string, created: int, secret: bytes(64) } ] }
 * `secret` is the identity secret layout of keys/identity.ts; public keys are
 * recomputed from it. At most MAX_EXPORT_KEYS keys, names valid and distinct.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { decodeCbor } from '../cbor.ts'
import { MalformedDataError, UnsupportedVersionError } from '../errors.ts'
import { concatBytes, equalBytes, wipe } from '../bytes.ts'
import { decodeIdentitySecrets, encodeIdentitySecrets, IDENTITY_SECRET_BYTES, wipeIdentity, type Identity } from '../keys/identity.ts'
import type { Argon2Params } from './argon2.ts'
import { ARGON2_DEFAULT } from './argon2.ts'
import { derivePasswordKey, openWithKey, parseSealedBlob, passwordKeyFor, sealWithKey, type SealedBlob } from './sealed.ts'
import { isValidKeyName } from './names.ts'
import type { AbortOptions } from './vault.ts'

export const EXPORT_MAGIC = Uint8Array.of(0x44, 0x4d, 0x4b, 0x45)
export const EXPORT_VERSION = 1
export const EXPORT_PAYLOAD_VERSION = 1
export const MAX_EXPORT_KEYS = 1000
const PREFIX_BYTES = EXPORT_MAGIC.byteLength + 1

export interface ExportedKey {
  name: string
  /** milliseconds since the Unix epoch */
  created: number
  identity: Identity
}

function prefix (): Uint8Array {
  return concatBytes([EXPORT_MAGIC, Uint8Array.of(EXPORT_VERSION)])
}

export async function encodeKeyExport (keys: readonly ExportedKey[], password: string, options?: AbortOptions & { params?: Argon2Params }): Promise<Uint8Array> {
  if (keys.length === 0 || keys.length > MAX_EXPORT_KEYS) throw new MalformedDataError('An export holds 1..1000 keys', { count: keys.length })
  const secrets = keys.map(k => encodeIdentitySecrets(k.identity))
  const payload = dagCbor.encode({ v: EXPORT_PAYLOAD_VERSION, keys: keys.map((k, i) => ({ name: k.name, created: k.created, secret: secrets[i] })) })
  try {
    const key = await derivePasswordKey(password, options?.params ?? ARGON2_DEFAULT, undefined, options)
    const head = prefix()
    return concatBytes([head, await sealWithKey(key, payload, head)])
  } finally {
    wipe(payload, ...secrets)
  }
}

/** Strict parse of everything outside the encryption. */
export function parseKeyExport (bytes: Uint8Array): SealedBlob {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < PREFIX_BYTES || !equalBytes(bytes.subarray(0, EXPORT_MAGIC.byteLength), EXPORT_MAGIC)) {
    throw new MalformedDataError('Not a DataMesh key export file')
  }
  if (bytes[4] !== EXPORT_VERSION) throw new UnsupportedVersionError('Unknown key export version', { version: bytes[4] })
  return parseSealedBlob(bytes.subarray(PREFIX_BYTES))
}

export async function decodeKeyExport (bytes: Uint8Array, password: string, options?: AbortOptions): Promise<ExportedKey[]> {
  const blob = parseKeyExport(bytes)
  const key = await passwordKeyFor(password, blob, options)
  const payload = await openWithKey(key, blob, bytes.subarray(0, PREFIX_BYTES))
  try {
    return parsePayload(payload)
  } finally {
    wipe(payload)
  }
}

function fail (reason: string): never {
  throw new MalformedDataError('Key export payload is malformed', { reason })
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

function hasExactKeys (o: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(o)
  return own.length === keys.length && keys.every(k => Object.hasOwn(o, k))
}

function parsePayload (payload: Uint8Array): ExportedKey[] {
  let doc: unknown
  try {
    doc = decodeCbor(payload, payload.byteLength, 'key export payload')
  } catch (err) {
    fail(`not dag-cbor: ${String(err)}`)
  }
  if (!isPlainObject(doc) || !hasExactKeys(doc, ['keys', 'v'])) fail('fields')
  if (doc.v !== EXPORT_PAYLOAD_VERSION) throw new UnsupportedVersionError('Unknown key export payload version', { version: String(doc.v) })
  const list = doc.keys
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_EXPORT_KEYS) fail('keys')
  const names = new Set<string>()
  const out: ExportedKey[] = []
  try {
    for (const entry of list as unknown[]) {
      if (!isPlainObject(entry) || !hasExactKeys(entry, ['created', 'name', 'secret'])) fail('key fields')
      const { name, created, secret } = entry
      if (!isValidKeyName(name) || names.has(name)) fail('key name')
      if (typeof created !== 'number' || !Number.isSafeInteger(created) || created < 0) fail('created')
      if (!(secret instanceof Uint8Array) || secret.byteLength !== IDENTITY_SECRET_BYTES) fail('secret')
      names.add(name)
      out.push({ name, created, identity: decodeIdentitySecrets(secret) })
    }
  } catch (err) {
    for (const k of out) wipeIdentity(k.identity)
    throw err
  }
  return out
}
