import { describe, expect, it } from 'vitest'
import { errorMessage } from '../../../src/app/files/error-message.ts'
import { AbortedError, AlreadyExistsError, QuotaExceededError } from '../../../src/core/errors.ts'

describe('errorMessage', () => {
  it('errors read as sentences, never stacks', () => {
    expect(errorMessage(new AbortedError())).toBe('Cancelled')
    expect(errorMessage(new AlreadyExistsError())).toBe('A file with this name already exists')
    expect(errorMessage(new QuotaExceededError('Storage quota exceeded'))).toMatch(/^Not enough room/)
    expect(errorMessage(new Error('plain'))).toBe('plain')
    expect(errorMessage('text')).toBe('text')
  })
})
