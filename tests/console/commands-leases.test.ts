import { describe, expect, it } from 'vitest'
import { harness, only } from './fakes.ts'

const shard = (id: string, size: number, reason: 'expired' | 'orphan') => ({ id, size, storedAt: 1_700_000_000_000, leaseUntil: 1_760_000_000_000, reason, owner: 'x' })

describe('cleanup', () => {
  it('--dry-run lists what would go and asks for a dry run only', async () => {
    const h = harness()
    h.backend.collectable = [shard('bafkr4ilapsedshardone', 5000, 'expired'), shard('bafkr4iorphanshardtwo', 100, 'orphan')]
    const { ok, blocks } = await h.run('cleanup --dry-run')
    expect(ok).toBe(true)
    expect(h.backend.callsOf('cleanup')).toEqual([[{ dryRun: true }]])
    const table = only(blocks, 'table')
    expect(table.rows.map(r => [r[0], r[3]])).toEqual([['bafkr4i…ardone', 'lease over'], ['bafkr4i…ardtwo', 'no owner']])
    expect(only(blocks, 'text').text).toMatch(/^2 shards \(.+\) would be removed\. Run cleanup without --dry-run/)
    // nothing went: a real cleanup still finds them
    await h.run('cleanup')
    expect(h.backend.callsOf('cleanup')).toEqual([[{ dryRun: true }], [{ dryRun: false }]])
  })

  it('removes, and says when there is nothing to remove', async () => {
    const h = harness()
    h.backend.collectable = [shard('bafkr4ilapsedshardone', 5000, 'expired')]
    const first = await h.run('cleanup')
    expect(only(first.blocks, 'text').text).toMatch(/^Removed 1 shard /)
    const again = await h.run('cleanup -n')
    expect(only(again.blocks, 'text').text).toMatch(/^Nothing to remove/)
  })
})

describe('leases', () => {
  it('renews now and reports what it renewed', async () => {
    const h = harness()
    const { ok, blocks } = await h.run('leases')
    expect(ok).toBe(true)
    expect(h.backend.callsOf('renewLeases')).toEqual([[]])
    expect(only(blocks, 'pairs').pairs.slice(0, 3)).toEqual([['Files', String(h.backend.files.length)], ['Shards', '18'], ['Holders', '6']])
  })
})
