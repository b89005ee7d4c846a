import { describe, expect, it } from 'vitest'
import { formatBytes } from '../../src/api/format.ts'
import { harness, only } from './fakes.ts'

describe('repair', () => {
  it('repairs the named file and lists what it re-created and where', async () => {
    const h = harness()
    const { ok, blocks } = await h.run('repair report.pdf')
    expect(ok).toBe(true)
    expect(h.backend.callsOf('repair')[0]?.[0]).toBe('report.pdf')
    expect(only(blocks, 'pairs').pairs).toEqual([
      ['Audited', '6 holders'],
      ['Re-created', `1 shard (${formatBytes(1024)}, ${formatBytes(4096)} read)`],
      ['Leases renewed', '6']
    ])
    expect(only(blocks, 'table').rows).toEqual([['0', '5', expect.any(String)]])
    expect(blocks.at(-1)).toMatchObject({ kind: 'text', tone: 'ok', text: 'Repaired.' })
  })

  it('fails on an unknown file', async () => {
    const h = harness()
    expect((await h.run('repair nope.txt')).ok).toBe(false)
  })
})
