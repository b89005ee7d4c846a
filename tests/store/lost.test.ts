import { describe, expect, it } from 'vitest'
import { LOST_MEMORY_MS, LostShards, MAX_LOST_SHARDS } from '../../src/store/lost.ts'

describe('LostShards: the bounded memory of lost ids', () => {
  it('keeps at most MAX_LOST_SHARDS, forgetting the oldest losses first', () => {
    const lost = new LostShards()
    for (let i = 0; i < MAX_LOST_SHARDS + 10; i++) lost.add(`id${i}`, 1000 + i)
    expect(lost.size).toBe(MAX_LOST_SHARDS)
    expect(lost.get('id9', 2000)).toBeUndefined()
    expect(lost.get('id10', 2000)).toEqual({ id: 'id10', lostAt: 1010 })
    expect(lost.list()[0]).toEqual({ id: 'id10', lostAt: 1010 })
    // a list loaded out of order, and too long, keeps the latest losses
    const loaded = new LostShards([...lost.list(), { id: 'old', lostAt: 1 }, { id: 'new', lostAt: 99_999 }].reverse())
    expect(loaded.size).toBe(MAX_LOST_SHARDS)
    expect(loaded.get('old', 2000)).toBeUndefined()
    expect(loaded.get('new', 99_999)).toEqual({ id: 'new', lostAt: 99_999 })
    expect(loaded.list().at(-1)).toEqual({ id: 'new', lostAt: 99_999 })
  })

  it('forgets a loss after LOST_MEMORY_MS, or when the id is stored again', () => {
    const lost = new LostShards([{ id: 'a', lostAt: 0 }, { id: 'b', lostAt: 10 }])
    expect(lost.get('a', LOST_MEMORY_MS)).toEqual({ id: 'a', lostAt: 0 })
    expect(lost.get('a', LOST_MEMORY_MS + 1)).toBeUndefined()
    expect(lost.expire(LOST_MEMORY_MS + 5)).toBe(true)
    expect(lost.list()).toEqual([{ id: 'b', lostAt: 10 }])
    expect(lost.expire(LOST_MEMORY_MS + 5)).toBe(false)
    expect(lost.forget('b')).toBe(true)
    expect(lost.forget('b')).toBe(false)
    expect(lost.size).toBe(0)
    lost.add('c', 5)
    lost.add('c', 7) // lost again: the later time
    expect(lost.list()).toEqual([{ id: 'c', lostAt: 7 }])
  })
})
