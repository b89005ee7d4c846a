/**
 * A storage peer is a repairer and a repair holder: it adopts a capability
 * listing it, keeps it in repair-caps.cbor under its folder across a
 * restart, and stores a re-created shard sent by a listed repairer (a
 * trusted one without new-owner tokens).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { webSockets } from '@libp2p/websockets'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createLibp2p, type Libp2p } from 'libp2p'
import { startStoragePeer, type StoragePeer } from '../../relay/storage-peer.ts'
import { createLogger } from '../../relay/log.ts'
import { shardCid } from '../../src/core/hash.ts'
import { signRepairCap } from '../../src/core/repair-cap.ts'
import { signerFromSecretKey } from '../../src/core/signature.ts'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { repairProtocol, type RepairService } from '../../src/net/repair/index.ts'
import { ownerId } from '../../src/net/shard/index.ts'

const DAY = 24 * 60 * 60 * 1000

describe('storage peer as repairer and repair holder', () => {
  let dir: string
  let peer: StoragePeer | undefined
  let client: Libp2p<{ repair: RepairService }>

  const start = async (trustedPeers: string[] = []): Promise<StoragePeer> => await startStoragePeer({
    index: 0,
    dataDir: dir,
    host: '127.0.0.1',
    quota: 10 * 1024 * 1024,
    ownerQuota: 1024 * 1024,
    bootstrap: [],
    allowPrivateAddresses: true,
    logger: createLogger('error'),
    // no new owner keys from anyone untrusted: the repairer's store goes through only because it is trusted
    ownerAdmission: { perPeer: 0 },
    trustedPeers
  })

  beforeAll(async () => {
    await installNodePolyfills()
    dir = await mkdtemp(join(tmpdir(), 'datamesh-storage-repair-'))
    client = await createLibp2p({
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: async () => false },
      services: { repair: repairProtocol() }
    })
  })

  afterAll(async () => {
    await client?.stop()
    await peer?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps an adopted capability across a restart, and takes a listed repairer\'s shard', async () => {
    peer = await start([client.peerId.toString()])
    const key = signerFromSecretKey(ed25519.utils.randomSecretKey())
    const shards = [1, 2, 3].map(i => new Uint8Array(2048).fill(i))
    const cap = await signRepairCap({
      key: key.publicKey,
      seq: 1,
      exp: Date.now() + 60 * DAY,
      k: 2,
      m: 1,
      manifest: { id: shardCid(Uint8Array.of(9)).bytes, size: 1, copies: 3 },
      stripes: [{ size: 2048, ids: shards.map(s => shardCid(s).bytes) }],
      repairers: [peer.node.peerId.toMultihash().bytes, client.peerId.toMultihash().bytes]
    }, key)
    await client.dial(peer.node.getMultiaddrs())
    await client.services.repair.adopt(peer.node.peerId, cap)
    expect(peer.capabilities.get(key.publicKey)?.from).toBe(client.peerId.toString())
    // a listed, trusted repairer stores a shard for K_f
    await client.services.repair.store(peer.node.peerId, cap, shardCid(shards[2]!), shards[2]!)
    expect((await peer.store.stat(shardCid(shards[2]!).toString()))?.renewer).toBe(ownerId(key.publicKey))

    await peer.stop()
    expect(await readdir(join(dir, 'storage-0'))).toContain('repair-caps.cbor')
    peer = await start()
    expect(peer.capabilities.get(key.publicKey)?.signed.bytes).toEqual(cap.bytes)
  })
})
