/**
 * The share of the contribution one owner may keep reaches the tab's store:
 * when the network has joined, and at once when the settings change it.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { createApi } from '../../../src/app/runtime/api.ts'
import { TabKeys } from '../../../src/app/runtime/keys.ts'
import type { Runtime } from '../../../src/app/runtime/runtime.ts'
import { Keystore } from '../../../src/core/keystore/index.ts'
import { TypedEvents } from '../../../src/mesh/events.ts'
import { FAST, SpyVault } from '../../core/keystore/helpers.ts'

/** the slice of the runtime createApi touches when it starts, with a store that records what it is told */
function runtimeWithStore (keys: TabKeys): { runtime: Runtime, calls: string[] } {
  const calls: string[] = []
  const store = {
    setQuota: (quota: number) => { calls.push(`quota ${quota}`) },
    setOwnerShare: (share: number) => { calls.push(`share ${share}`) }
  }
  const runtime = {
    net: { node: { peerId: { toString: () => '12D3KooWSelf' }, addEventListener: () => {} }, store },
    keys,
    owner: false,
    mesh: { events: new TypedEvents() },
    onMeshChange: () => () => {}
  }
  return { runtime: runtime as unknown as Runtime, calls }
}

describe('the owner share setting', () => {
  beforeEach(() => {
    const items = new Map<string, string>()
    Object.assign(globalThis, { localStorage: { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => { items.set(k, v) } } })
  })

  it('is applied to the store when the network joins, and again whenever it changes', async () => {
    const keys = TabKeys.over(new Keystore(new SpyVault(), { argon2: FAST }))
    const { runtime, calls } = runtimeWithStore(keys)
    const api = createApi({ namespace: 'share-test', keys: Promise.resolve(keys), runtime: Promise.resolve(runtime) })
    await api.ready
    expect(calls).toEqual(['quota 1000000000', 'share 0.25'])
    calls.length = 0
    expect(api.configure({ ownerShare: 0.1 }).ownerShare).toBe(0.1)
    expect(calls).toEqual(['quota 1000000000', 'share 0.1'])
    calls.length = 0
    api.configure({ relays: [] }) // nothing the store cares about
    expect(calls).toEqual([])
  })
})
