/**
 * OwnerAdmission (src/net/shard/admission.ts): token buckets per peer id and
 * per remote address, with an injected clock; which addresses count; the
 * memory bound.
 */
import { describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { addressKey, DEFAULT_OWNER_ADMISSION, OwnerAdmission } from '../../src/net/shard/admission.ts'

const hour = 3_600_000

async function peers (n: number): Promise<PeerId[]> {
  return await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

function refusal (fn: () => unknown): { name: string, details: Record<string, unknown> } {
  try {
    fn()
  } catch (err) {
    return err as { name: string, details: Record<string, unknown> }
  }
  throw new Error('expected a refusal')
}

describe('owner admission', () => {
  it('takes perPeer new owners from one peer per period, refilled evenly', async () => {
    let now = 0
    const admission = new OwnerAdmission({ perPeer: 3, perAddress: 100 }, () => now)
    const [a, b] = await peers(2) as [PeerId, PeerId]
    for (let i = 0; i < 3; i++) admission.admit(a)
    const err = refusal(() => admission.admit(a))
    expect(err.name).toBe('QuotaExceededError')
    expect(err.details).toMatchObject({ reason: 'new-owner-limit', limit: 'peer', perPeriod: 3, periodMs: hour, retryAfter: hour / 3 })
    admission.admit(b) // another peer has its own bucket
    now += hour / 3 - 1
    expect(refusal(() => admission.admit(a)).name).toBe('QuotaExceededError')
    now += 1
    admission.admit(a) // a third of the period gives one back
    expect(refusal(() => admission.admit(a)).name).toBe('QuotaExceededError')
    now += 10 * hour // never more than perPeer at once
    for (let i = 0; i < 3; i++) admission.admit(a)
    expect(refusal(() => admission.admit(a)).name).toBe('QuotaExceededError')
  })

  it('gives a token back when the store fails, once', async () => {
    const admission = new OwnerAdmission({ perPeer: 1 }, () => 0)
    const [a] = await peers(1) as [PeerId]
    const taken = admission.admit(a)
    taken.refund()
    taken.refund()
    admission.admit(a)
    expect(refusal(() => admission.admit(a)).name).toBe('QuotaExceededError')
  })

  it('counts public addresses across peer ids, and takes nothing from either bucket on a refusal', async () => {
    const admission = new OwnerAdmission({ perPeer: 2, perAddress: 3 }, () => 0)
    const ids = await peers(3) as [PeerId, PeerId, PeerId]
    const from = multiaddr('/ip4/203.0.114.7/tcp/4001/ws')
    admission.admit(ids[0], from)
    admission.admit(ids[0], from)
    admission.admit(ids[1], from)
    const err = refusal(() => admission.admit(ids[2], from))
    expect(err.details).toMatchObject({ reason: 'new-owner-limit', limit: 'address', perPeriod: 3 })
    // the refused peer's own bucket was not touched: it still opens two from elsewhere
    admission.admit(ids[2], multiaddr('/ip4/198.51.99.1/tcp/1'))
    admission.admit(ids[2], multiaddr('/ip4/198.51.99.2/tcp/1'))
    expect(refusal(() => admission.admit(ids[2], multiaddr('/ip4/198.51.99.3/tcp/1'))).details.limit).toBe('peer')
  })

  it('exempts loopback and private addresses unless told to count them', async () => {
    const ids = await peers(4)
    const loop = multiaddr('/ip4/127.0.0.1/tcp/9/ws')
    const exempt = new OwnerAdmission({ perPeer: 1, perAddress: 1 }, () => 0)
    for (const id of ids) exempt.admit(id, loop)
    const counting = new OwnerAdmission({ perPeer: 1, perAddress: 1, countPrivateAddresses: true }, () => 0)
    counting.admit(ids[0]!, loop)
    expect(refusal(() => counting.admit(ids[1]!, loop)).details.limit).toBe('address')
  })

  it('keys addresses: IPv4, an IPv6 /64, IPv4-mapped IPv6; none for relayed, IP-less and (by default) private ones', () => {
    const key = (a: string, countPrivate = false): string | undefined => addressKey(multiaddr(a), countPrivate)
    expect(key('/ip4/203.0.114.7/tcp/1/ws')).toBe('ip4/203.0.114.7')
    expect(key('/ip6/2a01:4f8:1:2:aaaa::1/tcp/1/ws')).toBe('ip6/2a01:4f8:1:2::/64')
    expect(key('/ip6/2a01:4f8:1:2:bbbb:cc::9/tcp/1/ws')).toBe('ip6/2a01:4f8:1:2::/64') // same site
    expect(key('/ip6/::ffff:203.0.114.7/tcp/1')).toBe('ip4/203.0.114.7')
    expect(key('/ip4/203.0.114.7/tcp/1/ws/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5/p2p-circuit')).toBeUndefined()
    expect(key('/dns4/example.org/tcp/443/wss')).toBeUndefined()
    expect(addressKey(undefined, true)).toBeUndefined()
    for (const a of ['/ip4/127.0.0.1/tcp/1', '/ip4/10.1.2.3/tcp/1', '/ip4/192.168.1.1/tcp/1', '/ip6/::1/tcp/1', '/ip6/fd00::5/tcp/1', '/ip6/fe80::1/tcp/1']) {
      expect(key(a)).toBeUndefined()
      expect(key(a, true)).toBeDefined()
    }
    expect(key('/ip4/127.0.0.1/tcp/1', true)).toBe('ip4/127.0.0.1')
  })

  it('remembers at most maxTracked peers and addresses, forgetting the least recently active', async () => {
    const admission = new OwnerAdmission({ perPeer: 1, perAddress: 1, maxTracked: 8 }, () => 0)
    const ids = await peers(20)
    for (const [i, id] of ids.entries()) admission.admit(id, multiaddr(`/ip4/203.0.114.${i + 1}/tcp/1`))
    expect(admission.tracked).toEqual({ peers: 8, addresses: 8 })
    // the most recent are still refused; the first was forgotten and starts afresh
    expect(refusal(() => admission.admit(ids[19]!)).name).toBe('QuotaExceededError')
    admission.admit(ids[0]!)
  })

  it('refuses bad settings with a typed error, and has documented defaults', () => {
    expect(DEFAULT_OWNER_ADMISSION).toMatchObject({ perPeer: 4, perAddress: 16, periodMs: hour, countPrivateAddresses: false })
    for (const bad of [{ perPeer: -1 }, { perAddress: 1.5 }, { periodMs: 0 }, { maxTracked: 0 }]) {
      expect(() => new OwnerAdmission(bad)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    }
    const closed = new OwnerAdmission({ perPeer: 0 })
    expect(closed.init.perPeer).toBe(0)
  })
})
