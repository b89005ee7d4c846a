/**
 * share: what someone else needs to read one file: its key and its file key.
 * Whoever gets it can read the file (and nothing else); put it only in a
 * URL fragment or another channel the recipient alone sees.
 *
 * shareTo seals the 32-byte file key to a recipient's X25519 key (ECIES,
 * core/keys/ecies.ts) with the file it opens as associated data:
 *
 *   AAD = "datamesh/share/v1" || 0x00 || CID bytes of the file key
 *
 * so an envelope opens only for the file it was made for: moved into a link
 * for another file, it fails authentication (WrongKeyError). Envelopes of
 * earlier builds carried no AAD; they are recognised and refused with
 * UnsupportedVersionError (details.reason 'unbound-share'), never used.
 */
import { InvalidParametersError, MalformedDataError, UnsupportedVersionError } from '../../core/errors.ts'
import { seal } from '../../core/keys/ecies.ts'
import { parsePublicIdentity } from '../../core/keys/public-key.ts'
import { parseFileKey } from '../../core/manifest.ts'
import { domainSeparated } from '../../core/signature.ts'
import { wipe } from '../../core/bytes.ts'
import type { MeshContext } from '../context.ts'
import { resolveFile } from '../resolve.ts'
import type { FileShare } from '../types.ts'

/** the domain of a share envelope's associated data */
export const SHARE_ENVELOPE_CONTEXT = 'datamesh/share/v1'

/** The associated data binding an envelope to the file `key` (InvalidParametersError when it names no file). */
export function shareEnvelopeContext (key: string): Uint8Array {
  return domainSeparated(SHARE_ENVELOPE_CONTEXT, parseFileKey(key).bytes)
}

export async function share (ctx: MeshContext, nameOrKey: string): Promise<FileShare> {
  const { key, fileKey } = await resolveFile(ctx, nameOrKey)
  return { key, fileKey }
}

/**
 * A share only the holder of `recipient`'s keys can open: the file key
 * ECIES-sealed to the recipient's X25519 public key (their public key
 * string), bound to the file.
 */
export async function shareTo (ctx: MeshContext, nameOrKey: string, recipient: string): Promise<{ key: string, envelope: Uint8Array }> {
  let pub
  try { pub = parsePublicIdentity(recipient) } catch (err) {
    throw new InvalidParametersError('That is not a DataMesh public key', { cause: err })
  }
  const { key, fileKey } = await resolveFile(ctx, nameOrKey)
  return { key, envelope: await seal(pub.x25519, fileKey, { associatedData: shareEnvelopeContext(key) }) }
}

/**
 * The FileShare inside an envelope sealed to this mesh's owner for the file
 * `key`: WrongKeyError when it was sealed to someone else or for another
 * file, UnsupportedVersionError when an earlier build made it unbound.
 */
export async function openShare (ctx: MeshContext, key: string, envelope: Uint8Array): Promise<FileShare> {
  let context: Uint8Array
  try { context = shareEnvelopeContext(key) } catch {
    throw new MalformedDataError('The sealed share names no DataMesh file', { key })
  }
  let fileKey: Uint8Array
  try {
    fileKey = await ctx.keys.open(envelope, { associatedData: context })
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name === 'WrongKeyError' && await isUnbound(ctx, envelope)) {
      throw new UnsupportedVersionError('This link was made by an earlier version of DataMesh and is not bound to its file: ask for a new link', { reason: 'unbound-share' })
    }
    throw err
  }
  if (fileKey.byteLength !== 32) {
    wipe(fileKey)
    throw new MalformedDataError('The sealed share does not hold a file key')
  }
  return { key, fileKey }
}

/** True when the envelope opens without associated data: made before envelopes were bound to their file. Its contents are discarded. */
async function isUnbound (ctx: MeshContext, envelope: Uint8Array): Promise<boolean> {
  try {
    wipe(await ctx.keys.open(envelope))
    return true
  } catch {
    return false
  }
}
