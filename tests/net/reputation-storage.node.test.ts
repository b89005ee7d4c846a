/** A reputation book in a file (src/net/reputation-fs.ts): whole or not at all, private, and read back by a new book. */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fileReputationStorage } from '../../src/net/reputation-fs.ts'
import { ReputationBook } from '../../src/net/reputation.ts'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'datamesh-reputation-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('fileReputationStorage', () => {
  it('has nothing before the first save, then the bytes of the last save, readable by the owner only', async () => {
    const path = join(dir, 'sub', 'reputation.cbor')
    const storage = fileReputationStorage(path)
    expect(await storage.load()).toBeUndefined()
    await storage.save(new Uint8Array([1, 2, 3]))
    await storage.save(new Uint8Array([4, 5]))
    expect(await storage.load()).toEqual(new Uint8Array([4, 5]))
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readdir(join(dir, 'sub'))).toEqual(['reputation.cbor']) // no temporary file left
  })

  it('writes a temporary file and renames it into place, leaving nothing behind when the rename fails', async () => {
    const path = join(dir, 'reputation.cbor')
    // a folder that is not empty where the file should go: the rename fails
    await mkdir(path)
    await writeFile(join(path, 'keep'), new Uint8Array([9, 9]))
    await expect(fileReputationStorage(path).save(new Uint8Array([1]))).rejects.toThrow()
    expect(await readdir(dir)).toEqual(['reputation.cbor'])
    expect(new Uint8Array(await readFile(join(path, 'keep')))).toEqual(new Uint8Array([9, 9]))
  })

  it('keeps a book across restarts', async () => {
    const storage = fileReputationStorage(join(dir, 'reputation.cbor'))
    const book = await ReputationBook.open({ storage })
    book.recordAudit('QmPeer1', 'failed')
    book.recordLatency('QmPeer2', 30)
    await book.close()
    const again = await ReputationBook.open({ storage })
    // evidence is stored to a thousandth
    expect(again.score('QmPeer1')).toBeCloseTo(book.score('QmPeer1'), 3)
    expect(again.describe('QmPeer2').latencyMs).toBe(30)
    expect(again.tracked()).toEqual(['QmPeer1', 'QmPeer2'])
  })
})
