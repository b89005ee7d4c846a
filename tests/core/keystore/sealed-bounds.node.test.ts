/**
 * A sealed blob whose recorded Argon2id parameters lie outside the caps is
 * refused before any derivation runs: a crafted blob cannot make an unlock
 * allocate gigabytes or spin for minutes. Node only: there Argon2id runs on
 * the calling thread, so every run goes through the counted function (in a
 * page it runs in a worker this module cannot see into).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { openWithPassword, sealWithPassword } from '../../../src/core/keystore/sealed.ts'
import { FAST, STRONG, expectError } from './helpers.ts'

const argon2 = vi.hoisted(() => ({ runs: 0 }))
vi.mock('../../../src/core/keystore/argon2-hash.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/core/keystore/argon2-hash.ts')>()
  return { ...real, argon2idHash: async (...args: Parameters<typeof real.argon2idHash>) => { argon2.runs++; return await real.argon2idHash(...args) } }
})

const secret = new TextEncoder().encode('a secret')

describe('sealed blob parameter caps', () => {
  beforeEach(() => { argon2.runs = 0 })

  it('counts the derivations of an ordinary open (the counter sees them)', async () => {
    const blob = await sealWithPassword(STRONG, secret, { params: FAST })
    expect(argon2.runs).toBe(1)
    expect(await openWithPassword(STRONG, blob)).toEqual(secret)
    expect(argon2.runs).toBe(2)
  })

  it('refuses memory, passes or lanes outside the caps without deriving', async () => {
    const blob = await sealWithPassword(STRONG, secret, { params: FAST })
    argon2.runs = 0
    const huge = blob.slice(); new DataView(huge.buffer).setUint32(2, 4 * 1024 * 1024) // 4 GiB
    const slow = blob.slice(); slow[6] = 200 // passes
    const weak = blob.slice(); weak[6] = 1 // below the floor
    const lanes = blob.slice(); lanes[7] = 255
    for (const b of [huge, slow, weak, lanes]) await expectError(openWithPassword(STRONG, b), 'MalformedDataError')
    expect(argon2.runs).toBe(0)
  })
})
