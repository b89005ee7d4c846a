/**
 * A tab's contribution taken by one owner: before, any owner could fill a
 * tab's whole contribution (its per-owner limit was the 1 GiB default, the
 * size of the contribution itself). A tab's store now gives one owner at
 * most its configured share (the app's default: a quarter), whoever sends
 * the shards; the rest stays for other owners. The holder here is a Node
 * peer over the same verified store the tab's IndexedDB store uses, with
 * the share the app applies (tests/store runs the same rule against
 * IndexedDB in Chromium).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SHARD_MIN_CHARGE_BYTES } from '../../src/store/charge.ts'
import { DEFAULT_SETTINGS } from '../../src/app/runtime/settings.ts'
import { connect, makeShard, newSigner, rejection, startPeer, stopAll, type Peer } from '../net/helpers.ts'

const BLOCK = SHARD_MIN_CHARGE_BYTES
const CONTRIBUTION = 64 * BLOCK

describe("one owner and a tab's contribution", () => {
  let tab: Peer
  let attacker: Peer
  let honest: Peer

  beforeAll(async () => {
    tab = await startPeer({ quota: CONTRIBUTION })
    tab.store.setOwnerShare(DEFAULT_SETTINGS.ownerShare) // what the app does with its settings
    attacker = await startPeer({ clientOnly: true })
    honest = await startPeer({ clientOnly: true })
    await connect(attacker, tab)
    await new Promise(resolve => setTimeout(resolve, 250))
    await connect(honest, tab)
  })

  afterAll(async () => { await stopAll(attacker, honest, tab) })

  it('gives one owner at most its share, and keeps the rest for others', async () => {
    expect(DEFAULT_SETTINGS.ownerShare).toBe(0.25)
    const mallory = newSigner()
    const shards = Array.from({ length: 64 }, (_, i) => makeShard(BLOCK, 100 + i))
    const outcomes: string[] = []
    for (const s of shards) {
      const [err] = await attacker.node.services.shards.storeMany(tab.node.peerId, [s], mallory)
      outcomes.push(err === undefined ? 'stored' : `${err.name}/${String(err.details.reason)}`)
    }
    const share = CONTRIBUTION * DEFAULT_SETTINGS.ownerShare / BLOCK // 16 shards
    expect(outcomes.filter(o => o === 'stored').length).toBe(share)
    expect(outcomes.slice(share)).toEqual(new Array(64 - share).fill('QuotaExceededError/owner-share'))
    const err = await rejection(attacker.node.services.shards.store(tab.node.peerId, shards[63]!.id, shards[63]!.bytes, mallory))
    expect(err.details).toMatchObject({ reason: 'owner-share', ownerShare: 0.25, ownerQuota: CONTRIBUTION / 4 })
    expect(tab.limiter.score(attacker.node.peerId.toString())).toBe(0)

    // three quarters are left for the others
    const alice = newSigner()
    for (let i = 0; i < share; i++) {
      const s = makeShard(BLOCK, 500 + i)
      await honest.node.services.shards.store(tab.node.peerId, s.id, s.bytes, alice)
    }
    expect((await tab.store.usage()).bytes).toBe(2 * share * BLOCK)
  })
})
