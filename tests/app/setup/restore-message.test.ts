/** The wizard's words after looking for an imported key's file list: never that the files are gone. */
import { describe, expect, it } from 'vitest'
import { InsufficientPeersError, NotFoundError, TimeoutError } from '../../../src/core/errors.ts'
import { restoredText, restoreFailureText } from '../../../src/app/setup/restore-message.ts'

describe('restore messages', () => {
  it('counts restored files', () => {
    expect(restoredText(1)).toEqual({ kind: 'ok', text: 'Your file list is back: 1 file.' })
    expect(restoredText(3).text).toBe('Your file list is back: 3 files.')
  })

  it.each([
    ['no record', new NotFoundError('x', { reason: 'no-record' }), 'none', /was found in the mesh yet/],
    ['an unreachable backup', new NotFoundError('x', { reason: 'backup-unreachable' }), 'none', /none of the peers keeping it is reachable/],
    ['no DHT server', new InsufficientPeersError('x'), 'none', /not reached the mesh/],
    ['another failure', new TimeoutError(), 'error', /could not be restored/]
  ])('after %s, says the files are not deleted and that it keeps looking', (_what, err, kind, specific) => {
    const outcome = restoreFailureText(err)
    expect(outcome.kind).toBe(kind)
    expect(outcome.text).toMatch(specific)
    expect(outcome.text).toContain('Your files are not deleted.')
    expect(outcome.text).toMatch(/keeps looking/)
    // the old wording implied an empty list was the truth
    expect(outcome.text).not.toMatch(/No file list backup was found|files you store from now on/i)
  })
})
