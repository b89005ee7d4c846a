/**
 * The RepairWorker (src/mesh/repair-worker.ts) on a virtual clock over a
 * fake network of holders, with real coding and a real signed capability:
 * a holder unreachable within the grace causes no repair, one unreachable
 * past it does; lost shards are re-created byte for byte onto new distinct
 * peers; of two repairers only the first by rendezvous rank repairs a
 * stripe, the second finds it whole when its turn comes; the manifest is
 * kept at its copies; leases are renewed on every holder.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { CID } from 'multiformats/cid'
import { initErasure } from '../../src/core/erasure.ts'
import { initBlake3, matchesCid, shardCid } from '../../src/core/hash.ts'
import { signRepairCap, type RepairCap, type SignedRepairCap } from '../../src/core/repair-cap.ts'
import { signerFromSecretKey } from '../../src/core/signature.ts'
import { ReputationBook } from '../../src/net/reputation.ts'
import { RepairWorker, type RepairPorts } from '../../src/mesh/repair-worker.ts'
import { rankRepairers } from '../../src/mesh/repair-plan.ts'
import { encodeToMemory, expectSameBytes, pseudoRandomBytes, SMALL, type Stored } from '../core/helpers.ts'
import { FakeClock, fakeRng, settle } from './audit-fakes.ts'

const hour = 3_600_000
const day = 24 * hour
const AUDIT_MS = day
const LOST_AFTER_MS = 6 * hour
const BACKOFF_MS = 10 * 60_000

/** Holders keeping bytes by id, some down; provider records never forgotten (as the DHT's outlive a loss). */
class FakeNet {
  readonly held = new Map<string, Map<string, Uint8Array>>()
  readonly down = new Set<string>()
  readonly providers = new Map<string, Set<string>>()
  readonly stores: Array<{ by: string, peer: string, id: string }> = []
  readonly renewals: Array<{ by: string, peer: string, ids: string[], until: number }> = []

  constructor (readonly peers: string[]) {
    for (const p of peers) this.held.set(p, new Map())
  }

  put (peer: string, id: string, bytes: Uint8Array): void {
    this.held.get(peer)!.set(id, bytes)
    this.providers.set(id, new Set([...(this.providers.get(id) ?? []), peer]))
  }

  holdersOf (id: string): string[] {
    return this.peers.filter(p => this.held.get(p)!.has(id))
  }

  ports (self: string, clock: FakeClock): Omit<RepairPorts, 'reputation'> {
    const reachable = (peer: string): void => { if (this.down.has(peer)) throw Object.assign(new Error('unreachable'), { name: 'UnreachableError' }) }
    return {
      clock,
      rng: fakeRng(self.length),
      self,
      transport: {
        audit: async (peer, id, _nonce, _groups, size) => {
          if (this.down.has(peer)) return 'unreachable'
          const bytes = this.held.get(peer)?.get(id)
          if (bytes === undefined) return 'lost'
          return bytes.byteLength === size ? 'pass' : 'fail'
        }
      },
      holders: async (id) => [...(this.providers.get(id.toString()) ?? [])],
      fetch: async (peer, id) => {
        reachable(peer)
        const bytes = this.held.get(peer)?.get(id.toString())
        if (bytes === undefined) throw Object.assign(new Error('not found'), { name: 'NotFoundError' })
        return bytes
      },
      candidates: async () => this.peers.filter(p => !this.down.has(p)).map(peerId => ({ peerId })),
      store: async (peer, _cap, id, bytes) => {
        reachable(peer)
        if (!matchesCid(id, bytes)) throw Object.assign(new Error('corrupt'), { name: 'CorruptShardError' })
        this.stores.push({ by: self, peer, id: id.toString() })
        this.put(peer, id.toString(), bytes)
      },
      renew: async (peer, _cap, ids: CID[], until) => {
        reachable(peer)
        this.renewals.push({ by: self, peer, ids: ids.map(String), until })
        return ids.map(id => this.held.get(peer)!.has(id.toString()))
      }
    }
  }
}

let stored: Stored
let peers: string[]
let manifestBytes: Uint8Array
let manifestId: CID

beforeAll(async () => {
  await initBlake3()
  await initErasure()
  stored = await encodeToMemory(pseudoRandomBytes(3 * 4096 + 100, 9), { coding: SMALL })
  manifestBytes = pseudoRandomBytes(700, 3)
  manifestId = shardCid(manifestBytes)
  peers = await Promise.all(Array.from({ length: 12 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
})

interface Setup { net: FakeNet, signed: SignedRepairCap, cap: RepairCap, clock: FakeClock, repairers: string[] }

/** Stripe s's shard i on peers[i] (peers 0..5), the manifest on peers 6..8, repairers peers 10 and 11. */
async function setup (): Promise<Setup> {
  const net = new FakeNet(peers)
  stored.manifest.stripes.forEach(stripe => { stripe.shards.forEach((id, i) => { net.put(peers[i]!, id.toString(), stored.shards.get(id.toString())!) }) })
  for (const p of peers.slice(6, 9)) net.put(p, manifestId.toString(), manifestBytes)
  const signer = signerFromSecretKey(ed25519.utils.randomSecretKey())
  const clock = new FakeClock()
  const repairers = [peers[10]!, peers[11]!]
  const cap: RepairCap = {
    key: signer.publicKey,
    seq: 1,
    exp: clock.now() + 90 * day,
    k: SMALL.k,
    m: SMALL.m,
    manifest: { id: manifestId.bytes, size: manifestBytes.byteLength, copies: 3 },
    stripes: stored.manifest.stripes.map(s => ({ size: stored.shards.get(s.shards[0]!.toString())!.byteLength, ids: s.shards.map(id => id.bytes) })),
    repairers: repairers.map(p => peerIdFromString(p).toMultihash().bytes)
  }
  return { net, signed: await signRepairCap(cap, signer), cap, clock, repairers }
}

function worker (s: Setup, self: string): RepairWorker {
  return new RepairWorker({
    ...s.net.ports(self, s.clock),
    reputation: new ReputationBook({ self }),
    book: { list: () => [{ signed: s.signed, cap: s.cap }] },
    auditIntervalMs: AUDIT_MS,
    lostAfterMs: LOST_AFTER_MS,
    repairBackoffMs: BACKOFF_MS
  })
}

/** Every audit due now, run. */
async function auditDue (...workers: RepairWorker[]): Promise<void> {
  for (const w of workers) while (await w.scheduler.runDue() > 0) await settle()
}

/** An audit interval and its jitter on: every holder audited once more, then a pass. */
async function round (s: Setup, w: RepairWorker, ms = 1.2 * AUDIT_MS): Promise<Awaited<ReturnType<RepairWorker['pass']>>> {
  s.clock.advance(ms)
  await auditDue(w)
  return await w.pass()
}

describe('RepairWorker', () => {
  it('a holder unreachable within the grace causes no repair; past it, its shard is re-created onto a new distinct peer', async () => {
    const s = await setup()
    const w = worker(s, s.repairers[0]!)
    expect((await w.pass()).repaired).toEqual([]) // holders found, first audits due within one interval
    await round(s, w)
    const gone = peers[2]!
    s.net.down.add(gone)
    const soon = await round(s, w, LOST_AFTER_MS / 2)
    expect(soon.repaired).toEqual([])
    expect(soon.degraded).toBe(0)
    s.net.down.delete(gone) // back within the grace: nothing to do
    expect((await round(s, w)).repaired).toEqual([])
    expect(s.net.stores).toEqual([])

    s.net.down.add(gone)
    await round(s, w) // unreachable once: unknown
    expect(s.net.stores).toEqual([])
    const later = await round(s, w) // a day later: past the grace
    // the stripes this repairer ranks first for at once, the others once the other repairer's turn has passed
    expect(later.repaired.length + later.deferred).toBe(stored.manifest.stripes.length)
    s.clock.advance(BACKOFF_MS)
    const after = await w.pass()
    expect(after.deferred).toBe(0)
    const repaired = [...later.repaired, ...after.repaired]
    expect(repaired.map(r => r.stripe).sort()).toEqual(stored.manifest.stripes.map((_, i) => i))
    for (const r of repaired) {
      const id = stored.manifest.stripes[r.stripe]!.shards[2]!.toString()
      expect(r).toMatchObject({ index: 2, id })
      expect(peers.slice(0, 6)).not.toContain(r.peer) // a new peer, none of the stripe's holders
      expect(r.peer).not.toBe(s.repairers[0])
      expectSameBytes(s.net.held.get(r.peer)!.get(id)!, stored.shards.get(id)!)
    }
    expect(later.bytesFetched + after.bytesFetched).toBe((later.bytesRepaired + after.bytesRepaired) * SMALL.k)
    expect((await round(s, w)).repaired).toEqual([]) // whole again
  })

  it('of two repairers only the first by rank re-creates a stripe; the second, after its backoff, finds it whole', async () => {
    const s = await setup()
    const [a, b] = s.repairers.map(p => worker(s, p)) as [RepairWorker, RepairWorker]
    await a.pass()
    await b.pass()
    s.clock.advance(1.2 * AUDIT_MS)
    await auditDue(a, b)
    // two holders lose every shard they keep
    for (const p of [peers[0]!, peers[4]!]) s.net.held.get(p)!.clear()
    s.clock.advance(1.2 * AUDIT_MS)
    await auditDue(a, b)
    const [ra, rb] = await Promise.all([a.pass(), b.pass()]) // at the same time
    const stripes = stored.manifest.stripes.length
    expect(ra.repaired.length + rb.repaired.length).toBe(2 * stripes)
    // each stripe by the repairer rendezvous hashing puts first
      for (const [stripe, ids] of s.cap.stripes.entries()) {
      const first = rankRepairers(ids.ids[0]!, s.cap.repairers)[0]!
      const expected = s.repairers.find(p => peerIdFromString(p).toMultihash().bytes.every((x, i) => x === first[i]))
      expect(s.net.stores.filter(st => stored.manifest.stripes[stripe]!.shards.some(id => id.toString() === st.id)).every(st => st.by === expected)).toBe(true)
    }
    s.clock.advance(BACKOFF_MS)
    const [la, lb] = [await a.pass(), await b.pass()]
    expect(la.repaired.length + lb.repaired.length).toBe(0)
    expect(s.net.stores).toHaveLength(2 * stripes)
    for (const stripe of stored.manifest.stripes) for (const id of stripe.shards) expect(s.net.holdersOf(id.toString()).length).toBeGreaterThanOrEqual(1)
  })

  it('keeps the manifest at its copies and renews the leases of every shard on every holder', async () => {
    const s = await setup()
    const w = worker(s, s.repairers[0]!)
    const first = await w.pass()
    const until = s.clock.now() + 30 * day
    expect(first.renewed).toBe(stored.shards.size + 3)
    const renewed = new Set(s.net.renewals.flatMap(r => r.ids.map(id => `${r.peer} ${id}`)))
    for (const stripe of stored.manifest.stripes) stripe.shards.forEach((id, i) => { expect(renewed.has(`${peers[i]!} ${id.toString()}`)).toBe(true) })
    expect(s.net.renewals.every(r => r.until === until)).toBe(true)
    s.net.held.get(peers[7]!)!.clear()
    const repaired = (await round(s, w)).repaired.filter(r => r.stripe === -1)
    expect(repaired).toHaveLength(1)
    expect(s.net.holdersOf(manifestId.toString())).toHaveLength(3)
    expect(peers.slice(6, 9)).not.toContain(repaired[0]!.peer)
  })
})
