/**
 * Withdrawing a shard's provider record, as far as libp2p allows: the
 * announcement is taken off the queue (or aborted while it runs), and the
 * node's own provider record — written by kad-dht's provide at the key
 * `providerRecordKey` names — is deleted from its datastore, so the
 * reprovider never announces it again. A holder wired like a storage peer
 * withdraws a shard its owner deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBlake3 } from '../../src/core/hash.ts'
import { AnnounceQueue, announcer, providerRecordKey, withdrawer } from '../../src/net/announce-queue.ts'
import { providerKey } from '../../src/net/dht-keys.ts'
import { dhtStoreOf, createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import type { ShardService } from '../../src/net/shard/index.ts'
import { openMemoryStore } from '../../src/store/memory.ts'
import type { ShardStore } from '../../src/store/types.ts'
import type { Libp2p } from 'libp2p'
import { makeShard, newSigner } from './helpers.ts'

describe('withdrawing provider records', () => {
  let holder: Libp2p<Record<string, unknown>>
  let client: Libp2p<Record<string, unknown>>
  let store: ShardStore
  const queue = new AnnounceQueue({ interval: 0 })

  beforeAll(async () => {
    await initBlake3()
    store = await openMemoryStore({ quota: Infinity })
    let announce: ((id: string) => void) | undefined
    let withdraw: ((id: string) => Promise<void>) | undefined
    holder = await createServerNode({
      nodeType: 'storage',
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      allowPrivateAddresses: true,
      services: dataMeshServices({ nodeType: 'storage', store, onStored: id => { announce?.(id) }, onDeleted: id => { void withdraw?.(id) } })
    })
    announce = announcer(holder, queue)
    withdraw = withdrawer(holder, queue, dhtStoreOf(holder))
    client = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
    await client.dial(holder.getMultiaddrs()[0]!)
  })

  afterAll(async () => {
    queue.stop()
    await client.stop()
    await holder.stop()
    await store.close()
  })

  it('names the datastore key kad-dht keeps a node\'s own provider record under', async () => {
    const { id } = makeShard(100, 1)
    const self = holder.peerId.toString()
    await holder.contentRouting.provide(providerKey(id)).catch(() => {}) // no DHT peers to tell: the local record is written first
    const datastore = dhtStoreOf(holder)!
    expect(await datastore.has(providerRecordKey(id, self))).toBe(true)
    await withdrawer(holder, queue, datastore)(id)
    expect(await datastore.has(providerRecordKey(id, self))).toBe(false)
  })

  it('takes a waiting announcement off the queue, and aborts a running one', async () => {
    const slow = new AnnounceQueue({ interval: 60_000 })
    const ran: string[] = []
    let aborted = false
    slow.add('a', async ({ signal }) => {
      ran.push('a')
      await new Promise<void>((resolve) => { signal.addEventListener('abort', () => { aborted = true; resolve() }, { once: true }) })
    })
    slow.add('b', async () => { ran.push('b') })
    expect(slow.stats).toMatchObject({ pending: 1, running: 1 })
    expect(slow.cancel('b')).toBe(true)
    expect(slow.cancel('a')).toBe(true)
    await slow.onIdle()
    expect(aborted).toBe(true)
    expect(ran).toEqual(['a'])
    expect(slow.cancel('b')).toBe(false)
    slow.stop()
  })

  it('a holder wired like a storage peer withdraws the record of a shard its owner deletes', async () => {
    const owner = newSigner()
    const s = makeShard(2000, 2)
    const shards = client.services.shard as ShardService
    const self = holder.peerId.toString()
    const datastore = dhtStoreOf(holder)!
    await shards.store(holder.peerId, s.id, s.bytes, owner, { lease: Date.now() + 60_000 })
    await queue.onIdle()
    expect(await datastore.has(providerRecordKey(s.id, self))).toBe(true)
    await shards.delete(holder.peerId, s.id, owner)
    expect(await store.has(s.id)).toBe(false)
    for (let i = 0; i < 50 && await datastore.has(providerRecordKey(s.id, self)); i++) await new Promise(resolve => setTimeout(resolve, 10))
    expect(await datastore.has(providerRecordKey(s.id, self))).toBe(false)
  })
})
