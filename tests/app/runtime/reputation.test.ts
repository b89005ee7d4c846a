/**
 * The tab's allow and deny lists (src/app/runtime/reputation.ts, settings.ts):
 * the relay's storage peers and the allow list are trusted, the deny list
 * denied; peer ids are checked before anything is saved; a change applies to
 * the running book at once.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { createApi } from '../../../src/app/runtime/api.ts'
import { TabKeys } from '../../../src/app/runtime/keys.ts'
import type { Runtime } from '../../../src/app/runtime/runtime.ts'
import { applyTrustLists, trustedPeers } from '../../../src/app/runtime/reputation.ts'
import { loadSettings, MAX_LISTED_PEERS, parsePeerIds, saveSettings, DEFAULT_SETTINGS } from '../../../src/app/runtime/settings.ts'
import { ReputationBook } from '../../../src/net/reputation.ts'
import { Keystore } from '../../../src/core/keystore/index.ts'
import { TypedEvents } from '../../../src/mesh/events.ts'
import { FAST, SpyVault } from '../../core/keystore/helpers.ts'

const S1 = '12D3KooWGzpJv3kYqZ4oJmRk7w3nZkdUQsiv9yeoJXsRRVW6Vz3R'
const S2 = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const T = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'
const description = { storagePeers: [{ peerId: S1, multiaddrs: [] }, { peerId: S2, multiaddrs: [] }] }

function code (fn: () => unknown): string | undefined {
  try { fn() } catch (err) { return (err as Error & { details?: { reason?: string } }).details?.reason }
  return undefined
}

describe('tab trust lists', () => {
  const items = new Map<string, string>()
  beforeEach(() => {
    items.clear()
    Object.assign(globalThis, { localStorage: { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => { items.set(k, v) } } })
  })

  it('trusts the relay\'s storage peers and the allow list, and denies the deny list (deny wins)', () => {
    expect(trustedPeers(description, { allowedPeers: [T, S1] })).toEqual([S1, S2, T])
    const book = new ReputationBook()
    applyTrustLists(book, description, { allowedPeers: [T], deniedPeers: [S2] })
    expect(book.describe(S1)).toMatchObject({ score: 80, trust: 'trusted' })
    expect(book.describe(T).trust).toBe('trusted')
    expect(book.isDenied(S2)).toBe(true)
    expect(book.isTrusted(S2)).toBe(false)
    applyTrustLists(book, description, {})
    expect(book.isTrusted(T)).toBe(false)
    expect(book.isDenied(S2)).toBe(false)
  })

  it('reads peer ids typed one per line or with commas, each once, and names the first that is not one', () => {
    expect(parsePeerIds(` ${S1}\n${T}, ${S1}\n\n`)).toEqual([S1, T])
    expect(parsePeerIds([S2])).toEqual([S2])
    expect(parsePeerIds('')).toEqual([])
    expect(code(() => parsePeerIds(`${S1}\nhello`))).toBe('not-a-peer-id')
    expect(() => parsePeerIds('hello')).toThrow(/"hello" is not a peer id/)
    const many = Array.from({ length: MAX_LISTED_PEERS + 1 }, (_, i) => i % 2 === 0 ? S1 : S2)
    expect(parsePeerIds(many)).toEqual([S1, S2]) // duplicates do not count
  })

  it('keeps the stored lists, leaving out anything that is not a peer id', () => {
    expect(loadSettings('t')).toMatchObject({ allowedPeers: [], deniedPeers: [] })
    saveSettings('t', { ...DEFAULT_SETTINGS, allowedPeers: [T], deniedPeers: [S1] })
    expect(loadSettings('t')).toMatchObject({ allowedPeers: [T], deniedPeers: [S1] })
    items.set('t-settings', JSON.stringify({ ...DEFAULT_SETTINGS, allowedPeers: [T, 'junk', 3, T], deniedPeers: 'all' }))
    expect(loadSettings('t')).toMatchObject({ allowedPeers: [T], deniedPeers: [] })
  })

  it('applies a change to the running book at once, and saves nothing when a peer id is wrong', async () => {
    const keys = TabKeys.over(new Keystore(new SpyVault(), { argon2: FAST }))
    const book = new ReputationBook()
    const runtime = {
      net: { node: { peerId: { toString: () => '12D3KooWSelf' }, addEventListener: () => {} }, store: { setQuota: () => {}, setOwnerShare: () => {} }, description, reputation: book },
      keys,
      owner: false,
      mesh: { events: new TypedEvents() },
      onMeshChange: () => () => {}
    } as unknown as Runtime
    const api = createApi({ namespace: 'lists', keys: Promise.resolve(keys), runtime: Promise.resolve(runtime) })
    await api.ready
    expect(api.configure({ deniedPeers: [S2], allowedPeers: [T] })).toMatchObject({ deniedPeers: [S2], allowedPeers: [T] })
    expect(book.isDenied(S2)).toBe(true)
    expect(book.isTrusted(T)).toBe(true)
    expect(book.isTrusted(S1)).toBe(true) // the relay's storage peers stay trusted
    expect(code(() => api.configure({ deniedPeers: ['nope'] }))).toBe('not-a-peer-id')
    expect(code(() => api.configure({ allowedPeers: [S1, 'nope'] }))).toBe('not-a-peer-id')
    expect(api.settings()).toMatchObject({ deniedPeers: [S2], allowedPeers: [T] })
    expect(book.isDenied(S2)).toBe(true)
  })
})
