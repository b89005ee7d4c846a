import { describe, it, expect } from 'vitest'
import { initBlake3, shardCid, blake3 } from '../../src/core/hash.ts'
import { encodeParity, reconstructData } from '../../src/core/erasure.ts'

describe('smoke', () => {
  it('hashes and codes', async () => {
    await initBlake3()
    const d = blake3(new TextEncoder().encode('abc'))
    expect(Array.from(d.slice(0, 4))).toEqual([0x64, 0x37, 0xb3, 0xac])
    expect(shardCid(new Uint8Array(3)).toString()).toMatch(/^b/)
    const buf = new Uint8Array(6 * 8)
    for (let i = 0; i < 32; i++) buf[i] = i
    await encodeParity(buf, 4, 2)
    const copy = buf.slice()
    copy.fill(0, 0, 16)
    await reconstructData(copy, 4, 2, [false, false, true, true, true, true])
    expect(copy.subarray(0, 32)).toEqual(buf.subarray(0, 32))
  })
})
