/**
 * Password strength with zxcvbn-ts (score 0..4 plus feedback). The
 * dictionaries are large, so they are imported on first use only.
 * Passwords scoring below MIN_PASSWORD_SCORE are refused unless the caller
 * passes `allowWeak: true`.
 */
import type { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { WeakPasswordError } from '../errors.ts'

/** zxcvbn 3 = "safely unguessable: moderate protection from offline slow-hash scenario" */
export const MIN_PASSWORD_SCORE = 3

export interface PasswordStrength {
  /** 0 (too guessable) .. 4 (very unguessable) */
  score: 0 | 1 | 2 | 3 | 4
  /** log10 of the estimated number of guesses */
  guessesLog10: number
  warning: string | null
  suggestions: string[]
}

let factory: Promise<ZxcvbnFactory> | undefined

async function load (): Promise<ZxcvbnFactory> {
  factory ??= (async () => {
    const [core, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en')
    ])
    return new core.ZxcvbnFactory({
      translations: en.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...en.dictionary }
    })
  })()
  try {
    return await factory
  } catch (err) {
    factory = undefined
    throw err
  }
}

/** Estimate how guessable `password` is; `userInputs` (names, e-mail) count as known words. */
export async function estimatePasswordStrength (password: string, userInputs: readonly string[] = []): Promise<PasswordStrength> {
  const z = await load()
  const r = z.check(password, [...userInputs])
  return {
    score: r.score,
    guessesLog10: r.guessesLog10,
    warning: r.feedback.warning === '' ? null : r.feedback.warning,
    suggestions: [...r.feedback.suggestions]
  }
}

export interface StrengthPolicy {
  /** accept a password scoring below MIN_PASSWORD_SCORE */
  allowWeak?: boolean
  userInputs?: readonly string[]
}

/** WeakPasswordError (details: score, warning, suggestions) unless strong enough or allowed. */
export async function assertStrongPassword (password: string, policy?: StrengthPolicy): Promise<void> {
  if (policy?.allowWeak === true) return
  const s = await estimatePasswordStrength(password, policy?.userInputs)
  if (s.score < MIN_PASSWORD_SCORE) {
    throw new WeakPasswordError(`Password is too weak (score ${s.score} of 4, need ${MIN_PASSWORD_SCORE}): ${s.warning ?? 'make it longer and less predictable'}`, {
      score: s.score,
      minimum: MIN_PASSWORD_SCORE,
      warning: s.warning,
      suggestions: s.suggestions
    })
  }
}
