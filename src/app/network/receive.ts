/**
 * The share-link receive view's steps, decided without the DOM: what a link
 * needs before its file can be described (nothing, a password, or the keys
 * it was sealed to), where the tab stands in joining the mesh, and what each
 * typed error means to the person holding the link.
 *
 *   invalid                       the link is not one, or is damaged
 *   joining -> offline            the mesh could not be joined
 *   joining -> password           `/p/` link: ask for its password
 *   joining -> unlock | no-keys   `/k/` link: unlock this browser's keys, or there are none
 *   joining -> loading -> ready   name, size and type known
 *                      -> gone    deleted, or too few holders reachable
 *                      -> not-yours | error
 */
import type { ParsedShareLink } from '../runtime/share-link.ts'
import type { Phase } from '../state.svelte.ts'
import { parseShareLink } from '../runtime/share-link.ts'

export type LinkKind = 'open' | 'password' | 'sealed'

export type ReceiveStep =
  | { step: 'invalid', message: string }
  | { step: 'joining' }
  | { step: 'offline', message: string }
  | { step: 'password', wrong: boolean }
  | { step: 'unlock', wrong: boolean }
  | { step: 'no-keys' }
  | { step: 'not-yours' }
  | { step: 'loading' }
  | { step: 'ready' }
  | { step: 'gone' }
  | { step: 'error', message: string }

/** what the link asks of its reader, or why it cannot be read */
export type LinkReading = { kind: LinkKind, link: ParsedShareLink } | { kind: 'invalid', message: string }

export function readLink (href: string): LinkReading {
  let link: ParsedShareLink | null
  try {
    link = parseShareLink(href)
  } catch (err) {
    return { kind: 'invalid', message: err instanceof Error ? err.message : 'The share link is damaged' }
  }
  if (link === null) return { kind: 'invalid', message: 'This address is not a DataMesh share link' }
  return { kind: link.sealed !== undefined ? 'password' : link.envelope !== undefined ? 'sealed' : 'open', link }
}

/** The first step once the tab's phase is known. */
export function firstStep (kind: LinkKind, phase: Phase, failure?: string): ReceiveStep {
  if (phase === 'starting') return { step: 'joining' }
  if (phase === 'failed') return { step: 'offline', message: failure ?? 'The mesh could not be joined' }
  if (kind === 'password') return { step: 'password', wrong: false }
  if (kind === 'sealed') {
    if (phase === 'setup') return { step: 'no-keys' }
    if (phase === 'locked') return { step: 'unlock', wrong: false }
  }
  return { step: 'loading' }
}

/** Errors that mean the file cannot be put together from the mesh any more. */
const VANISHED = new Set(['NotFoundError', 'TooFewShardsError', 'InsufficientPeersError'])

export const GONE_MESSAGE = 'This file is no longer available: it was deleted, or too many of its holders are offline.'

/** the error's name and reason, whatever threw it */
function nameOf (err: unknown): { name: string, reason?: unknown } {
  if (typeof err !== 'object' || err === null) return { name: 'Error' }
  const e = err as { name?: unknown, details?: { reason?: unknown } }
  return { name: typeof e.name === 'string' ? e.name : 'Error', reason: e.details?.reason }
}

/** An error's message for a person: its own, never a stack. */
export function messageOf (err: unknown): string {
  const { name } = nameOf(err)
  if (VANISHED.has(name)) return GONE_MESSAGE
  if (name === 'AbortError' || name === 'AbortedError') return 'Cancelled'
  if (name === 'TimeoutError') return 'The mesh did not answer in time. Try again in a moment.'
  if (name === 'WrongKeyError' || name === 'TamperedManifestError') return 'This link does not open the file: it may be damaged or incomplete.'
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : ''
  // the first line only: a message, never a stack
  const line = message.split('\n')[0]?.trim() ?? ''
  return line !== '' ? line : 'Something went wrong'
}

/**
 * Where an error leaves the view. `during` is what was being done: opening
 * the link with its password, unlocking the keystore, or reading the file.
 */
export function stepAfterError (err: unknown, kind: LinkKind, during: 'password' | 'unlock' | 'load'): ReceiveStep {
  const { name, reason } = nameOf(err)
  if (name === 'BadPasswordError') return during === 'unlock' ? { step: 'unlock', wrong: true } : { step: 'password', wrong: true }
  if (name === 'InvalidParametersError' && reason === 'password-required') return { step: 'password', wrong: false }
  if (name === 'InvalidParametersError' && reason === 'keys-required') return { step: 'unlock', wrong: false }
  if (name === 'WrongKeyError' && kind === 'sealed') return { step: 'not-yours' }
  if (VANISHED.has(name)) return { step: 'gone' }
  if (name === 'MalformedDataError' && during !== 'unlock') return { step: 'invalid', message: messageOf(err) }
  if (name === 'LockedError') return { step: 'unlock', wrong: false }
  return { step: 'error', message: messageOf(err) }
}

export type PreviewKind = 'image' | 'video' | 'audio' | 'pdf' | 'text'

/** How a file is previewed: its kind, and the type its preview Blob is given. */
export interface Preview {
  readonly kind: PreviewKind
  /** a constant of PREVIEW_TYPES, never the string a manifest carried */
  readonly type: string
}

/**
 * The only types previewed, matched exactly (case, parameters and all).
 * A manifest's type is chosen by whoever stored the file: under the Fetch
 * rules a type such as `application/pdf;x=,text/html` is read as text/html,
 * and SVG, HTML, XHTML and XML documents run script. So no prefix rule, no
 * parameters, no normalising: a type is in this table or not previewed, and
 * the preview Blob gets the table's own string.
 */
const PREVIEW_TYPES: ReadonlyMap<string, Preview> = new Map(([
  ['image/png', 'image'],
  ['image/jpeg', 'image'],
  ['image/gif', 'image'],
  ['image/webp', 'image'],
  ['image/avif', 'image'],
  ['video/mp4', 'video'],
  ['video/webm', 'video'],
  ['video/ogg', 'video'],
  ['audio/mpeg', 'audio'],
  ['audio/ogg', 'audio'],
  ['audio/wav', 'audio'],
  ['audio/x-wav', 'audio'],
  ['audio/webm', 'audio'],
  ['audio/flac', 'audio'],
  ['audio/mp4', 'audio'],
  ['audio/aac', 'audio'],
  ['application/pdf', 'pdf'],
  // read as characters into a <pre>, never loaded as a document
  ['text/plain', 'text'],
  ['text/markdown', 'text'],
  ['text/csv', 'text'],
  ['application/json', 'text']
] as const).map(([type, kind]) => [type, Object.freeze({ kind, type })]))

/** previews are read whole into memory: only under this size */
export const PREVIEW_LIMIT = 50 * 1024 * 1024

/** How a file of this type and size can be shown in the page, if at all. */
export function previewOf (type: string, size: number): Preview | undefined {
  if (typeof type !== 'string' || !(size < PREVIEW_LIMIT)) return undefined
  return PREVIEW_TYPES.get(type)
}
