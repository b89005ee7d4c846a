import { describe, expect, it } from 'vitest'
import { onePer } from '../../../src/app/ui/one-per.ts'

describe('onePer', () => {
  it('makes one value per key, on first asking', () => {
    let made = 0
    const stateFor = onePer((key: { name: string }) => ({ of: key.name, n: ++made }))
    const a = { name: 'a' }
    const b = { name: 'b' }
    expect(made).toBe(0)
    const first = stateFor(a)
    expect(stateFor(a)).toBe(first)
    expect(stateFor(b)).toEqual({ of: 'b', n: 2 })
    expect(made).toBe(2)
  })

  it('keeps a value made as undefined', () => {
    let made = 0
    const nothingFor = onePer((_key: object) => { made++; return undefined })
    const key = {}
    nothingFor(key)
    nothingFor(key)
    expect(made).toBe(1)
  })
})
