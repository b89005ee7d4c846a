/**
 * Share links. Everything secret stays in the URL fragment, which browsers
 * never send to a server:
 *
 *   <origin>/#/s/<file key CID>/<base64url(32-byte file key)>
 *   <origin>/#/s/<file key CID>/p/<base64url(password-sealed file key)>
 *   <origin>/#/s/<file key CID>/k/<base64url(file key ECIES-sealed to the recipient)>
 *
 * The password form seals the file key with Argon2id (m = 19 MiB, t = 2,
 * the keystore's minimum, so a phone opens it in well under a second) and
 * AES-256-GCM, with the file's CID as associated data so a sealed key cannot
 * be moved to another link. Its password must pass the keystore's strength
 * check (zxcvbn score 3) unless the caller allows a weak one: the sealed key
 * travels in the link, so a guessable password is guessed offline. A link
 * is read by whoever opens it, so the Argon2id parameters it records are
 * bounded by LINK_ARGON2_MAX before any work, and the derivation runs off
 * the page's thread (keystore/argon2.ts).
 *
 * The `k` form opens only with the recipient's unlocked keys (a share "to a
 * public key"); its envelope is bound to the file's CID (mesh share.ts).
 */
import { base64url } from 'multiformats/bases/base64'
import { assertStrongPassword, parseSealedBlob, ARGON2_DEFAULT, ARGON2_MIN, type Argon2Params } from '../../core/keystore/index.ts'
import { checkArgon2ParamsWithin } from '../../core/keystore/argon2.ts'
import { openWithPassword, sealWithPassword } from '../../core/keystore/sealed.ts'
import { parseFileKey } from '../../core/manifest.ts'
import { InvalidParametersError, MalformedDataError } from '../../core/errors.ts'
import type { FileShare } from '../../mesh/index.ts'

/** The Argon2id parameters this build seals link passwords with. */
export const LINK_ARGON2: Argon2Params = ARGON2_MIN

/**
 * The most a link may ask of the browser that opens it: the keystore's own
 * default (64 MiB, 3 passes, 1 lane), so a crafted link costs at most what
 * unlocking the keystore costs on that device, never the 1 GiB x 16 passes
 * the keystore accepts from its own storage. It leaves room above LINK_ARGON2
 * for a later build to strengthen links without older builds refusing them.
 */
export const LINK_ARGON2_MAX: Argon2Params = ARGON2_DEFAULT

const encoder = new TextEncoder()
const b64 = (bytes: Uint8Array): string => base64url.baseEncode(bytes)
function unb64 (text: string): Uint8Array {
  try { return base64url.baseDecode(text) } catch { throw new MalformedDataError('The share link is damaged') }
}

/**
 * A link to one file; with `password`, its key sealed under it (refused with
 * WeakPasswordError when guessable, unless `options.allowWeak`).
 */
export async function makeShareLink (origin: string, share: FileShare, password?: string, options: { allowWeak?: boolean } = {}): Promise<string> {
  const base = new URL('/', origin).toString()
  if (password === undefined || password === '') return `${base}#/s/${share.key}/${b64(share.fileKey)}`
  await assertStrongPassword(password, { allowWeak: options.allowWeak === true })
  const sealed = await sealWithPassword(password, share.fileKey, { params: LINK_ARGON2, associatedData: encoder.encode(share.key) })
  return `${base}#/s/${share.key}/p/${b64(sealed)}`
}

/** A link only the holder of the keys the envelope was sealed to can open. */
export function makeSealedShareLink (origin: string, key: string, envelope: Uint8Array): string {
  return `${new URL('/', origin).toString()}#/s/${key}/k/${b64(envelope)}`
}

export interface ParsedShareLink {
  key: string
  /** present for links without a password */
  fileKey?: Uint8Array
  /** present for password-protected links */
  sealed?: Uint8Array
  /** present for links sealed to a recipient's public key */
  envelope?: Uint8Array
}

/**
 * A damaged or greedy password-sealed key is refused when the link is read,
 * before a password is asked for and before any Argon2id work.
 */
function checkSealedKey (bytes: Uint8Array): void {
  let params: Argon2Params
  try {
    params = parseSealedBlob(bytes).params
  } catch (err) {
    throw new MalformedDataError('The share link is damaged', { reason: (err as { name?: string }).name })
  }
  try {
    checkArgon2ParamsWithin(params, LINK_ARGON2_MAX)
  } catch (err) {
    throw new MalformedDataError('This link asks for far more password-hashing work than DataMesh links use: it was not made by DataMesh', (err as MalformedDataError).details)
  }
}

/** Read a share link (or just its fragment); null when it is not one. */
export function parseShareLink (link: string): ParsedShareLink | null {
  const hash = link.includes('#') ? link.slice(link.indexOf('#') + 1) : link
  const m = /^\/s\/([a-z0-9]+)\/(?:([pk])\/)?([A-Za-z0-9_-]+)$/.exec(hash)
  if (m === null) return null
  const key = m[1] as string
  try { parseFileKey(key) } catch { throw new MalformedDataError('The share link names no DataMesh file') }
  const bytes = unb64(m[3] as string)
  if (m[2] === 'p') {
    checkSealedKey(bytes)
    return { key, sealed: bytes }
  }
  if (m[2] === 'k') return { key, envelope: bytes }
  if (bytes.byteLength !== 32) throw new MalformedDataError('The share link is damaged')
  return { key, fileKey: bytes }
}

/** The FileShare of a link, asking for the password when it has one (BadPasswordError when wrong). */
export async function openShareLink (parsed: ParsedShareLink, password?: string, openEnvelope?: (key: string, envelope: Uint8Array) => Promise<FileShare>): Promise<FileShare> {
  if (parsed.fileKey !== undefined) return { key: parsed.key, fileKey: parsed.fileKey }
  if (parsed.envelope !== undefined) {
    if (openEnvelope === undefined) throw new InvalidParametersError('This link was shared to a public key: unlock the keys it was sealed to', { reason: 'keys-required' })
    return await openEnvelope(parsed.key, parsed.envelope)
  }
  if (parsed.sealed === undefined) throw new MalformedDataError('The share link is damaged')
  if (password === undefined) throw new InvalidParametersError('This link is protected by a password', { reason: 'password-required' })
  const fileKey = await openWithPassword(password, parsed.sealed, { associatedData: encoder.encode(parsed.key), maxParams: LINK_ARGON2_MAX })
  return { key: parsed.key, fileKey }
}
