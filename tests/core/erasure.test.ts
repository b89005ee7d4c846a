import { describe, it, expect } from 'vitest'
import { encodeParity, reconstructData } from '../../src/core/erasure.ts'
import { pseudoRandomBytes, expectRejectName } from './helpers.ts'

describe('Reed-Solomon', () => {
  it('rebuilds the data from every subset of at least k shards, many times over', async () => {
    // repeated calls on one wasm instance: guards against heap corruption between calls
    for (const [k, m, size] of [[4, 2, 64], [3, 3, 1000], [6, 3, 17], [1, 2, 5]] as const) {
      const full = new Uint8Array((k + m) * size)
      full.set(pseudoRandomBytes(k * size, k * m))
      await encodeParity(full, k, m)
      for (let mask = 0; mask < 1 << (k + m); mask++) {
        const present = Array.from({ length: k + m }, (_, i) => ((mask >> i) & 1) === 1)
        const have = present.filter(Boolean).length
        const damaged = full.slice()
        present.forEach((p, i) => { if (!p) damaged.fill(0xee, i * size, (i + 1) * size) })
        if (have < k) {
          await expectRejectName(reconstructData(damaged, k, m, present), 'TooFewShardsError')
          continue
        }
        await reconstructData(damaged, k, m, present)
        expect(damaged.subarray(0, k * size)).toEqual(full.subarray(0, k * size))
      }
    }
  })

  it('refuses bad parameters and buffer sizes', async () => {
    await expectRejectName(encodeParity(new Uint8Array(12), 0, 2), 'InvalidParametersError')
    await expectRejectName(encodeParity(new Uint8Array(13), 4, 2), 'InvalidParametersError')
    await expectRejectName(encodeParity(new Uint8Array(0), 4, 2), 'InvalidParametersError')
    await expectRejectName(encodeParity(new Uint8Array(65 * 2), 60, 5), 'InvalidParametersError')
    await expectRejectName(reconstructData(new Uint8Array(12), 4, 2, [true]), 'InvalidParametersError')
  })
})
