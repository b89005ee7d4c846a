/**
 * Index edits and shares to a public key on a local relay mesh: rename and
 * tags change the owner's index (the file key and share links stay), a copy
 * is an independent file, and a share sealed to Bob opens with Bob's keys only.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestNet, owner, randomBytes, bytesOf, sameBytes, MiB, type TestNet, type TestOwner } from './helpers.ts'
import { formatPublicIdentity, publicIdentity } from '../../src/core/keys/index.ts'
import { MemoryIndexStorage } from '../../src/mesh/index.ts'

let net: TestNet
let alice: TestOwner
let bob: TestOwner

beforeAll(async () => {
  net = await startTestNet()
  alice = owner(net.clients[0]!)
  bob = owner(net.clients[1]!)
})
afterAll(async () => { await net?.stop() })

describe('index edits', () => {
  it('renames and retags a file; its key, share and contents stay the same', async () => {
    const bytes = randomBytes(MiB + 17)
    const { key } = await alice.mesh.put(bytes, { name: 'draft.txt', type: 'text/plain', tags: ['work'] })
    const share = await alice.mesh.share('draft.txt')
    const renamed = await alice.mesh.rename('draft.txt', 'final.txt')
    expect(renamed).toMatchObject({ key, name: 'final.txt', tags: ['work'] })
    await expect(alice.mesh.info('draft.txt')).rejects.toMatchObject({ name: 'NotFoundError' })
    const tagged = await alice.mesh.setTags(key, ['done', 'work', 'done'])
    expect(tagged.tags).toEqual(['done', 'work'])
    expect((await alice.mesh.list({ tag: 'done' })).map(f => f.name)).toEqual(['final.txt'])
    expect((await alice.mesh.list({ tag: 'draft' }))).toEqual([])
    expect(sameBytes(await bytesOf(await alice.mesh.get('final.txt')), bytes)).toBe(true)
    expect((await alice.mesh.share('final.txt')).key).toBe(share.key)
  })

  it('refuses a taken name, a bad name and bad tags, and leaves the index as it was', async () => {
    await alice.mesh.put(randomBytes(100), { name: 'other.txt' })
    await expect(alice.mesh.rename('final.txt', 'other.txt')).rejects.toMatchObject({ name: 'AlreadyExistsError' })
    await expect(alice.mesh.rename('final.txt', '')).rejects.toMatchObject({ name: 'InvalidParametersError' })
    await expect(alice.mesh.setTags('final.txt', [''])).rejects.toMatchObject({ name: 'InvalidParametersError' })
    await expect(alice.mesh.rename('missing.txt', 'x')).rejects.toMatchObject({ name: 'NotFoundError' })
    const names = (await alice.mesh.list()).map(f => f.name).sort()
    expect(names).toEqual(['final.txt', 'other.txt'])
  })

  it('persists renames through the index storage', async () => {
    const storage = new MemoryIndexStorage()
    const carol = owner(net.clients[0]!, undefined, storage)
    await carol.mesh.put(randomBytes(10), { name: 'a.bin' })
    await carol.mesh.rename('a.bin', 'b.bin')
    const again = owner(net.clients[0]!, carol.identity, storage)
    expect((await again.mesh.list()).map(f => f.name)).toEqual(['b.bin'])
  })

  it('copies a file into an independent one with the same bytes, type and tags', async () => {
    const original = await alice.mesh.info('final.txt')
    const { key } = await alice.mesh.copy('final.txt', 'final copy.txt')
    expect(key).not.toBe(original.key)
    const copy = await alice.mesh.info('final copy.txt')
    expect(copy).toMatchObject({ type: 'text/plain', size: original.size, tags: original.tags })
    expect(sameBytes(await bytesOf(await alice.mesh.get('final copy.txt')), await bytesOf(await alice.mesh.get('final.txt')))).toBe(true)
    await alice.mesh.delete('final.txt')
    expect((await bytesOf(await alice.mesh.get('final copy.txt'))).byteLength).toBe(original.size)
    await expect(alice.mesh.copy('final copy.txt', 'other.txt')).rejects.toMatchObject({ name: 'AlreadyExistsError' })
  })
})

describe('shares to a public key', () => {
  it('opens with the recipient\'s keys only', async () => {
    const bytes = randomBytes(3000)
    await alice.mesh.put(bytes, { name: 'for-bob.bin' })
    const { key, envelope } = await alice.mesh.shareTo('for-bob.bin', formatPublicIdentity(publicIdentity(bob.identity)))
    const share = await bob.mesh.openShare(key, envelope)
    expect(sameBytes(await bytesOf(await bob.mesh.get(share)), bytes)).toBe(true)
    // Alice herself (or anyone else) cannot open Bob's envelope
    await expect(alice.mesh.openShare(key, envelope)).rejects.toMatchObject({ name: 'WrongKeyError' })
    await expect(alice.mesh.shareTo('for-bob.bin', 'not a key')).rejects.toMatchObject({ name: 'InvalidParametersError' })
  })
})
