import { describe, it, expect } from 'vitest'
import { estimatePasswordStrength, assertStrongPassword, MIN_PASSWORD_SCORE } from '../../../src/core/keystore/strength.ts'
import { STRONG, STRONG2, WEAK, expectError } from './helpers.ts'

describe('password strength', () => {
  it('scores common passwords low with feedback, and passphrases high', async () => {
    const weak = await estimatePasswordStrength(WEAK)
    expect(weak.score).toBeLessThan(MIN_PASSWORD_SCORE)
    expect(weak.warning !== null || weak.suggestions.length > 0).toBe(true)
    for (const p of [STRONG, STRONG2]) expect((await estimatePasswordStrength(p)).score).toBeGreaterThanOrEqual(MIN_PASSWORD_SCORE)
  })

  it('counts user inputs as known words', async () => {
    const alone = await estimatePasswordStrength('zebulon-quixotic')
    const known = await estimatePasswordStrength('zebulon-quixotic', ['zebulon', 'quixotic'])
    expect(known.guessesLog10).toBeLessThan(alone.guessesLog10)
  })

  it('WeakPasswordError unless allowWeak', async () => {
    const err = await expectError(assertStrongPassword(WEAK), 'WeakPasswordError')
    expect((err as unknown as { details: { score: number } }).details.score).toBeLessThan(MIN_PASSWORD_SCORE)
    await assertStrongPassword(WEAK, { allowWeak: true })
    await assertStrongPassword(STRONG)
  })
})
