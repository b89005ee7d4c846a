import { describe, expect, it } from 'vitest'
import { formatTimestamp } from '../../src/api/format.ts'
import { harness, NOW, only } from './fakes.ts'

describe('check', () => {
  it('shows the state, the health and the weak stripes, and warns of a degraded file', async () => {
    const h = harness()
    const { ok, blocks } = await h.run('check report.pdf')
    expect(ok).toBe(true)
    expect(h.backend.callsOf('check')[0]?.[0]).toBe('report.pdf')
    expect(only(blocks, 'pairs').pairs).toEqual([
      ['State', 'degraded'],
      ['Health', '5 of 6 shards (any 4 rebuild a stripe)'],
      ['Stripes', '1'],
      ['Checked', formatTimestamp(NOW)]
    ])
    expect(only(blocks, 'table').rows).toEqual([['0', '5', '0', '1']])
    expect(blocks.at(-1)).toMatchObject({ kind: 'text', tone: 'warn' })
    expect((blocks.at(-1) as { text: string }).text).toMatch(/^Degraded: 5 of 6 shards proven/)
  })

  it('tells the owner plainly when a file is at risk, and when it is healthy', async () => {
    const h = harness()
    h.backend.checkState = 'at-risk'
    const risky = await h.run('check report.pdf')
    expect(risky.blocks.at(-1)).toMatchObject({ kind: 'text', tone: 'warn' })
    expect((risky.blocks.at(-1) as { text: string }).text).toMatch(/^At risk: only 4 of 6 .* One more loss and it cannot be read/)
    h.backend.checkState = 'healthy'
    const fine = await h.run('check report.pdf')
    expect(fine.blocks.filter(b => b.kind === 'table')).toEqual([])
    expect(fine.blocks.at(-1)).toMatchObject({ kind: 'text', tone: 'ok' })
  })

  it('fails on an unknown file', async () => {
    const h = harness()
    expect((await h.run('check nope.txt')).ok).toBe(false)
  })
})

describe('audit', () => {
  it("lists each holder's outcome and status", async () => {
    const h = harness()
    const { ok, blocks } = await h.run('audit report.pdf')
    expect(ok).toBe(true)
    const table = only(blocks, 'table')
    expect(table.rows).toHaveLength(6)
    expect(table.rows[0]).toEqual(['0', '0', '12D3Koo…aaaaaa', 'pass', 'ok'])
    expect(table.rows[5]).toEqual(['0', '5', '12D3Koo…bbbbbb', 'lost (not-found)', 'lost'])
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: '6 holders audited, 5 passed; the file is degraded (health 5).', tone: 'warn' })
  })
})
