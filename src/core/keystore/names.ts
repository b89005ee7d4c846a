/** Key names: what is allowed, and how an import avoids a taken one. */
import { InvalidParametersError } from '../errors.ts'

export const MAX_KEY_NAME_LENGTH = 64
// C0/C1 controls, line and paragraph separators, bidi overrides
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u

/** True for 1..64 characters, no control characters, no outer whitespace. */
export function isValidKeyName (name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= MAX_KEY_NAME_LENGTH &&
    name.trim() === name && !FORBIDDEN.test(name)
}

export function checkKeyName (name: unknown): string {
  if (!isValidKeyName(name)) {
    throw new InvalidParametersError('A key name is 1..64 characters, without control characters or leading/trailing spaces', { name: String(name) })
  }
  return name
}

/** `name`, or `name (2)`, `name (3)` ... the first one not in `taken`. */
export function freeKeyName (name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name
  for (let i = 2; ; i++) {
    const suffix = ` (${i})`
    const candidate = name.slice(0, MAX_KEY_NAME_LENGTH - suffix.length).trimEnd() + suffix
    if (!taken.has(candidate)) return candidate
  }
}
