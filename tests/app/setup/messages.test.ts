import { describe, expect, it } from 'vitest'
import { backupFileName, errorMessage } from '../../../src/app/setup/messages.ts'
import { deleteConfirmed, keyNameProblem, shortKey } from '../../../src/app/setup/keys.ts'
import { AlreadyExistsError, BadPasswordError, InvalidParametersError, MalformedDataError, WeakPasswordError } from '../../../src/core/errors.ts'

describe('errorMessage', () => {
  it('words typed errors by name, with wording per place', () => {
    expect(errorMessage(new MalformedDataError('Key export: bad magic'))).toBe('This file is not a DataMesh key backup.')
    expect(errorMessage(new BadPasswordError())).toBe('Wrong password.')
    expect(errorMessage(new BadPasswordError(), { BadPasswordError: 'That password does not open this key backup.' })).toBe('That password does not open this key backup.')
    expect(errorMessage(new WeakPasswordError('Password is too weak (score 1 of 4)'))).toMatch(/too easy to guess/)
    expect(errorMessage(new AlreadyExistsError())).toMatch(/already exists/)
    // a plain object carrying the name, as errors cross a worker boundary
    expect(errorMessage({ name: 'BadPasswordError', message: 'x' })).toBe('Wrong password.')
  })

  it('shows other errors by their message, never a stack', () => {
    const err = new InvalidParametersError('A key name is 1..64 characters')
    expect(errorMessage(err)).toBe('A key name is 1..64 characters')
    expect(errorMessage(new Error('boom'))).toBe('boom')
    expect(errorMessage(new Error(''))).toBe('Something went wrong.')
    expect(errorMessage('plain')).toBe('plain')
    expect(errorMessage(undefined)).toBe('Something went wrong.')
    expect(errorMessage(new Error('boom'))).not.toContain('at ')
  })
})

describe('backupFileName', () => {
  it('is dated by the local day', () => {
    expect(backupFileName(new Date(2026, 0, 5, 23, 59))).toBe('datamesh-keys-2026-01-05.dmkeys')
    expect(backupFileName(new Date(2026, 10, 25))).toBe('datamesh-keys-2026-11-25.dmkeys')
  })
})

describe('keys', () => {
  it('shortens a public key to its start and end', () => {
    const key = 'z' + 'A'.repeat(60) + 'wxyz'
    expect(shortKey(key)).toBe('zAAAAAAAA…wxyz')
    expect(shortKey('zshort')).toBe('zshort')
  })

  it('checks names the way the keystore does, and against the names taken', () => {
    expect(keyNameProblem('', [])).toMatch(/name/)
    expect(keyNameProblem(' work', [])).toMatch(/space/)
    expect(keyNameProblem('x'.repeat(65), [])).toMatch(/64/)
    expect(keyNameProblem('a\u0007b', [])).toMatch(/control/)
    expect(keyNameProblem('work', ['main', 'work'])).toMatch(/already exists/)
    expect(keyNameProblem('work', ['main', 'work'], 'work')).toBeNull()
    expect(keyNameProblem('travel', ['main'])).toBeNull()
  })

  it('deletes only after the exact name and a password', () => {
    expect(deleteConfirmed('main', 'main', 'pw')).toBe(true)
    expect(deleteConfirmed('main', 'Main', 'pw')).toBe(false)
    expect(deleteConfirmed('main', 'main ', 'pw')).toBe(false)
    expect(deleteConfirmed('main', 'main', '')).toBe(false)
  })
})
