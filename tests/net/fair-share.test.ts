/** FairShare, fairPick and addressSource: the shares relay reservations and DHT records are kept in. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { multiaddr } from '@multiformats/multiaddr'
import { FairShare, addressSource, fairPick } from '../../src/net/fair-share.ts'

describe('FairShare', () => {
  it('refuses past a peer\'s and a source\'s share, and admits refreshes', () => {
    const s = new FairShare({ max: 100, perPeer: 2, perSource: 3 })
    const add = (id: string, peer: string, source: string): ReturnType<FairShare['admit']> => {
      const a = s.admit(id, peer, source)
      if (a.ok) s.add(id, peer, source)
      return a
    }
    expect(add('1', 'p', 'x')).toEqual({ ok: true })
    expect(add('2', 'p', 'x')).toEqual({ ok: true })
    expect(add('3', 'p', 'x')).toEqual({ ok: false, reason: 'peer' })
    expect(add('1', 'p', 'x')).toEqual({ ok: true })
    expect(add('3', 'q', 'x')).toEqual({ ok: true })
    expect(add('4', 'r', 'x')).toEqual({ ok: false, reason: 'source' })
    expect(add('4', 'r', 'y')).toEqual({ ok: true })
    expect(s.size).toBe(4)
    s.remove('1')
    expect(s.countOfPeer('p')).toBe(1)
    expect(add('5', 'r', 'x')).toEqual({ ok: true })
  })

  it('evicts a stale item before refusing', () => {
    const s = new FairShare({ max: 3, perPeer: 1, perSource: 2 })
    s.add('a', 'a', 'x')
    s.add('b', 'b', 'x')
    expect(s.admit('c', 'c', 'x')).toEqual({ ok: false, reason: 'source' })
    expect(s.admit('c', 'c', 'x', id => id === 'b')).toEqual({ ok: true, evict: 'b' })
    s.remove('a')
    s.add('d', 'd', 'y')
    s.add('e', 'e', 'w')
    // full, and no source holds two more than the newcomer's (x, y and w hold one each)
    expect(s.admit('c', 'c', 'z')).toEqual({ ok: false, reason: 'full' })
    expect(s.admit('c', 'c', 'z', id => id === 'd')).toEqual({ ok: true, evict: 'd' })
  })

  it('when full, takes the oldest of the largest source only for a source at least two smaller', () => {
    const s = new FairShare({ max: 5, perPeer: 10, perSource: 10 })
    for (const id of ['x1', 'x2', 'x3']) s.add(id, 'px', 'x')
    for (const id of ['y1', 'y2']) s.add(id, 'py', 'y')
    expect(s.admit('z1', 'pz', 'z')).toEqual({ ok: true, evict: 'x1' })
    // y holds 2: after adding it would hold 3, as large as x: no
    expect(s.admit('y3', 'py', 'y')).toEqual({ ok: false, reason: 'full' })
    expect(s.admit('x4', 'px', 'x')).toEqual({ ok: false, reason: 'full' })
  })

  it('never lets one source push another below its own size (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 9 })), { maxLength: 300 }), (ops) => {
      const s = new FairShare({ max: 12, perPeer: 100, perSource: 100 })
      let n = 0
      for (const [source, peer] of ops) {
        const id = String(n++)
        const src = String(source)
        const before = new Map([...s.bySource()].map(([k, v]) => [k, v.size]))
        const a = s.admit(id, String(peer), src)
        if (!a.ok) continue
        if (a.evict !== undefined) {
          const victim = s.chargeOf(a.evict)!.source
          // the victim's source was larger than the newcomer's will be
          if ((before.get(victim) ?? 0) < (before.get(src) ?? 0) + 2) return false
          s.remove(a.evict)
        }
        s.add(id, String(peer), src)
        if (s.size > 12) return false
      }
      return true
    }), { numRuns: 300 })
  })
})

describe('fairPick', () => {
  it('takes newest first, in turns from each source', () => {
    const items = ['a1', 'a2', 'a3', 'a4', 'b1', 'c1', 'a5'].map(item => ({ item, source: item[0]! }))
    expect(fairPick(items, 4)).toEqual(['a5', 'c1', 'b1', 'a4'])
    expect(fairPick(items, 100)).toHaveLength(7)
    expect(fairPick([], 3)).toEqual([])
  })
})

describe('addressSource', () => {
  const peer = '12D3KooWGRUVh2YBcWWkU4qQ3Dm3Ui1mZXvAyYkNcGDxBX4uGDtp'
  it('is the IPv4 address, or the IPv6 /64', () => {
    expect(addressSource(multiaddr('/ip4/1.2.3.4/tcp/5/ws'), peer)).toBe('ip4:1.2.3.4')
    expect(addressSource(multiaddr('/ip6/2001:db9:1:2:3:4:5:6/tcp/5/ws'), peer)).toBe('ip6:2001:db9:1:2')
    expect(addressSource(multiaddr('/ip6/2001:db9:1:2::9/tcp/5/ws'), peer)).toBe('ip6:2001:db9:1:2')
  })

  it('is the peer itself for loopback and private addresses unless counted, relayed and unknown ones', () => {
    expect(addressSource(multiaddr('/ip4/127.0.0.1/tcp/5/ws'), peer)).toBe(`peer:${peer}`)
    expect(addressSource(multiaddr('/ip4/127.0.0.1/tcp/5/ws'), peer, { countPrivate: true })).toBe('ip4:127.0.0.1')
    expect(addressSource(multiaddr('/ip4/10.1.2.3/tcp/5/ws'), peer)).toBe(`peer:${peer}`)
    expect(addressSource(multiaddr(`/ip4/1.2.3.4/tcp/5/ws/p2p/${peer}/p2p-circuit`), peer)).toBe(`peer:${peer}`)
    expect(addressSource(undefined, peer)).toBe(`peer:${peer}`)
  })
})
