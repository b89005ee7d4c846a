/** The receive view's steps: reading the link, joining, and what each typed error leads to. */
import { describe, expect, it } from 'vitest'
import { firstStep, GONE_MESSAGE, messageOf, previewOf, readLink, stepAfterError, PREVIEW_LIMIT } from '../../../src/app/network/receive.ts'
import { makeSealedShareLink, makeShareLink } from '../../../src/app/runtime/share-link.ts'
import { manifestCid } from '../../../src/core/manifest.ts'
import { initBlake3 } from '../../../src/core/hash.ts'
import {
  BadPasswordError, InsufficientPeersError, InvalidParametersError, LockedError, MalformedDataError, NotFoundError, TimeoutError, TooFewShardsError, WrongKeyError
} from '../../../src/core/errors.ts'

await initBlake3()

const key = manifestCid(new Uint8Array([1, 2, 3])).toString()
const fileKey = new Uint8Array(32).map((_, i) => i)
const origin = 'http://127.0.0.1:8080'

describe('readLink', () => {
  it('tells the three forms apart', async () => {
    expect(readLink(await makeShareLink(origin, { key, fileKey }))).toMatchObject({ kind: 'open', link: { key, fileKey } })
    expect(readLink(await makeShareLink(origin, { key, fileKey }, 'pw', { allowWeak: true }))).toMatchObject({ kind: 'password', link: { key } })
    expect(readLink(makeSealedShareLink(origin, key, new Uint8Array([1, 2, 3])))).toMatchObject({ kind: 'sealed', link: { key } })
  })

  it('gives a clear message for a damaged link or another address', async () => {
    const link = await makeShareLink(origin, { key, fileKey })
    expect(readLink(link.slice(0, -4))).toEqual({ kind: 'invalid', message: 'The share link is damaged' })
    expect(readLink(`${origin}/#/s/bafynotakey/AAAA`)).toEqual({ kind: 'invalid', message: 'The share link names no DataMesh file' })
    expect(readLink(`${origin}/#/files`)).toEqual({ kind: 'invalid', message: 'This address is not a DataMesh share link' })
  })
})

describe('firstStep', () => {
  it('waits while the tab joins, and says so when it could not', () => {
    expect(firstStep('open', 'starting')).toEqual({ step: 'joining' })
    expect(firstStep('password', 'failed', 'No relay answered')).toEqual({ step: 'offline', message: 'No relay answered' })
    expect(firstStep('open', 'failed')).toMatchObject({ step: 'offline' })
  })

  it('reads an open link in every phase, and asks a password-protected one for its password', () => {
    for (const phase of ['setup', 'locked', 'ready'] as const) {
      expect(firstStep('open', phase)).toEqual({ step: 'loading' })
      expect(firstStep('password', phase)).toEqual({ step: 'password', wrong: false })
    }
  })

  it('needs this browser\'s keys for a link sealed to a public key', () => {
    expect(firstStep('sealed', 'setup')).toEqual({ step: 'no-keys' })
    expect(firstStep('sealed', 'locked')).toEqual({ step: 'unlock', wrong: false })
    expect(firstStep('sealed', 'ready')).toEqual({ step: 'loading' })
  })
})

describe('stepAfterError', () => {
  it('says "wrong password" and lets the reader try again', () => {
    expect(stepAfterError(new BadPasswordError(), 'password', 'password')).toEqual({ step: 'password', wrong: true })
    expect(stepAfterError(new BadPasswordError(), 'sealed', 'unlock')).toEqual({ step: 'unlock', wrong: true })
  })

  it('asks for what the link needs', () => {
    expect(stepAfterError(new InvalidParametersError('x', { reason: 'password-required' }), 'password', 'load')).toEqual({ step: 'password', wrong: false })
    expect(stepAfterError(new InvalidParametersError('x', { reason: 'keys-required' }), 'sealed', 'load')).toEqual({ step: 'unlock', wrong: false })
    expect(stepAfterError(new LockedError(), 'sealed', 'load')).toEqual({ step: 'unlock', wrong: false })
  })

  it('tells a link sealed to other keys from a damaged one', () => {
    expect(stepAfterError(new WrongKeyError(), 'sealed', 'load')).toEqual({ step: 'not-yours' })
    expect(stepAfterError(new WrongKeyError(), 'open', 'load')).toEqual({ step: 'error', message: 'This link does not open the file: it may be damaged or incomplete.' })
    expect(stepAfterError(new MalformedDataError('The share link is damaged'), 'open', 'load')).toEqual({ step: 'invalid', message: 'The share link is damaged' })
  })

  it('treats a deleted file and too few reachable holders alike: gone', () => {
    for (const err of [new NotFoundError(), new TooFewShardsError(), new InsufficientPeersError()]) {
      expect(stepAfterError(err, 'open', 'load')).toEqual({ step: 'gone' })
      expect(messageOf(err)).toBe(GONE_MESSAGE)
    }
  })

  it('keeps anything else as an error with its message, never a stack', () => {
    const err = new Error('Relay refused\n    at somewhere (file.ts:1:1)')
    expect(stepAfterError(err, 'open', 'load')).toEqual({ step: 'error', message: 'Relay refused' })
    expect(stepAfterError(new TimeoutError(), 'open', 'load')).toEqual({ step: 'error', message: 'The mesh did not answer in time. Try again in a moment.' })
    expect(stepAfterError('weird', 'open', 'load')).toEqual({ step: 'error', message: 'weird' })
    expect(stepAfterError(undefined, 'open', 'load')).toEqual({ step: 'error', message: 'Something went wrong' })
    expect(messageOf(new DOMException('The user aborted a request.', 'AbortError'))).toBe('Cancelled')
  })
})

describe('previewOf', () => {
  it('previews images, video, audio, PDF and text under 50 MB', () => {
    expect(previewOf('image/png', 10)).toEqual({ kind: 'image', type: 'image/png' })
    expect(previewOf('image/jpeg', 10)).toEqual({ kind: 'image', type: 'image/jpeg' })
    expect(previewOf('video/mp4', 10)).toEqual({ kind: 'video', type: 'video/mp4' })
    expect(previewOf('audio/ogg', 10)).toEqual({ kind: 'audio', type: 'audio/ogg' })
    expect(previewOf('application/pdf', 10)).toEqual({ kind: 'pdf', type: 'application/pdf' })
    expect(previewOf('text/plain', 10)).toEqual({ kind: 'text', type: 'text/plain' })
    expect(previewOf('application/json', 10)).toEqual({ kind: 'text', type: 'application/json' })
  })

  it('offers nothing for other types or large files', () => {
    expect(previewOf('application/zip', 10)).toBeUndefined()
    expect(previewOf('', 10)).toBeUndefined()
    expect(previewOf('image/png', PREVIEW_LIMIT)).toBeUndefined()
    expect(previewOf('image/png', PREVIEW_LIMIT - 1)).toMatchObject({ kind: 'image' })
  })

  it('matches types exactly: no active document type, no parameters, commas, case or whitespace', () => {
    const tricks = [
      'image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/xml', 'application/xml', 'text/xsl', 'application/rdf+xml',
      'application/pdf;x=,text/html', 'application/pdf,text/html', 'image/png,text/html', 'text/plain,text/html',
      'application/pdf; charset=utf-8', 'text/plain;charset=utf-8', 'image/png;', 'image/png ;x=y',
      'Application/PDF', 'IMAGE/PNG', 'Text/Plain', ' image/png', 'image/png ', 'image/png\t', 'image/png\n',
      'image/png\u0000', 'image /png', 'image/ png', 'image/*', '*/*', 'image/', 'image', 'multipart/x-mixed-replace;boundary=x',
      'multipart/mixed', 'text/html;image/png', 'image/png\u200b', 'ｉmage/png', 'image/svg+xml;x=image/png', 'video/mp4,text/html',
      'constructor', '__proto__', 'toString'
    ]
    for (const type of tricks) expect(previewOf(type, 10), JSON.stringify(type)).toBeUndefined()
  })

  it('names the preview blob\'s type from its own table, frozen', () => {
    const preview = previewOf('image/webp', 10)
    expect(Object.isFrozen(preview)).toBe(true)
    expect(preview?.type).toBe('image/webp')
    // never a non-string, whatever a caller passes
    expect(previewOf(42 as unknown as string, 10)).toBeUndefined()
  })
})
