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

/** previews are read whole into memory: only under this size */
export const PREVIEW_LIMIT = 50 * 1024 * 1024

/** How a file of this type and size can be shown in the page, if at all. */
export function previewKind (type: string, size: number): PreviewKind | undefined {
  if (!(size < PREVIEW_LIMIT)) return undefined
  const t = type.toLowerCase().split(';')[0]?.trim() ?? ''
  if (t.startsWith('image/')) return 'image'
  if (t.startsWith('video/')) return 'video'
  if (t.startsWith('audio/')) return 'audio'
  if (t === 'application/pdf') return 'pdf'
  if (t.startsWith('text/') || t === 'application/json' || t === 'application/xml') return 'text'
  return undefined
}
