/**
 * share: what someone else needs to read one file: its key and its file key.
 * Whoever gets it can read the file (and nothing else); put it only in a
 * URL fragment or another channel the recipient alone sees.
 */
import { InvalidParametersError, MalformedDataError } from '../../core/errors.ts'
import { seal } from '../../core/keys/ecies.ts'
import { parsePublicIdentity } from '../../core/keys/public-key.ts'
import type { MeshContext } from '../context.ts'
import { resolveFile } from '../resolve.ts'
import type { FileShare } from '../types.ts'

export async function share (ctx: MeshContext, nameOrKey: string): Promise<FileShare> {
  const { key, fileKey } = await resolveFile(ctx, nameOrKey)
  return { key, fileKey }
}

/**
 * A share only the holder of `recipient`'s keys can open: the file key
 * ECIES-sealed to the recipient's X25519 public key (their public key string).
 */
export async function shareTo (ctx: MeshContext, nameOrKey: string, recipient: string): Promise<{ key: string, envelope: Uint8Array }> {
  let pub
  try { pub = parsePublicIdentity(recipient) } catch (err) {
    throw new InvalidParametersError('That is not a DataMesh public key', { cause: err })
  }
  const { key, fileKey } = await resolveFile(ctx, nameOrKey)
  return { key, envelope: await seal(pub.x25519, fileKey) }
}

/** The FileShare inside an envelope sealed to this mesh's owner (DecryptionError when it was sealed to someone else). */
export async function openShare (ctx: MeshContext, key: string, envelope: Uint8Array): Promise<FileShare> {
  const fileKey = await ctx.keys.open(envelope)
  if (fileKey.byteLength !== 32) throw new MalformedDataError('The sealed share does not hold a file key')
  return { key, fileKey }
}
