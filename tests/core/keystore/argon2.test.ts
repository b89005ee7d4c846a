/**
 * Argon2id derivation: the same key as an independent implementation
 * (@noble/hashes) whichever thread computes it; in a page every derivation
 * runs in a module worker of its own, terminated afterwards, and an abort
 * stops it mid-run. In Node it runs inline. Runs in Node and in Chromium.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js'
import { ARGON2_MIN, checkArgon2ParamsWithin, deriveArgon2idKey, ARGON2_DEFAULT, ARGON2_MAX } from '../../../src/core/keystore/argon2.ts'
import { expectError } from './helpers.ts'

const inPage = typeof document !== 'undefined'
const salt = new Uint8Array(16).map((_, i) => i * 11)

interface Made { url: string, terminated: boolean }

/** Counts the workers started while `fn` runs (page only), and whether each was terminated. */
function spyWorkers (): { made: Made[], restore: () => void } {
  const made: Made[] = []
  const Real = globalThis.Worker
  class Spy extends Real {
    constructor (url: string | URL, options?: WorkerOptions) {
      super(url, options)
      const record = { url: String(url), terminated: false }
      made.push(record)
      const terminate = this.terminate.bind(this)
      this.terminate = () => { record.terminated = true; terminate() }
    }
  }
  globalThis.Worker = Spy
  return { made, restore: () => { globalThis.Worker = Real } }
}

let restore: (() => void) | undefined
afterEach(() => { restore?.(); restore = undefined })

describe('Argon2id derivation', () => {
  it('gives the key @noble/hashes computes, NFC-normalised, on either thread', async () => {
    for (const password of ['correct horse battery staple', 'Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e 1987']) {
      const expected = nobleArgon2id(new TextEncoder().encode(password.normalize('NFC')), salt, { m: ARGON2_MIN.memoryKiB, t: ARGON2_MIN.iterations, p: 1, dkLen: 32 })
      expect(await deriveArgon2idKey(password, salt, ARGON2_MIN)).toEqual(expected)
    }
    expect(await deriveArgon2idKey('Cafe\u0301 cre\u0300me bru\u0302le\u0301e 1987', salt, ARGON2_MIN))
      .toEqual(await deriveArgon2idKey('Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e 1987', salt, ARGON2_MIN))
  })

  it('refuses an aborted signal before any work', async () => {
    const abort = new AbortController()
    abort.abort()
    await expectError(deriveArgon2idKey('correct horse battery staple', salt, ARGON2_MIN, { signal: abort.signal }), 'AbortedError')
  })

  it('bounds parameters a stranger wrote below the stored-data caps', () => {
    expect(checkArgon2ParamsWithin(ARGON2_DEFAULT, ARGON2_DEFAULT)).toEqual(ARGON2_DEFAULT)
    for (const p of [ARGON2_MAX, { ...ARGON2_DEFAULT, memoryKiB: ARGON2_DEFAULT.memoryKiB + 1 }, { ...ARGON2_DEFAULT, iterations: 4 }, { ...ARGON2_DEFAULT, parallelism: 2 }]) {
      expect(() => checkArgon2ParamsWithin(p, ARGON2_DEFAULT)).toThrow(expect.objectContaining({ name: 'MalformedDataError', details: expect.objectContaining({ reason: 'argon2-params' }) }))
    }
    // below the floor is refused as well
    expect(() => checkArgon2ParamsWithin({ ...ARGON2_MIN, iterations: 1 }, ARGON2_DEFAULT)).toThrow(expect.objectContaining({ name: 'MalformedDataError' }))
  })

  it.runIf(inPage)('runs in a module worker of its own in a page, terminated when done', async () => {
    const spy = spyWorkers()
    restore = spy.restore
    await deriveArgon2idKey('correct horse battery staple', salt, ARGON2_MIN)
    await deriveArgon2idKey('correct horse battery staple', salt, ARGON2_MIN)
    expect(spy.made.length).toBe(2)
    expect(spy.made.every(w => w.url.includes('argon2.worker') && w.terminated)).toBe(true)
  })

  it.runIf(inPage)('stops a running derivation when aborted: the worker is terminated', async () => {
    const spy = spyWorkers()
    restore = spy.restore
    const abort = new AbortController()
    // minutes of work if it ran to the end
    const running = deriveArgon2idKey('correct horse battery staple', salt, { memoryKiB: 256 * 1024, iterations: 16, parallelism: 1 }, { signal: abort.signal })
    expect(spy.made.length).toBe(1)
    abort.abort()
    await expectError(running, 'AbortedError')
    expect(spy.made[0]?.terminated).toBe(true)
  })

  it.runIf(!inPage)('runs inline where there is no page (Node)', async () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker === 'function' && typeof document !== 'undefined').toBe(false)
    expect((await deriveArgon2idKey('correct horse battery staple', salt, ARGON2_MIN)).byteLength).toBe(32)
  })
})
