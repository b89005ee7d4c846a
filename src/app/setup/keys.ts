/**
 * Keys as the settings show and change them: a short form of a public key,
 * and what blocks a new or renamed key's name or a deletion.
 */
import { isValidKeyName, MAX_KEY_NAME_LENGTH } from '../../core/keystore/names.ts'

/** `zAbc12345…wxyz`: enough to tell keys apart at a glance (copy gives the whole key) */
export function shortKey (publicKey: string, head = 9, tail = 4): string {
  return publicKey.length <= head + tail + 1 ? publicKey : `${publicKey.slice(0, head)}…${publicKey.slice(-tail)}`
}

/** What is wrong with `name` for a new or renamed key, or null. */
export function keyNameProblem (name: string, taken: readonly string[], current?: string): string | null {
  if (name === '') return 'Give the key a name'
  if (name.trim() !== name) return 'A key name does not start or end with a space'
  if (name.length > MAX_KEY_NAME_LENGTH) return `A key name is at most ${MAX_KEY_NAME_LENGTH} characters`
  if (!isValidKeyName(name)) return 'A key name cannot hold control characters'
  if (name !== current && taken.includes(name)) return 'A key with this name already exists'
  return null
}

/** A key is deleted only once its name was typed exactly and the password given. */
export function deleteConfirmed (name: string, typed: string, password: string): boolean {
  return typed === name && password !== ''
}
