/**
 * The mesh facade end to end on a local relay mesh with six storage peers:
 * put on one client, get on another from a share and on the owner by name,
 * placement on distinct peers, distribution, a corrupted shard on a
 * holder's disk, and reads after two storage peers are gone.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startTestNet, owner, randomBytes, bytesOf, sameBytes, MiB, type TestNet, type TestOwner } from './helpers.ts'
import type { MeshEvents } from '../../src/mesh/index.ts'
import { shardPath } from '../../src/store/fs-format.ts'

let net: TestNet
let alice: TestOwner
let bob: TestOwner
const data = randomBytes(8 * MiB)
const name = 'eight.bin'
let key: string

beforeAll(async () => {
  net = await startTestNet()
  alice = owner(net.clients[0]!)
  bob = owner(net.clients[1]!)
})
afterAll(async () => { await net?.stop() })

function storageIndex (peerId: string): number {
  const i = net.mesh.storage.findIndex(s => s.peerId === peerId)
  expect(i).toBeGreaterThanOrEqual(0)
  return i
}

describe('mesh put and get', () => {
  it('puts 8 MiB with the 6 shards of every stripe on 6 distinct storage peers', async () => {
    const progress: string[] = []
    const result = await alice.mesh.put(data, { name, type: 'application/octet-stream', tags: ['big'], onProgress: e => progress.push(e.type) })
    key = result.key
    expect(result.warnings).toEqual([])
    expect(progress).toContain('put:encoded')
    expect(progress.filter(p => p === 'put:stored').length).toBe(8 * 6 + 3) // shards + manifest copies (manifestReplicas: 3)
    const storageIds = new Set(net.mesh.storage.map(s => s.peerId))
    const placement = await alice.mesh.distribution(name)
    expect(placement).toHaveLength(8 * 6)
    for (let stripe = 0; stripe < 8; stripe++) {
      const shards = placement.filter(p => p.stripe === stripe)
      expect(new Set(shards.map(s => s.hint)).size).toBe(6)
      for (const s of shards) {
        expect(storageIds.has(s.hint)).toBe(true)
        expect(s.holders).toEqual([s.hint]) // distribution() finds each shard exactly where it was placed
        expect(await net.mesh.storage[storageIndex(s.hint)]!.store.has(s.id)).toBe(true)
      }
    }
    const listed = await alice.mesh.list()
    expect(listed.map(e => [e.name, e.key, e.size, e.tags])).toEqual([[name, key, data.byteLength, ['big']]])
    expect(listed[0]!.manifestHolders).toHaveLength(3)
  })

  it('reads it back byte for byte on another client from a share, and on the owner by name', async () => {
    const share = await alice.mesh.share(name)
    expect(share.key).toBe(key)
    const onB = await bob.mesh.get(share)
    // never typed with what the owner claimed (a Blob URL typed text/html would run the owner's page)
    expect(onB.type).toBe('')
    expect((await bob.mesh.info(share)).type).toBe('application/octet-stream')
    expect(sameBytes(await bytesOf(onB), data)).toBe(true)
    const decoded: number[] = []
    const onA = await alice.mesh.get(name, { onProgress: e => { if (e.type === 'get:decoded') decoded.push(e.bytesDone) } })
    expect(sameBytes(await bytesOf(onA), data)).toBe(true)
    expect(decoded.at(-1)).toBe(data.byteLength)
    expect(await bob.mesh.list()).toEqual([]) // a share does not enter the reader's index
  })

  it('describes the file and the peers', async () => {
    const info = await alice.mesh.info(name)
    expect(info).toMatchObject({ key, name, size: 8 * MiB, stripes: 8, coding: { k: 4, m: 2, stripeSize: MiB } })
    expect(info.owner).toEqual(alice.identity.ed25519.publicKey)
    const peers = await alice.mesh.peers()
    const storage = peers.filter(p => p.nodeType === 'storage' && (p.free ?? 0) > 0)
    expect(storage.map(p => p.peerId).sort()).toEqual(net.mesh.storage.map(s => s.peerId).sort())
    const relay = peers.find(p => p.peerId === net.mesh.relay.peerId.toString())
    expect(relay?.nodeType).toBeUndefined()
    expect(peers.every(p => p.direct)).toBe(true)
    expect(peers.filter(p => p.latency !== undefined).length).toBeGreaterThan(0)
  })

  it('detects a shard corrupted on a holder\'s disk and reads from another', async () => {
    const small = randomBytes(2 * MiB + 12345)
    await alice.mesh.put(small, { name: 'small.bin' })
    const [first] = await alice.mesh.distribution('small.bin')
    const holder = storageIndex(first!.hint)
    const path = shardPath(join(net.dir, `storage-${holder}`, 'shards'), first!.id)
    const bytes = await readFile(path)
    // the last byte: the shard's own bytes, past the file's header
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff
    await writeFile(path, bytes)
    const corrupt: Array<MeshEvents['shard:corrupt']> = []
    const off = bob.mesh.events.on('shard:corrupt', e => corrupt.push(e))
    const got = await bob.mesh.get(await alice.mesh.share('small.bin'))
    off()
    expect(sameBytes(await bytesOf(got), small)).toBe(true)
    expect(corrupt).toContainEqual({ id: first!.id, peer: first!.hint, stripe: 0, shard: 0 })
    expect(await net.mesh.storage[holder]!.store.has(first!.id)).toBe(false) // the holder dropped its bad copy
  })

  it('still reads the file after two storage peers stop', async () => {
    const placement = await alice.mesh.distribution(name)
    const gone = [placement[0]!.hint, placement[1]!.hint] // holders of two data shards: parity is needed
    // their libp2p nodes go offline (the stores stay open: relay/mesh.ts polls their usage until the mesh stops)
    await Promise.all(gone.map(async id => { await net.mesh.storage[storageIndex(id)]!.node.stop() }))
    const share = await alice.mesh.share(name)
    expect(sameBytes(await bytesOf(await bob.mesh.get(share)), data)).toBe(true)
    expect(sameBytes(await bytesOf(await alice.mesh.get(name)), data)).toBe(true)
  })
})
