/**
 * The unlocked state of a keystore: the password-derived key (a
 * non-extractable CryptoKey) and the opened identities. Locking wipes the
 * secret keys in place; a handle kept by a caller then refuses to work
 * instead of signing with zeroes.
 */
import { BadPasswordError, DataMeshError, LockedError, MalformedDataError, throwIfAborted } from '../errors.ts'
import { wipe } from '../bytes.ts'
import type { OwnerSigner } from '../signature.ts'
import { holderSigner } from '../keys/holder-key.ts'
import { repairSigner } from '../keys/repair-key.ts'
import { ed25519 } from '@noble/curves/ed25519.js'
import { decodeIdentitySecrets, encodeIdentitySecrets, publicIdentity, wipeIdentity, type Identity, type PublicIdentity } from '../keys/identity.ts'
import { decodePublicIdentity, encodePublicIdentity, equalPublicIdentities, formatPublicIdentity } from '../keys/public-key.ts'
import { open as eciesOpen, type EciesOptions } from '../keys/ecies.ts'
import { derivedAlike, openWithKey, parseSealedBlob, passwordKeyFor, sealWithKey, type PasswordKey, type SealedBlob } from './sealed.ts'
import type { AbortOptions, StoredKey } from './vault.ts'

export function lockedError (): LockedError {
  return new LockedError('Keystore is locked: unlock it first (or pass the password)', { reason: 'locked' })
}

/** An unlocked key: sign and open ECIES envelopes without seeing the secrets. */
export interface UnlockedKey {
  readonly name: string
  readonly publicKey: PublicIdentity
  /** `formatPublicIdentity(publicKey)` */
  readonly publicKeyString: string
  /** Ed25519, the key for each holder (keys/holder-key.ts) and each file's repair key (keys/repair-key.ts); all throw once the keystore is locked */
  readonly signer: OwnerSigner
  /** ECIES open (keys/ecies.ts) with this key's X25519 secret */
  open: (envelope: Uint8Array, options?: EciesOptions) => Promise<Uint8Array>
}

export class UnlockedIdentity implements UnlockedKey {
  #identity: Identity | undefined
  #name: string
  readonly publicKey: PublicIdentity
  readonly publicKeyString: string
  readonly signer: OwnerSigner

  /** Takes ownership of `identity` (wiped on lock). */
  constructor (name: string, identity: Identity) {
    this.#name = name
    this.#identity = identity
    this.publicKey = publicIdentity(identity)
    this.publicKeyString = formatPublicIdentity(this.publicKey)
    this.signer = {
      publicKey: this.publicKey.ed25519.slice(),
      sign: (message: Uint8Array) => ed25519.sign(message, this.identity().ed25519.secretKey),
      // derived inside the session: the seed is re-derived for each signature and wiped after it
      forHolder: (holder: Uint8Array) => holderSigner(() => this.identity().ed25519.secretKey, holder),
      forFile: (fileKeyCid: Uint8Array) => repairSigner(() => this.identity().ed25519.secretKey, fileKeyCid)
    }
  }

  get name (): string { return this.#name }
  get isLocked (): boolean { return this.#identity === undefined }

  /** The secrets, for re-sealing and export inside the keystore only. */
  identity (): Identity {
    if (this.#identity === undefined) throw lockedError()
    return this.#identity
  }

  async open (envelope: Uint8Array, options?: EciesOptions): Promise<Uint8Array> {
    return await eciesOpen(this.identity().x25519.secretKey, envelope, options)
  }

  rename (name: string): void { this.#name = name }

  wipe (): void {
    if (this.#identity !== undefined) wipeIdentity(this.#identity)
    this.#identity = undefined
  }
}

export class Session {
  key: PasswordKey
  readonly keys = new Map<string, UnlockedIdentity>()
  #open = true

  constructor (key: PasswordKey) {
    this.key = key
  }

  get isOpen (): boolean { return this.#open }

  add (handle: UnlockedIdentity): void {
    if (!this.#open) { handle.wipe(); return }
    this.keys.get(handle.name)?.wipe()
    this.keys.set(handle.name, handle)
  }

  rename (from: string, to: string): void {
    const h = this.keys.get(from)
    if (h === undefined) return
    this.keys.delete(from)
    h.rename(to)
    this.keys.set(to, h)
  }

  remove (name: string): void {
    this.keys.get(name)?.wipe()
    this.keys.delete(name)
  }

  close (): void {
    this.#open = false
    for (const h of this.keys.values()) h.wipe()
    this.keys.clear()
  }
}

export interface OpenedRecord {
  record: StoredKey
  identity: Identity
}

function parseRecord (record: StoredKey): SealedBlob {
  try {
    return parseSealedBlob(record.sealed)
  } catch (err) {
    if (err instanceof DataMeshError) (err.details as Record<string, unknown>).key = record.name
    throw err
  }
}

/**
 * Open every record with `password`, all or nothing: BadPasswordError when
 * none opens, MalformedDataError when some do and others do not (damage), or
 * when a record's public key does not match its secrets. One Argon2id run
 * per distinct salt. Returns the derived key of the first record's salt.
 */
export async function openRecords (records: readonly StoredKey[], password: string, options?: AbortOptions): Promise<{ key: PasswordKey, opened: OpenedRecord[] }> {
  if (records.length === 0) throw new MalformedDataError('No key records to open')
  const blobs = records.map(parseRecord)
  const keys: PasswordKey[] = []
  const opened: OpenedRecord[] = []
  const failed: string[] = []
  try {
    for (const [i, record] of records.entries()) {
      const blob = blobs[i] as SealedBlob
      let key = keys.find(k => derivedAlike(k, blob))
      if (key === undefined) {
        throwIfAborted(options?.signal)
        key = await passwordKeyFor(password, blob, options)
        keys.push(key)
      }
      let secret: Uint8Array
      try {
        secret = await openWithKey(key, blob)
      } catch (err) {
        if (!(err instanceof BadPasswordError)) throw err
        failed.push(record.name)
        continue
      }
      try {
        const identity = decodeIdentitySecrets(secret)
        opened.push({ record, identity })
        if (!equalPublicIdentities(publicIdentity(identity), decodePublicIdentity(record.publicKey))) {
          throw new MalformedDataError('Stored public key does not match the sealed secret key', { key: record.name })
        }
      } finally {
        wipe(secret)
      }
    }
    if (opened.length === 0) throw new BadPasswordError()
    if (failed.length > 0) throw new MalformedDataError('Some keys do not open with the password that opens the others', { keys: failed })
    return { key: keys[0] as PasswordKey, opened }
  } catch (err) {
    for (const o of opened) wipeIdentity(o.identity)
    throw err
  }
}

/** A key record for `identity`, sealed under the session's derived key. */
export async function sealRecord (session: Pick<Session, 'key'>, name: string, created: number, identity: Identity): Promise<StoredKey> {
  const secret = encodeIdentitySecrets(identity)
  try {
    return { name, created, publicKey: encodePublicIdentity(publicIdentity(identity)), sealed: await sealWithKey(session.key, secret) }
  } finally {
    wipe(secret)
  }
}
