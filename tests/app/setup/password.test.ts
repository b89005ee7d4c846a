import { describe, expect, it } from 'vitest'
import { isWeak, newPasswordProblem } from '../../../src/app/setup/password.ts'
import { estimatePasswordStrength, MIN_PASSWORD_SCORE } from '../../../src/core/keystore/strength.ts'

const rating = (score: number): { score: number, minimum: number } => ({ score, minimum: MIN_PASSWORD_SCORE })

describe('newPasswordProblem', () => {
  it('needs a password, its confirmation and a rating at or above the minimum', () => {
    expect(newPasswordProblem({ password: '', confirm: '', rating: undefined })).toMatch(/Choose/)
    expect(newPasswordProblem({ password: 'a', confirm: 'b', rating: rating(4) })).toMatch(/not the same/)
    expect(newPasswordProblem({ password: 'a', confirm: 'a', rating: undefined })).toMatch(/Checking/)
    expect(newPasswordProblem({ password: 'a', confirm: 'a', rating: rating(MIN_PASSWORD_SCORE - 1) })).toMatch(/too easy/)
    expect(newPasswordProblem({ password: 'a', confirm: 'a', rating: rating(MIN_PASSWORD_SCORE) })).toBeNull()
  })

  it('a weak password passes only with consent, and still needs its confirmation', () => {
    expect(newPasswordProblem({ password: 'a', confirm: 'a', rating: rating(0), allowWeak: true })).toBeNull()
    expect(newPasswordProblem({ password: 'a', confirm: 'a', rating: undefined, allowWeak: true })).toBeNull()
    expect(newPasswordProblem({ password: 'a', confirm: '', rating: rating(0), allowWeak: true })).toMatch(/not the same/)
  })

  it('rates real passwords the way the keystore does', async () => {
    const weak = await estimatePasswordStrength('password123')
    const strong = await estimatePasswordStrength('correct horse battery staple violin 42')
    expect(isWeak({ score: weak.score, minimum: MIN_PASSWORD_SCORE })).toBe(true)
    expect(isWeak({ score: strong.score, minimum: MIN_PASSWORD_SCORE })).toBe(false)
    expect(isWeak(undefined)).toBe(false)
  })
})
