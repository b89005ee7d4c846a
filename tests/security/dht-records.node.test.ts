/**
 * A DHT server (createServerNode) against hostile peers speaking the real
 * kad-dht protocol over loopback: an old, validly signed index record
 * replayed to it does not replace the newer one (before and after a
 * restart: records are kept on disk), expired records are refused, and
 * fresh owner keys or fresh peer ids cannot take every record or provider
 * slot: each is charged to the peer that sent it (dht-sender.ts) and its
 * address, and a full server makes room only from the largest address.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { webSockets } from '@libp2p/websockets'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Key } from 'interface-datastore'
import { Libp2pRecord } from '@libp2p/record'
import { base32 } from 'multiformats/bases/base32'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { PrivateKey } from '@libp2p/interface'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { commonOptions, commonServices } from '../../src/net/common.ts'
import { createServerNode, dhtStoreOf } from '../../src/net/server-node.ts'
import { ServerPolicy } from '../../src/net/server-policy.ts'
import type { DhtLimits } from '../../src/net/dht-datastore.ts'
import { encodeCbor } from '../../src/core/cbor.ts'
import { domainSeparated } from '../../src/core/signature.ts'
import { INDEX_RECORD_DOMAIN, INDEX_RECORD_V1_LIFETIME_MS, indexRecordKey, openIndexRecord, signIndexRecord } from '../../src/net/index-record.ts'
import { providerKey } from '../../src/net/dht-keys.ts'
import { initBlake3, shardCid } from '../../src/core/hash.ts'
import { generateIdentity, signerFromIdentity } from '../../src/core/keys/index.ts'

type Node = Libp2p<Record<string, unknown>>
interface DhtEvent { name: string, messageName?: string, record?: { value: Uint8Array } }
interface Dht {
  put: (key: Uint8Array, value: Uint8Array, options?: { signal?: AbortSignal }) => AsyncIterable<DhtEvent>
  provide: (cid: import('multiformats/cid').CID, options?: { signal?: AbortSignal }) => AsyncIterable<DhtEvent>
}

const DAY = 24 * 60 * 60 * 1000
let dir: string
const nodes: Node[] = []

beforeAll(async () => {
  await initBlake3()
  await installNodePolyfills()
  dir = await mkdtemp(join(tmpdir(), 'datamesh-dht-'))
})
afterAll(async () => {
  await Promise.all(nodes.map(async n => { await n.stop() }))
  await rm(dir, { recursive: true, force: true })
})

async function server (name: string, options: { limits?: Partial<DhtLimits>, countPrivate?: boolean, key?: PrivateKey } = {}): Promise<Node> {
  const node = await createServerNode({
    nodeType: 'storage',
    ...(options.key !== undefined ? { privateKey: options.key } : {}),
    policy: new ServerPolicy({ allowPrivateDial: true, countPrivateAddresses: options.countPrivate === true }),
    dhtDir: join(dir, name),
    ...(options.limits !== undefined ? { dhtLimits: options.limits } : {})
  })
  nodes.push(node)
  return node
}

/** A peer with a DHT client and nothing else: a fresh peer id each time, from 127.0.0.1. */
async function hostile (target: Node, listen = false): Promise<{ node: Node, dht: Dht }> {
  const node = await createLibp2p({
    ...commonOptions({ nodeType: 'browser', allowPrivateAddresses: true }),
    // a provider record is stored with the provider's addresses: a provider must have some
    addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0/ws'] : [] },
    transports: [webSockets()],
    services: commonServices({ nodeType: 'browser', allowPrivateAddresses: true })
  }) as Node
  nodes.push(node)
  await node.dial(multiaddr(`${target.getMultiaddrs()[0]!.toString()}`))
  // the DHT client learns the server from identify: wait until it is in its routing table
  const dht = node.services.dht as Dht & { routingTable: { size: number } }
  for (let i = 0; i < 100 && dht.routingTable.size === 0; i++) await new Promise(resolve => setTimeout(resolve, 50))
  return { node, dht }
}

/** PUT_VALUE to the server; true when it acknowledged. */
async function put (dht: Dht, key: Uint8Array, value: Uint8Array): Promise<boolean> {
  let ok = false
  for await (const e of dht.put(key, value, { signal: AbortSignal.timeout(10_000) })) {
    if (e.name === 'PEER_RESPONSE' && e.messageName === 'PUT_VALUE') ok = true
  }
  return ok
}

async function held (node: Node, key: Uint8Array): Promise<Uint8Array | undefined> {
  const raw = await Promise.resolve(dhtStoreOf(node)!.get(new Key(`/dht/record/${base32.baseEncode(key)}`))).catch(() => undefined)
  return raw === undefined ? undefined : Libp2pRecord.deserialize(raw).value
}

async function record (seq: number, owner = generateIdentity(), at = Date.now(), lifetime = 30 * DAY): Promise<{ key: Uint8Array, value: Uint8Array, owner: typeof owner }> {
  const ptr = shardCid(new TextEncoder().encode(`backup ${seq}`))
  return { key: indexRecordKey(owner.ed25519.publicKey), value: await signIndexRecord({ seq, ts: at, expires: at + lifetime, ptr, holders: [] }, signerFromIdentity(owner), owner.x25519.publicKey), owner }
}

describe('index records on a DHT server', () => {
  let srv: Node
  let key: PrivateKey
  beforeAll(async () => {
    key = await generateKeyPair('Ed25519')
    srv = await server('rollback', { key })
  })

  it('keeps the newest record: an older one replayed is refused, a newer one replaces it', async () => {
    const owner = generateIdentity()
    const r1 = await record(1, owner)
    const r2 = await record(2, owner)
    const r3 = await record(3, owner)
    const { dht } = await hostile(srv)
    expect(await put(dht, r2.key, r2.value)).toBe(true)
    // a replay of an older record, validly signed by the owner
    expect(await put(dht, r1.key, r1.value)).toBe(false)
    expect(openIndexRecord(r2.key, (await held(srv, r2.key))!).seq).toBe(2)
    // the same record again is fine (republishing), and a newer one wins
    expect(await put(dht, r2.key, r2.value)).toBe(true)
    expect(await put(dht, r3.key, r3.value)).toBe(true)
    expect(openIndexRecord(r3.key, (await held(srv, r3.key))!).seq).toBe(3)
    expect(await put(dht, r2.key, r2.value)).toBe(false)
  })

  it('refuses expired records: a version 2 past its exp, a version 1 older than 48 h', async () => {
    const { dht } = await hostile(srv)
    const expired = await record(5, generateIdentity(), Date.now() - 2 * DAY, DAY)
    expect(await put(dht, expired.key, expired.value)).toBe(false)
    expect(await held(srv, expired.key)).toBeUndefined()
    // a version 1 record (as earlier builds signed it) from three days ago
    const owner = generateIdentity()
    const ts = Date.now() - INDEX_RECORD_V1_LIFETIME_MS - DAY
    const p = encodeCbor({ v: 1, o: owner.ed25519.publicKey, seq: 9, ts, ptr: shardCid(new Uint8Array([1])), h: [] })
    const v1 = encodeCbor({ p, s: await signerFromIdentity(owner).sign(domainSeparated(INDEX_RECORD_DOMAIN, p)) })
    const v1Key = indexRecordKey(owner.ed25519.publicKey)
    expect(await put(dht, v1Key, v1)).toBe(false)
    // a current version 1 record is still taken, and read with its 48 h expiry
    const p2 = encodeCbor({ v: 1, o: owner.ed25519.publicKey, seq: 10, ts: Date.now(), ptr: shardCid(new Uint8Array([1])), h: [] })
    const v1Now = encodeCbor({ p: p2, s: await signerFromIdentity(owner).sign(domainSeparated(INDEX_RECORD_DOMAIN, p2)) })
    expect(await put(dht, v1Key, v1Now)).toBe(true)
    expect(openIndexRecord(v1Key, (await held(srv, v1Key))!).expires).toBeLessThanOrEqual(Date.now() + INDEX_RECORD_V1_LIFETIME_MS)
  })

  it('keeps records across a restart, and still refuses the older one after it', async () => {
    const owner = generateIdentity()
    const old = await record(100, owner)
    const current = await record(200, owner)
    const { dht } = await hostile(srv)
    expect(await put(dht, current.key, current.value)).toBe(true)
    await srv.stop()
    srv = await server('rollback', { key })
    expect(openIndexRecord(current.key, (await held(srv, current.key))!).seq).toBe(200)
    const again = await hostile(srv)
    expect(await put(again.dht, old.key, old.value)).toBe(false)
    expect(openIndexRecord(current.key, (await held(srv, current.key))!).seq).toBe(200)
  })
})

describe('other records on a DHT server', () => {
  it('refuses public-key records (DataMesh peer ids carry their keys): nobody fills a server with them', async () => {
    const srv = await server('pk')
    const { dht } = await hostile(srv)
    const key = await generateKeyPair('Ed25519')
    const { publicKeyToProtobuf } = await import('@libp2p/crypto/keys')
    const pkKey = new Uint8Array([...new TextEncoder().encode('/pk/'), ...key.publicKey.toMultihash().bytes])
    expect(await put(dht, pkKey, publicKeyToProtobuf(key.publicKey))).toBe(false)
    expect(dhtStoreOf(srv)!.records.size).toBe(0)
  })
})

describe('fair shares of a DHT server', () => {
  it('charges each record to the peer that sent it (the sender context reaches the datastore)', async () => {
    const srv = await server('charge')
    const { node, dht } = await hostile(srv)
    const r = await record(1)
    expect(await put(dht, r.key, r.value)).toBe(true)
    const ledger = dhtStoreOf(srv)!.records
    expect(ledger.countOfPeer(node.peerId.toString())).toBe(1)
    // loopback is not counted as an address by default: the peer is its own source
    expect(ledger.countOfSource(`peer:${node.peerId.toString()}`)).toBe(1)
  })

  it('refuses fresh owner keys past a peer\'s share, and fresh peer ids past an address\'s share', async () => {
    const srv = await server('shares', { countPrivate: true, limits: { records: { max: 100, perPeer: 3, perSource: 5 } } })
    const a = await hostile(srv)
    const results: boolean[] = []
    const owners = []
    for (let i = 0; i < 5; i++) { const r = await record(1); owners.push(r.owner); results.push(await put(a.dht, r.key, r.value)) }
    expect(results).toEqual([true, true, true, false, false])
    const update = await record(2, owners[0])
    expect(await put(a.dht, update.key, update.value)).toBe(true)
    // another peer id from the same address (all of these are 127.0.0.1, counted here): two more, then no more
    const b = await hostile(srv)
    const more: boolean[] = []
    for (let i = 0; i < 3; i++) { const r = await record(1); more.push(await put(b.dht, r.key, r.value)) }
    expect(more).toEqual([true, true, false])
    expect(dhtStoreOf(srv)!.records.countOfSource('ip4:127.0.0.1')).toBe(5)
    // an owner that already has a record here still updates it; a new one does not get in
    const owner = generateIdentity()
    const first = await record(1, owner)
    const c = await hostile(srv)
    expect(await put(c.dht, first.key, first.value)).toBe(false)
  })

  it('makes room in a full server only from the largest source, never from a smaller one', async () => {
    const srv = await server('evict', { limits: { records: { max: 6, perPeer: 4, perSource: 4 } } })
    const big = await hostile(srv)
    const bigRecords = []
    for (let i = 0; i < 4; i++) { const r = await record(1); bigRecords.push(r); expect(await put(big.dht, r.key, r.value)).toBe(true) }
    const small = await hostile(srv)
    const smallRecords = []
    for (let i = 0; i < 2; i++) { const r = await record(1); smallRecords.push(r); expect(await put(small.dht, r.key, r.value)).toBe(true) }
    // full: an honest newcomer pushes out the oldest record of the largest source
    const honest = await hostile(srv)
    const mine = await record(1)
    expect(await put(honest.dht, mine.key, mine.value)).toBe(true)
    expect(await held(srv, mine.key)).toBeDefined()
    expect(await held(srv, bigRecords[0]!.key)).toBeUndefined()
    for (const r of smallRecords) expect(await held(srv, r.key)).toBeDefined()
    // a source as small as the others cannot push anyone out: 3 (big) vs 2 (small) + newcomer
    const second = await record(1)
    expect(await put(small.dht, second.key, second.value)).toBe(false)
    expect(dhtStoreOf(srv)!.records.size).toBe(6)
  })

  it('bounds provider records per peer', async () => {
    const srv = await server('providers', { limits: { providers: { max: 1000, perPeer: 3, perSource: 1000 } } })
    const { node, dht } = await hostile(srv, true)
    for (let i = 0; i < 5; i++) {
      const cid = providerKey(shardCid(new TextEncoder().encode(`shard ${i}`)))
      // ADD_PROVIDER has no answer: a refusal shows as the server closing the stream
      for await (const _ of dht.provide(cid, { signal: AbortSignal.timeout(10_000) })) {}
    }
    const ledger = dhtStoreOf(srv)!.providers
    for (let i = 0; i < 50 && ledger.countOfPeer(node.peerId.toString()) < 3; i++) await new Promise(resolve => setTimeout(resolve, 50))
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(ledger.countOfPeer(node.peerId.toString())).toBe(3)
    expect(ledger.size).toBe(3)
  })
})
