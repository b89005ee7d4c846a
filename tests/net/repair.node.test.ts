/**
 * /datamesh/repair/{adopt,release,store,renew}/1.0.0 between real libp2p
 * nodes on 127.0.0.1 (WebSockets, noise, yamux): a repairer keeps
 * capabilities, holders take re-created shards only from listed repairers
 * under a valid capability, and every refusal stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { ed25519 } from '@noble/curves/ed25519.js'
import { parseShardCid } from '../../src/core/hash.ts'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { PeerLimiter } from '../../src/net/limits.ts'
import { openMemoryStore } from '../../src/store/memory.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { MAX_REPAIR_CAP_BYTES, signRepairCap, type RepairCap, type SignedRepairCap } from '../../src/core/repair-cap.ts'
import { signerFromSecretKey, type Signer } from '../../src/core/signature.ts'
import { ownerId } from '../../src/net/shard/index.ts'
import { CapabilityBook, repairProtocol, REPAIR_LEASE_MS, type RepairProtocolInit, type RepairService } from '../../src/net/repair/index.ts'
import { makeShard, rejection } from './helpers.ts'

const DAY = 24 * 60 * 60 * 1000

interface Node {
  node: Libp2p<{ repair: RepairService }>
  store: ShardStore
  book: CapabilityBook
  id: Uint8Array
}

async function start (init: Omit<RepairProtocolInit, 'store' | 'book' | 'limiter'> = {}, roles: { holder?: boolean, repairer?: boolean } = { holder: true, repairer: true }): Promise<Node> {
  await installNodePolyfills()
  const store = await openMemoryStore({ quota: Number.POSITIVE_INFINITY })
  const book = new CapabilityBook()
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false },
    services: {
      repair: repairProtocol({
        ...init,
        ...(roles.holder === true ? { store } : {}),
        ...(roles.repairer === true ? { book } : {}),
        limiter: new PeerLimiter({})
      })
    }
  })
  return { node, store, book, id: node.peerId.toMultihash().bytes }
}

async function connect (from: Node, to: Node): Promise<void> {
  await from.node.dial(to.node.getMultiaddrs())
}

/** A file of one 2 + 1 stripe of real shards, its repair key, and a capability listing `repairers`. */
function file (repairers: Uint8Array[], seed: number): { key: Signer, shards: Array<{ id: string, bytes: Uint8Array }>, cap: (o?: Partial<RepairCap>) => RepairCap } {
  const key = signerFromSecretKey(ed25519.utils.randomSecretKey())
  const shards = [0, 1, 2].map(i => makeShard(3000, seed * 10 + i))
  const manifest = makeShard(500, seed * 10 + 9)
  const cap = (o: Partial<RepairCap> = {}): RepairCap => ({
    key: key.publicKey,
    seq: 1,
    exp: Date.now() + 90 * DAY,
    k: 2,
    m: 1,
    manifest: { id: cidBytes(manifest.id), size: 500, copies: 3 },
    stripes: [{ size: 3000, ids: shards.map(s => cidBytes(s.id)) }],
    repairers,
    ...o
  })
  return { key, shards, cap }
}

function cidBytes (id: string): Uint8Array {
  return parseShardCid(id).bytes
}

describe('repair protocol between real nodes', () => {
  let holder: Node
  let repairer: Node
  let stranger: Node
  let strict: Node

  beforeAll(async () => {
    repairer = await start({}, { repairer: true })
    stranger = await start({}, { repairer: true })
    holder = await start({ admission: { perPeer: 100 } }, { holder: true })
    await connect(repairer, holder)
    await connect(stranger, holder)
    await connect(stranger, repairer)
  })

  afterAll(async () => {
    for (const n of [holder, repairer, stranger, strict]) {
      if (n === undefined) continue
      await n.node.stop()
      await n.store.close()
    }
  })

  it('a repairer adopts a capability listing it; a newer one replaces it, an older one is refused; release drops it for good', async () => {
    const f = file([repairer.id], 1)
    const v1 = await signRepairCap(f.cap(), f.key)
    const v2 = await signRepairCap(f.cap({ seq: 2 }), f.key)
    const { repair } = stranger.node.services
    await repair.adopt(repairer.node.peerId, v1)
    expect(repairer.book.get(f.key.publicKey)?.cap.seq).toBe(1)
    await repair.adopt(repairer.node.peerId, v1) // the same again: fine
    await repair.adopt(repairer.node.peerId, v2)
    expect(repairer.book.get(f.key.publicKey)?.cap.seq).toBe(2)
    const older = await rejection(repair.adopt(repairer.node.peerId, v1))
    expect([older.name, older.details?.reason]).toEqual(['StaleRecordError', 'superseded'])
    // a release for K_f signed by another key is refused; another key's own release drops nothing
    const other = signerFromSecretKey(ed25519.utils.randomSecretKey())
    const forged = await rejection(repair.release(repairer.node.peerId, 2, { publicKey: f.key.publicKey, sign: other.sign }))
    expect([forged.name, forged.details?.reason]).toEqual(['NotAllowedError', 'bad-signature'])
    await repair.release(repairer.node.peerId, 2, other)
    expect(repairer.book.get(f.key.publicKey)?.cap.seq).toBe(2)
    await repair.release(repairer.node.peerId, 2, f.key)
    expect(repairer.book.get(f.key.publicKey)).toBeUndefined()
    const again = await rejection(repair.adopt(repairer.node.peerId, v2))
    expect(again.name).toBe('StaleRecordError')
  })

  it('a repairer takes new repair keys from an untrusted sender only within its new-owner budget', async () => {
    const tight = await start({ admission: { perPeer: 1 } }, { repairer: true })
    try {
      await connect(stranger, tight)
      const a = file([tight.id], 50)
      const b = file([tight.id], 51)
      const { repair } = stranger.node.services
      await repair.adopt(tight.node.peerId, await signRepairCap(a.cap(), a.key))
      const err = await rejection(repair.adopt(tight.node.peerId, await signRepairCap(b.cap(), b.key)))
      expect([err.name, err.details?.reason]).toEqual(['QuotaExceededError', 'new-owner-limit'])
      expect(tight.book.size).toBe(1)
      // a newer capability of a key already kept needs no token
      await repair.adopt(tight.node.peerId, await signRepairCap(a.cap({ seq: 2 }), a.key))
      expect(tight.book.get(a.key.publicKey)?.cap.seq).toBe(2)
    } finally {
      await tight.node.stop()
    }
  })

  it('a repairer refuses a capability that does not list it', async () => {
    const f = file([holder.id], 2)
    const signed = await signRepairCap(f.cap(), f.key)
    const err = await rejection(stranger.node.services.repair.adopt(repairer.node.peerId, signed))
    expect([err.name, err.details?.reason]).toEqual(['NotAllowedError', 'not-a-repairer'])
    // refused before its signature is checked
    const unsigned = await rejection(stranger.node.services.repair.adopt(repairer.node.peerId, { bytes: signed.bytes, sig: new Uint8Array(64) }))
    expect([unsigned.name, unsigned.details?.reason]).toEqual(['NotAllowedError', 'not-a-repairer'])
    expect(repairer.book.get(f.key.publicKey)).toBeUndefined()
  })

  it('a holder keeps a valid repair store under K_f, with K_f as renewer and a lease to min(exp, now + 30 d)', async () => {
    const f = file([repairer.id], 3)
    const exp = Date.now() + 20 * DAY
    const cap = await signRepairCap(f.cap({ exp }), f.key)
    const shard = f.shards[1]!
    await repairer.node.services.repair.store(holder.node.peerId, cap, shard.id, shard.bytes)
    await repairer.node.services.repair.store(holder.node.peerId, cap, shard.id, shard.bytes) // idempotent
    const record = await holder.store.stat(shard.id)
    expect(record?.owner).toBe(ownerId(f.key.publicKey))
    expect(record?.renewer).toBe(ownerId(f.key.publicKey))
    expect(record?.leaseUntil).toBe(exp)
    // a longer capability gets the holder's 30 days
    const g = file([repairer.id], 4)
    const before = Date.now()
    await repairer.node.services.repair.store(holder.node.peerId, await signRepairCap(g.cap(), g.key), g.shards[0]!.id, g.shards[0]!.bytes)
    const lease = (await holder.store.stat(g.shards[0]!.id))?.leaseUntil ?? 0
    expect(lease).toBeGreaterThanOrEqual(before + REPAIR_LEASE_MS)
    expect(lease).toBeLessThanOrEqual(Date.now() + REPAIR_LEASE_MS)
  })

  it('a repairer\'s shard that does not hash to its id is refused', async () => {
    const f = file([repairer.id], 5)
    const cap = await signRepairCap(f.cap(), f.key)
    const shard = f.shards[0]!
    const damaged = shard.bytes.slice()
    damaged[1234]! ^= 1
    const err = await rejection(repairer.node.services.repair.store(holder.node.peerId, cap, shard.id, damaged))
    expect([err.name, err.details?.reason]).toEqual(['CorruptShardError', 'sent-corrupt'])
    expect(await holder.store.has(shard.id)).toBe(false)
    expect((await holder.store.ownerUsage(ownerId(f.key.publicKey))).count).toBe(0)
  })

  describe('refusals, each with a typed error and nothing stored', () => {
    const cases: Array<[string, (f: ReturnType<typeof file>) => Promise<{ from: Node, cap: SignedRepairCap, id: string, bytes: Uint8Array }>, string, string | undefined]> = [
      ['a capability signed by another key', async f => {
        const other = signerFromSecretKey(ed25519.utils.randomSecretKey())
        const signed = await signRepairCap({ ...f.cap(), key: other.publicKey }, other)
        // K_f's payload with the other key's signature
        const honest = await signRepairCap(f.cap(), f.key)
        return { from: repairer, cap: { bytes: honest.bytes, sig: signed.sig }, id: f.shards[0]!.id, bytes: f.shards[0]!.bytes }
      }, 'NotAllowedError', 'bad-signature'],
      ['an expired capability', async f => ({ from: repairer, cap: await signRepairCap(f.cap({ exp: Date.now() - 1 }), f.key), id: f.shards[0]!.id, bytes: f.shards[0]!.bytes }), 'StaleRecordError', 'expired'],
      ['an id the capability does not name', async f => {
        const other = makeShard(3000, 999)
        return { from: repairer, cap: await signRepairCap(f.cap(), f.key), id: other.id, bytes: other.bytes }
      }, 'NotAllowedError', 'not-in-capability'],
      ['a sender not listed as a repairer', async f => ({ from: stranger, cap: await signRepairCap(f.cap(), f.key), id: f.shards[0]!.id, bytes: f.shards[0]!.bytes }), 'NotAllowedError', 'not-a-repairer'],
      ['a sender not listed, with a signature that would not verify either (refused before verifying)', async f => {
        const honest = await signRepairCap(f.cap(), f.key)
        return { from: stranger, cap: { bytes: honest.bytes, sig: new Uint8Array(64) }, id: f.shards[0]!.id, bytes: f.shards[0]!.bytes }
      }, 'NotAllowedError', 'not-a-repairer'],
      ['a shard of another size than the capability says', async f => {
        const signed = await signRepairCap(f.cap({ stripes: [{ size: 2999, ids: f.cap().stripes[0]!.ids }] }), f.key)
        return { from: repairer, cap: signed, id: f.shards[0]!.id, bytes: f.shards[0]!.bytes }
      }, 'InvalidParametersError', 'size-mismatch'],
      ['an oversized capability', async f => {
        const honest = await signRepairCap(f.cap(), f.key)
        const big = new Uint8Array(MAX_REPAIR_CAP_BYTES + 1)
        big.set(honest.bytes)
        return { from: repairer, cap: { bytes: big, sig: honest.sig }, id: f.shards[0]!.id, bytes: f.shards[0]!.bytes }
      }, 'MalformedDataError', undefined]
    ]
    /** what pins a refusal to its check: the oversized capability is refused by the request's field cap, before any parsing */
    const pinned: Record<string, Record<string, unknown>> = { 'an oversized capability': { length: MAX_REPAIR_CAP_BYTES + 1 } }
    let seed = 100
    for (const [what, make, name, reason] of cases) {
      it(what, async () => {
        const f = file([repairer.id], seed++)
        const { from, cap, id, bytes } = await make(f)
        const err = await rejection(from.node.services.repair.store(holder.node.peerId, cap, id, bytes))
        expect(err.name).toBe(name)
        if (reason !== undefined) expect(err.details?.reason).toBe(reason)
        if (pinned[what] !== undefined) expect(err.details).toMatchObject(pinned[what]!)
        expect(await holder.store.has(id)).toBe(false)
        expect((await holder.store.ownerUsage(ownerId(f.key.publicKey))).count).toBe(0)
      })
    }

    it('a replay of an older seq once a newer one was used', async () => {
      const f = file([repairer.id], 200)
      const v1 = await signRepairCap(f.cap({ seq: 1 }), f.key)
      const v2 = await signRepairCap(f.cap({ seq: 2 }), f.key)
      const { repair } = repairer.node.services
      await repair.store(holder.node.peerId, v2, f.shards[0]!.id, f.shards[0]!.bytes)
      const err = await rejection(repair.store(holder.node.peerId, v1, f.shards[1]!.id, f.shards[1]!.bytes))
      expect([err.name, err.details?.reason]).toEqual(['StaleRecordError', 'superseded'])
      expect(await holder.store.has(f.shards[1]!.id)).toBe(false)
    })
  })

  it('renew by a listed repairer extends only shards whose renewer is K_f', async () => {
    const f = file([repairer.id], 300)
    // stored under a capability ending in 10 days (so is the lease), renewed under its successor
    const first = await signRepairCap(f.cap({ exp: Date.now() + 10 * DAY }), f.key)
    const cap = await signRepairCap(f.cap({ seq: 2 }), f.key)
    const { repair } = repairer.node.services
    await repair.store(holder.node.peerId, first, f.shards[0]!.id, f.shards[0]!.bytes)
    // shard 1 is held for somebody else
    await holder.store.put(f.shards[1]!.id, f.shards[1]!.bytes, { owner: 'someone-else', leaseUntil: Date.now() + DAY })
    const until = Date.now() + 20 * DAY
    expect(await repair.renew(holder.node.peerId, cap, [f.shards[0]!.id, f.shards[1]!.id, f.shards[2]!.id], until)).toEqual([true, false, false])
    expect((await holder.store.stat(f.shards[0]!.id))?.leaseUntil).toBe(until)
    expect((await holder.store.stat(f.shards[1]!.id))?.leaseUntil).toBeLessThan(until)
    // not from a stranger, and not for ids outside the capability
    const err = await rejection(stranger.node.services.repair.renew(holder.node.peerId, cap, [f.shards[0]!.id], until + DAY))
    expect([err.name, err.details?.reason]).toEqual(['NotAllowedError', 'not-a-repairer'])
    const outside = await rejection(repair.renew(holder.node.peerId, cap, [makeShard(10, 301).id], until))
    expect([outside.name, outside.details?.reason]).toEqual(['NotAllowedError', 'not-in-capability'])
    expect((await holder.store.stat(f.shards[0]!.id))?.leaseUntil).toBe(until)
  })

  it('new-owner admission applies to K_f, except for a sender the holder trusts', async () => {
    strict = await start({ admission: { perPeer: 0 }, isTrusted: peer => peer === repairer.node.peerId.toString() }, { holder: true })
    await connect(repairer, strict)
    await connect(stranger, strict)
    const f = file([repairer.id, stranger.id], 400)
    const cap = await signRepairCap(f.cap(), f.key)
    const err = await rejection(stranger.node.services.repair.store(strict.node.peerId, cap, f.shards[0]!.id, f.shards[0]!.bytes))
    expect([err.name, err.details?.reason]).toEqual(['QuotaExceededError', 'new-owner-limit'])
    expect(await strict.store.has(f.shards[0]!.id)).toBe(false)
    await repairer.node.services.repair.store(strict.node.peerId, cap, f.shards[0]!.id, f.shards[0]!.bytes)
    expect(await strict.store.has(f.shards[0]!.id)).toBe(true)
  })
})
