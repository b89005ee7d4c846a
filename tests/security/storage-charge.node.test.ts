/**
 * Shards that cost the holder more than they are charged: a hostile owner
 * sends empty shards, or floods a disk-backed storage peer with tiny ones.
 * Before, 1,024 shards of 8 bytes were charged 8 KiB but made 2,048 files
 * and about 10 MiB of disk. Empty shards are refused (nothing stored);
 * every shard is charged at least one 4 KiB block, so the owner's quota
 * bounds the disk its shards take, and each shard is one file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { KiB } from '../../src/core/bytes.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { SHARD_MIN_CHARGE_BYTES } from '../../src/store/charge.ts'
import { createLogger } from '../../relay/log.ts'
import { startStoragePeer, type StoragePeer } from '../../relay/storage-peer.ts'
import { makeShard, newSigner, rejection, startPeer, stopAll, type Peer } from '../net/helpers.ts'
import { bytesOf, owner, startTestNet, type TestNet } from '../mesh/helpers.ts'

const OWNER_QUOTA = 64 * KiB
const TINY = 8
const ATTEMPTS = 256

describe('empty and tiny shards against a disk-backed storage peer', () => {
  let dir: string
  let storage: StoragePeer
  let attacker: Peer

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'datamesh-charge-'))
    storage = await startStoragePeer({
      index: 0, dataDir: dir, host: '127.0.0.1', quota: 64 * 1024 * KiB, ownerQuota: OWNER_QUOTA,
      bootstrap: [], allowPrivateAddresses: true, logger: createLogger('error')
    })
    attacker = await startPeer({ clientOnly: true })
    await attacker.node.dial(multiaddr(storage.multiaddrs()[0]!))
  })

  afterAll(async () => {
    await stopAll(attacker)
    await storage.stop()
    await rm(dir, { recursive: true, force: true })
  })

  /** Every file of the storage peer's shard store but its `layout` marker and its lease file (~41 bytes a shard, one file per store), and the bytes the filesystem gives them. */
  async function onDisk (): Promise<{ files: string[], allocatedBytes: number }> {
    const root = join(dir, 'storage-0', 'shards')
    const files: string[] = []
    let allocatedBytes = 0
    for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || (entry.parentPath === root && (entry.name === 'layout' || entry.name === 'leases'))) continue
      files.push(entry.name)
      allocatedBytes += (await stat(join(entry.parentPath, entry.name))).blocks * 512
    }
    return { files, allocatedBytes }
  }

  it('refuses empty shards, alone or in a batch, and stores nothing', async () => {
    const { shards } = attacker.node.services
    const owner = newSigner()
    const empty = makeShard(0, 1)
    const err = await rejection(shards.store(storage.node.peerId, empty.id, empty.bytes, owner))
    expect(err.name).toBe('InvalidParametersError')
    expect(err.details?.reason).toBe('empty-shard')
    const batch = await rejection(shards.storeMany(storage.node.peerId, [makeShard(TINY, 2), empty], owner))
    expect(batch.details?.reason).toBe('empty-shard')
    // refused before any signature is checked: an empty shard is never worth verifying, and costs no score
    const forged = { publicKey: newSigner().publicKey, sign: () => new Uint8Array(64), forHolder: () => forged }
    expect((await rejection(shards.store(storage.node.peerId, empty.id, empty.bytes, forged))).details?.reason).toBe('empty-shard')
    expect((await rejection(shards.storeMany(storage.node.peerId, [empty], forged))).details?.reason).toBe('empty-shard')
    expect(await storage.store.usage()).toMatchObject({ bytes: 0, count: 0 })
    expect((await onDisk()).files).toEqual([])
  })

  it('charges every tiny shard a 4 KiB block: the owner quota bounds their number and their disk', async () => {
    const { shards } = attacker.node.services
    const owner = newSigner()
    const tiny = Array.from({ length: ATTEMPTS }, (_, i) => makeShard(TINY, 100 + i))
    const refused: string[] = []
    for (let i = 0; i < tiny.length; i += 8) { // small batches: a batch that does not fit is refused whole
      const errors = await shards.storeMany(storage.node.peerId, tiny.slice(i, i + 8), owner)
      for (const e of errors) if (e !== undefined) refused.push(e.name)
    }
    const allowed = OWNER_QUOTA / SHARD_MIN_CHARGE_BYTES // 16
    const usage = await storage.store.usage()
    const disk = await onDisk()
    console.log(`${ATTEMPTS} shards of ${TINY} bytes: ${usage.count} kept, charged ${usage.bytes} bytes, ${disk.files.length} files taking ${disk.allocatedBytes} bytes of disk`)
    expect(usage).toMatchObject({ count: allowed, bytes: allowed * SHARD_MIN_CHARGE_BYTES })
    expect(refused.length).toBe(ATTEMPTS - allowed)
    expect(new Set(refused)).toEqual(new Set(['QuotaExceededError']))
    // one file per shard, no second file beside it; the disk they take is what they were charged
    expect(disk.files.length).toBe(allowed)
    expect(disk.files.every(f => parseShardCid(f).toString() === f)).toBe(true)
    expect(disk.allocatedBytes).toBeLessThanOrEqual(usage.bytes)
  })
})

describe('honest puts never make an empty shard', () => {
  let net: TestNet
  beforeAll(async () => { net = await startTestNet({ clients: 1 }) })
  afterAll(async () => { await net?.stop() })

  it('stores an empty file, a one-byte file, their manifests and an index backup on holders that refuse empty shards', async () => {
    const alice = owner(net.clients[0]!)
    await alice.mesh.put(new Uint8Array(0), { name: 'empty.txt' })
    await alice.mesh.put(new Uint8Array([7]), { name: 'one.bin' })
    await alice.mesh.backupIndex()
    expect(await bytesOf(await alice.mesh.get('empty.txt'))).toEqual(new Uint8Array(0))
    expect(await bytesOf(await alice.mesh.get('one.bin'))).toEqual(new Uint8Array([7]))
    const sizes: number[] = []
    for (const s of net.mesh.storage) for await (const r of s.store.entries()) sizes.push(r.size)
    // 2 files x (6 shards + 3 manifest copies) + 3 index backup copies
    expect(sizes.length).toBe(21)
    console.log('smallest shard of an honest put:', Math.min(...sizes), 'bytes')
    expect(Math.min(...sizes)).toBeGreaterThan(0)
  })
})
