/**
 * What blocks a new password: empty, not confirmed, still being rated, or
 * rated below the minimum score (zxcvbn, src/core/keystore/strength.ts)
 * without the user's explicit consent to a weak one.
 */

/** a strength rating as the meter reports it (minimum: MIN_PASSWORD_SCORE) */
export interface Rating {
  score: number
  minimum: number
}

export interface NewPassword {
  password: string
  confirm: string
  /** undefined while the rating is loading or being computed */
  rating: Rating | undefined
  /** the user accepts a weak password (only where the API allows it) */
  allowWeak?: boolean
}

export function isWeak (rating: Rating | undefined): boolean {
  return rating !== undefined && rating.score < rating.minimum
}

export function newPasswordProblem (p: NewPassword): string | null {
  if (p.password === '') return 'Choose a password'
  if (p.confirm !== p.password) return 'The two passwords are not the same'
  if (p.allowWeak === true) return null
  if (p.rating === undefined) return 'Checking how strong the password is…'
  if (isWeak(p.rating)) return 'This password is too easy to guess: make it longer and less predictable'
  return null
}
