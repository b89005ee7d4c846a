/**
 * Share links: the three fragment forms, parsed strictly; secrets only ever
 * in the fragment; a link password as strong as a keystore's; the Argon2id
 * work a link may ask of its opener bounded before any is done.
 */
import { describe, it, expect, vi, beforeEach } from 'vitest'
import { base64url } from 'multiformats/bases/base64'
import { LINK_ARGON2, LINK_ARGON2_MAX, makeSealedShareLink, makeShareLink, openShareLink, parseShareLink } from '../../src/app/runtime/share-link.ts'
import { ARGON2_MAX, type Argon2Params } from '../../src/core/keystore/argon2.ts'
import { manifestCid } from '../../src/core/manifest.ts'
import { initBlake3 } from '../../src/core/hash.ts'

/** every Argon2id run, counted (the real one still computes) */
const argon2 = vi.hoisted(() => ({ runs: 0 }))
vi.mock('../../src/core/keystore/argon2-hash.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/core/keystore/argon2-hash.ts')>()
  return { ...real, argon2idHash: async (...args: Parameters<typeof real.argon2idHash>) => { argon2.runs++; return await real.argon2idHash(...args) } }
})

await initBlake3()

const STRONG = 'velvet-quarry-7-lantern-obtuse'
beforeEach(() => { argon2.runs = 0 })

/** A password link whose sealed key asks for `params` (the header is rewritten; the tag no longer matches, which is never reached). */
function greedy (link: string, params: Argon2Params): string {
  const hash = link.slice(link.indexOf('#'))
  const sealed = base64url.baseDecode(hash.slice(hash.indexOf('/p/') + 3))
  const view = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength)
  view.setUint32(2, params.memoryKiB)
  sealed[6] = params.iterations
  sealed[7] = params.parallelism
  return `${link.slice(0, link.indexOf('/p/') + 3)}${base64url.baseEncode(sealed)}`
}

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
    const link = await makeShareLink('http://127.0.0.1:8080', { key, fileKey }, STRONG)
    const other = manifestCid(new Uint8Array([9])).toString()
    const moved = parseShareLink(link.replace(key, other))!
    await expect(openShareLink(moved, STRONG)).rejects.toMatchObject({ name: 'BadPasswordError' })
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

  it('refuses a guessable link password unless the caller allows a weak one', async () => {
    for (const weak of ['pw', 'password1', 'letmein']) {
      await expect(makeShareLink('http://127.0.0.1:8080', { key, fileKey }, weak)).rejects.toMatchObject({ name: 'WeakPasswordError', details: { minimum: 3 } })
    }
    expect(argon2.runs).toBe(0)
    const allowed = await makeShareLink('http://127.0.0.1:8080', { key, fileKey }, 'pw', { allowWeak: true })
    expect((await openShareLink(parseShareLink(allowed)!, 'pw')).fileKey).toEqual(fileKey)
    // sealed once, opened once: the counter sees real derivations
    expect(argon2.runs).toBe(2)
  })

  it('seals with the parameters this build writes, and opens links up to the keystore default', async () => {
    const link = await makeShareLink('http://127.0.0.1:8080', { key, fileKey }, STRONG)
    const sealed = parseShareLink(link)!.sealed!
    expect([new DataView(sealed.buffer, sealed.byteOffset).getUint32(2), sealed[6], sealed[7]]).toEqual([LINK_ARGON2.memoryKiB, LINK_ARGON2.iterations, LINK_ARGON2.parallelism])
    expect(LINK_ARGON2_MAX).toEqual({ memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 })
    // at the bound: read like any other link (the rewritten header then fails authentication)
    const atMax = parseShareLink(greedy(link, LINK_ARGON2_MAX))!
    await expect(openShareLink(atMax, STRONG)).rejects.toMatchObject({ name: 'BadPasswordError' })
  })

  it('refuses a crafted link asking for huge Argon2id work at once, with a typed error and no derivation', async () => {
    const link = await makeShareLink('http://127.0.0.1:8080', { key, fileKey }, STRONG)
    argon2.runs = 0
    const crafted = [
      // just over the bound first: should a check be missing, these fail fast instead of running for minutes
      { ...LINK_ARGON2_MAX, memoryKiB: LINK_ARGON2_MAX.memoryKiB + 1 },
      { ...LINK_ARGON2_MAX, iterations: LINK_ARGON2_MAX.iterations + 1 },
      { ...LINK_ARGON2_MAX, parallelism: 2 },
      { memoryKiB: 1024 * 1024, iterations: 16, parallelism: 1 },
      ARGON2_MAX // 1 GiB x 16 passes x 16 lanes: accepted from the keystore's own storage, never from a link
    ]
    for (const params of crafted) {
      const bad = greedy(link, params)
      expect(() => parseShareLink(bad)).toThrow(expect.objectContaining({ name: 'MalformedDataError', details: expect.objectContaining({ reason: 'argon2-params' }) }))
      // a parsed link handed over directly is refused the same way when opened
      const forged = { key, sealed: base64url.baseDecode(bad.slice(bad.indexOf('/p/') + 3)) }
      await expect(openShareLink(forged, STRONG)).rejects.toMatchObject({ name: 'MalformedDataError', details: { reason: 'argon2-params' } })
    }
    // beyond even the stored-data caps (4 GiB), or not a sealed key at all: damaged
    expect(() => parseShareLink(greedy(link, { memoryKiB: 4 * 1024 * 1024, iterations: 2, parallelism: 1 }))).toThrow(expect.objectContaining({ name: 'MalformedDataError', message: 'The share link is damaged' }))
    expect(() => parseShareLink(`#/s/${key}/p/AAAA`)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
    expect(argon2.runs).toBe(0)
  })
})
