/**
 * Owner keys cost nothing to make: a hostile peer stores under one fresh
 * key after another, each up to the per-owner quota, and a handful of keys
 * takes the whole store. A holder takes only a few new owner keys per peer
 * id and per remote address per period (src/net/shard/admission.ts). The
 * refusal is a typed QuotaExceededError that is not scored against the
 * peer; owners already kept still store; an honest owner from another peer
 * still stores. The relay's flags and variables reach its storage peers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { KiB, MiB } from '../../src/core/bytes.ts'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh } from '../../relay/mesh.ts'
import { connect, makeShard, newSigner, rejection, startPeer, stopAll, type Peer } from '../net/helpers.ts'

/** the attack at a small scale: four owners of a quarter each fill the holder */
const QUOTA = 1 * MiB
const OWNER_QUOTA = 256 * KiB
const SHARD = 200 * KiB
const ATTEMPTS = 20

describe('throwaway owner keys from one peer', () => {
  let holder: Peer
  let attacker: Peer
  let honest: Peer

  beforeAll(async () => {
    holder = await startPeer({ shard: { perOwnerQuota: OWNER_QUOTA }, quota: QUOTA }) // default admission: 4 new owners per peer per hour
    attacker = await startPeer({ clientOnly: true })
    honest = await startPeer({ clientOnly: true })
    await connect(attacker, holder)
    await new Promise(resolve => setTimeout(resolve, 250)) // libp2p takes a few inbound connections a second from one host
    await connect(honest, holder)
  })

  afterAll(async () => { await stopAll(attacker, honest, holder) })

  it('refuses new owner keys past the limit, unscored, while an honest owner from another peer still stores', async () => {
    const { shards } = attacker.node.services
    const to = holder.node.peerId
    const owners = Array.from({ length: ATTEMPTS }, () => newSigner())
    const outcomes: string[] = []
    for (const [i, owner] of owners.entries()) {
      const shard = makeShard(SHARD, 1000 + i)
      // both request kinds: a signed store, and store-many under a grant
      if (i % 2 === 0) {
        outcomes.push(await shards.store(to, shard.id, shard.bytes, owner).then(() => 'stored', (err: Error & { details?: Record<string, unknown> }) => `${err.name}/${String(err.details?.reason)}`))
      } else {
        const [err] = await shards.storeMany(to, [shard], owner)
        outcomes.push(err === undefined ? 'stored' : `${err.name}/${String(err.details.reason)}`)
      }
    }
    console.log('throwaway owners:', outcomes.filter(o => o === 'stored').length, 'of', ATTEMPTS, 'stored; usage', (await holder.store.usage()).bytes, 'of', QUOTA)
    expect(outcomes.slice(0, 4)).toEqual(['stored', 'stored', 'stored', 'stored'])
    expect(outcomes.slice(4)).toEqual(new Array(ATTEMPTS - 4).fill('QuotaExceededError/new-owner-limit'))
    expect((await holder.store.usage()).count).toBe(4)

    // a refusal, not misbehaviour: no score, no ban, the peer is still served
    expect(holder.limiter.score(attacker.node.peerId.toString())).toBe(0)
    expect(holder.limiter.isBanned(attacker.node.peerId.toString())).toBe(false)
    const kept = makeShard(10 * KiB, 2000)
    await shards.store(to, kept.id, kept.bytes, owners[0]!) // an owner already kept here is not new
    expect(await shards.fetch(to, kept.id)).toEqual(kept.bytes)

    // the holder still has room for an honest owner on another peer
    const file = makeShard(SHARD, 3000)
    const alice = newSigner()
    await honest.node.services.shards.store(to, file.id, file.bytes, alice)
    expect(await holder.store.has(file.id)).toBe(true)
  })
})

describe('throwaway owner keys from many peer ids on one address', () => {
  const attackers: Peer[] = []
  let counting: Peer
  let exempt: Peer

  beforeAll(async () => {
    // everything here arrives from 127.0.0.1: one holder counts it as an address, the other (the default) does not
    counting = await startPeer({ shard: { admission: { perPeer: 2, perAddress: 3, countPrivateAddresses: true } } })
    exempt = await startPeer({ shard: { admission: { perPeer: 2, perAddress: 3 } } })
    for (let i = 0; i < 3; i++) {
      const attacker = await startPeer({ clientOnly: true })
      await connect(attacker, counting)
      await new Promise(resolve => setTimeout(resolve, 250))
      await connect(attacker, exempt)
      await new Promise(resolve => setTimeout(resolve, 250))
      attackers.push(attacker)
    }
  })

  afterAll(async () => { await stopAll(...attackers, counting, exempt) })

  async function openOwners (holder: Peer): Promise<string[]> {
    const outcomes: string[] = []
    for (const [i, attacker] of attackers.entries()) {
      for (let j = 0; j < 2; j++) {
        const shard = makeShard(5 * KiB, 4000 + 10 * i + j)
        outcomes.push(await attacker.node.services.shards.store(holder.node.peerId, shard.id, shard.bytes, newSigner())
          .then(() => 'stored', (err: Error & { details?: Record<string, unknown> }) => `${String(err.details?.reason)}/${String(err.details?.limit)}`))
      }
    }
    return outcomes
  }

  it('counts the address across peer ids when told to, and by default exempts loopback (a reverse proxy)', async () => {
    const counted = await openOwners(counting)
    expect(counted).toEqual(['stored', 'stored', 'stored', ...new Array(3).fill('new-owner-limit/address')])
    const exempted = await openOwners(exempt)
    expect(exempted).toEqual(new Array(6).fill('stored')) // each peer id within its own two
    for (const a of attackers) expect(counting.limiter.score(a.node.peerId.toString())).toBe(0)
  })
})

describe('the relay configures its storage peers', () => {
  it('reads the new-owner limits from flags and variables, and its storage peers apply them', async () => {
    const env = { NEW_OWNERS_PER_PEER: '3', NEW_OWNERS_PER_ADDRESS: '7', NEW_OWNERS_PERIOD: '60000' }
    expect(loadConfig([], env).ownerAdmission).toEqual({ perPeer: 3, perAddress: 7, periodMs: 60_000 })
    expect(loadConfig(['--new-owners-per-peer', '1'], env).ownerAdmission).toEqual({ perPeer: 1, perAddress: 7, periodMs: 60_000 })
    expect(loadConfig([], {}).ownerAdmission).toEqual({ perPeer: 4, perAddress: 16, periodMs: 3_600_000 })
    for (const bad of [['--new-owners-per-peer=-1'], ['--new-owners-per-address', '2.5'], ['--new-owners-period', '10']]) {
      expect(() => loadConfig(bad, {})).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    }

    const dir = await mkdtemp(join(tmpdir(), 'datamesh-owners-'))
    // everything here is loopback: with --private-addresses count, it is one address
    const mesh = await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', dir, '--storage-peers', '1', '--dist', join(dir, 'no-dist'),
      '--new-owners-per-peer', '2', '--new-owners-per-address', '3', '--private-addresses', 'count'], {}), createLogger('error'))
    const second = await startPeer({ clientOnly: true })
    const client = await startPeer({ clientOnly: true })
    try {
      const storage = mesh.storage[0]!
      await client.node.dial(multiaddr(storage.multiaddrs()[0]!))
      const outcomes: string[] = []
      for (let i = 0; i < 3; i++) {
        const shard = makeShard(5 * KiB, 5000 + i)
        outcomes.push(await client.node.services.shards.store(storage.node.peerId, shard.id, shard.bytes, newSigner()).then(() => 'stored', (err: Error) => err.name))
      }
      expect(outcomes).toEqual(['stored', 'stored', 'QuotaExceededError'])
      const err = await rejection(client.node.services.shards.store(storage.node.peerId, makeShard(10, 5009).id, makeShard(10, 5009).bytes, newSigner()))
      expect(err.details).toMatchObject({ reason: 'new-owner-limit', limit: 'peer', perPeriod: 2 })
      // another peer id from the same (counted) address: one more, then the address is spent
      await new Promise(resolve => setTimeout(resolve, 250))
      await second.node.dial(multiaddr(storage.multiaddrs()[0]!))
      const more = makeShard(5 * KiB, 5010)
      await second.node.services.shards.store(storage.node.peerId, more.id, more.bytes, newSigner())
      const spent = await rejection(second.node.services.shards.store(storage.node.peerId, makeShard(10, 5011).id, makeShard(10, 5011).bytes, newSigner()))
      expect(spent.details).toMatchObject({ reason: 'new-owner-limit', limit: 'address', perPeriod: 3 })
    } finally {
      await stopAll(client, second)
      await mesh.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
