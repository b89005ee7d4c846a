/**
 * Errors as a person reads them: typed errors (src/core/errors.ts) by name,
 * with wording for where they happened; anything else by its message, never
 * a stack.
 */

export type Wording = Partial<Record<string, string>>

const GENERAL: Readonly<Record<string, string>> = {
  BadPasswordError: 'Wrong password.',
  WeakPasswordError: 'This password is too easy to guess: make it longer and less predictable.',
  MalformedDataError: 'This file is not a DataMesh key backup.',
  UnsupportedVersionError: 'This key backup was made by a newer version of DataMesh: update this app first.',
  AlreadyExistsError: 'A key with this name already exists.',
  LockedError: 'Your keys are locked: unlock them first.',
  AbortedError: 'Cancelled.'
}

/** The message to show for `err`; `wording` overrides per error name. */
export function errorMessage (err: unknown, wording: Wording = {}): string {
  const name = err instanceof Error ? err.name : typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : ''
  const specific = wording[name] ?? GENERAL[name]
  if (specific !== undefined) return specific
  if (err instanceof Error && err.message !== '') return err.message
  return typeof err === 'string' && err !== '' ? err : 'Something went wrong.'
}

/** `datamesh-keys-2026-11-25.dmkeys`, by the local date */
export function backupFileName (date: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `datamesh-keys-${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}.dmkeys`
}
