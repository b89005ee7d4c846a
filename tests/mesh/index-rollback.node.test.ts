/**
 * Index saves that fail, through the mesh on a local relay mesh: a put whose
 * index save fails lists nothing (its shards are deleted, so an entry would
 * be a file that cannot be read), not even after a later save succeeds or
 * the index is read again; a delete whose index save fails deletes nothing;
 * a backup taken while a save runs does not carry what that save undoes;
 * and a backup published whose local save then fails leaves no backup shard
 * behind for ever: the one it replaced is deleted at once, and it is itself
 * deleted by the next backup, which finds it through the record.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestNet, owner, randomBytes, bytesOf, sameBytes, type TestNet, type TestOwner } from './helpers.ts'
import { MemoryIndexStorage, type IndexStorage } from '../../src/mesh/index.ts'

/** Index storage that works, fails every save, or holds the next save until told how it ends. */
class FlakyStorage implements IndexStorage {
  readonly inner = new MemoryIndexStorage()
  failing = false
  holdNext = false
  #held?: (error?: Error) => void

  async load (): Promise<Uint8Array | undefined> { return await this.inner.load() }

  async save (bytes: Uint8Array): Promise<void> {
    if (this.holdNext) {
      this.holdNext = false
      const error = await new Promise<Error | undefined>(resolve => { this.#held = resolve })
      if (error !== undefined) throw error
    }
    if (this.failing) throw new Error('disk full')
    await this.inner.save(bytes)
  }

  get holding (): boolean { return this.#held !== undefined }

  release (error?: Error): void {
    const held = this.#held
    this.#held = undefined
    held?.(error)
  }
}

let net: TestNet
const files = new Map<string, Uint8Array>()

beforeAll(async () => { net = await startTestNet() })
afterAll(async () => { await net?.stop() })

async function put (who: TestOwner, name: string, size = 3000): Promise<void> {
  const bytes = randomBytes(size)
  await who.mesh.put(bytes, { name })
  files.set(name, bytes)
}

/** Every listed file reads back as the bytes stored under its name; returns the names. */
async function readable (who: TestOwner): Promise<string[]> {
  const names = (await who.mesh.list()).map(f => f.name).sort()
  for (const name of names) expect(sameBytes(await bytesOf(await who.mesh.get(name)), files.get(name) ?? new Uint8Array())).toBe(true)
  return names
}

async function heldIds (): Promise<Set<string>> {
  const ids = new Set<string>()
  for (const s of net.mesh.storage) for await (const id of s.store.list()) ids.add(id)
  return ids
}

async function until (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('a failed index save through the mesh', () => {
  it('leaves a failed put unlisted, also after a later successful save and in the index read again', async () => {
    const storage = new FlakyStorage()
    const alice = owner(net.clients[0]!, undefined, storage)
    const ops: string[] = []
    alice.mesh.events.addEventListener('index:changed', e => { ops.push(e.detail.op) })
    await put(alice, 'a.bin')
    storage.failing = true
    await expect(put(alice, 'b.bin')).rejects.toThrow('disk full')
    expect(ops).toEqual(['add', 'rollback'])
    expect(await readable(alice)).toEqual(['a.bin'])
    storage.failing = false
    await put(alice, 'c.bin', 300_000)
    expect(await readable(alice)).toEqual(['a.bin', 'c.bin'])
    const again = owner(net.clients[1]!, alice.identity, storage)
    expect(await readable(again)).toEqual(['a.bin', 'c.bin'])
    // the name is free: the same put succeeds now
    await put(alice, 'b.bin')
    expect(await readable(owner(net.clients[1]!, alice.identity, storage))).toEqual(['a.bin', 'b.bin', 'c.bin'])
  })

  it('keeps a file listed and readable when the save of its removal fails', async () => {
    const storage = new FlakyStorage()
    const bob = owner(net.clients[0]!, undefined, storage)
    await put(bob, 'keep.bin', 300_000)
    storage.failing = true
    await expect(bob.mesh.delete('keep.bin')).rejects.toThrow('disk full')
    expect(await readable(bob)).toEqual(['keep.bin'])
    storage.failing = false
    await bob.mesh.rename('keep.bin', 'kept.bin') // a save that succeeds
    files.set('kept.bin', files.get('keep.bin') as Uint8Array)
    expect(await readable(owner(net.clients[1]!, bob.identity, storage))).toEqual(['kept.bin'])
  })

  it('does not back up a put whose index save is still running and then fails', async () => {
    const storage = new FlakyStorage()
    const carol = owner(net.clients[0]!, undefined, storage)
    await put(carol, 'first.bin')
    storage.holdNext = true
    const failing = put(carol, 'doomed.bin')
    const failed = expect(failing).rejects.toThrow('disk full')
    await until('the put\'s index save is running', () => storage.holding)
    // the backup reads the index now; its blob reaching storage peers shows that it did
    const before = await heldIds()
    const backup = carol.mesh.backupIndex()
    await until('the backup is stored', async () => [...await heldIds()].some(id => !before.has(id)))
    storage.release(new Error('disk full'))
    await failed
    expect((await backup).entries).toBe(1)
    const fresh = owner(net.clients[1]!, carol.identity, new MemoryIndexStorage())
    await fresh.mesh.restoreIndex()
    expect(await readable(fresh)).toEqual(['first.bin'])
  })

  it('leaves no backup shard behind when the save after a publication fails', async () => {
    const storage = new FlakyStorage()
    const erin = owner(net.clients[0]!, undefined, storage)
    await put(erin, 'one.bin')
    const first = await erin.mesh.backupIndex()
    await put(erin, 'two.bin')
    const before = await heldIds()
    storage.failing = true
    await expect(erin.mesh.backupIndex()).rejects.toThrow('disk full')
    const stored = [...await heldIds()].filter(id => !before.has(id))
    expect(stored).toHaveLength(1) // the new backup shard, which the published record names
    const second = stored[0]!
    // the backup it replaced is gone although this device still remembers it as its latest
    expect((await heldIds()).has(first.id)).toBe(false)
    // a new device finds the new backup
    const fresh = owner(net.clients[1]!, erin.identity, new MemoryIndexStorage())
    await fresh.mesh.restoreIndex()
    expect(await readable(fresh)).toEqual(['one.bin', 'two.bin'])
    // the next backup learns of it from the record and deletes it once its own is published
    storage.failing = false
    const third = await erin.mesh.backupIndex()
    expect(third.id).not.toBe(second)
    const held = await heldIds()
    expect(held.has(second)).toBe(false)
    expect(held.has(third.id)).toBe(true)
  })
})
