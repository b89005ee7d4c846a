/** Share links: the three fragment forms, parsed strictly; secrets only ever in the fragment. */
import { describe, it, expect } from 'vitest'
import { base64url } from 'multiformats/bases/base64'
import { makeSealedShareLink, makeShareLink, openShareLink, parseShareLink } from '../../src/app/runtime/share-link.ts'
import { manifestCid } from '../../src/core/manifest.ts'
import { initBlake3 } from '../../src/core/hash.ts'

await initBlake3()

const key = manifestCid(new Uint8Array([1, 2, 3])).toString()
const fileKey = new Uint8Array(32).map((_, i) => i)

describe('share links', () => {
  it('carries the file key in the fragment only', async () => {
    const link = await makeShareLink('http://127.0.0.1:8080/some/page?x=1', { key, fileKey })
    const url = new URL(link)
    expect(url.pathname).toBe('/')
    expect(url.search).toBe('')
    expect(url.hash).toBe(`#/s/${key}/${base64url.baseEncode(fileKey)}`)
    const parsed = parseShareLink(link)
    expect(parsed?.key).toBe(key)
    expect(await openShareLink(parsed!)).toEqual({ key, fileKey })
  })

  it('seals the key under a password: wrong password refused, none asked for', async () => {
    const link = await makeShareLink('http://127.0.0.1:8080', { key, fileKey }, 'open sesame')
    expect(link).toContain('/p/')
    expect(link).not.toContain(base64url.baseEncode(fileKey))
    const parsed = parseShareLink(link)!
    await expect(openShareLink(parsed)).rejects.toMatchObject({ name: 'InvalidParametersError', details: { reason: 'password-required' } })
    await expect(openShareLink(parsed, 'wrong')).rejects.toMatchObject({ name: 'BadPasswordError' })
    expect((await openShareLink(parsed, 'open sesame')).fileKey).toEqual(fileKey)
  })

  it('binds a password-sealed key to its file: moved to another file key it does not open', async () => {
    const link = await makeShareLink('http://127.0.0.1:8080', { key, fileKey }, 'pw')
    const other = manifestCid(new Uint8Array([9])).toString()
    const moved = parseShareLink(link.replace(key, other))!
    await expect(openShareLink(moved, 'pw')).rejects.toMatchObject({ name: 'BadPasswordError' })
  })

  it('hands a link sealed to a public key to the recipient\'s keys', async () => {
    const envelope = new Uint8Array([7, 7, 7])
    const link = makeSealedShareLink('http://127.0.0.1:8080', key, envelope)
    const parsed = parseShareLink(link)!
    expect(parsed.envelope).toEqual(envelope)
    await expect(openShareLink(parsed)).rejects.toMatchObject({ details: { reason: 'keys-required' } })
    const opened = await openShareLink(parsed, undefined, async (k, e) => ({ key: k, fileKey: new Uint8Array(32).fill(e[0]!) }))
    expect(opened.fileKey[0]).toBe(7)
  })

  it('is not a share link, or a damaged one', () => {
    expect(parseShareLink('http://127.0.0.1:8080/#/files')).toBeNull()
    expect(parseShareLink('report.pdf')).toBeNull()
    expect(() => parseShareLink('#/s/notacid/AAAA')).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    expect(() => parseShareLink(`#/s/${key}/AAAA`)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
  })
})
