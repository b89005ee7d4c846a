/** The peers table's reputation: carried from the mesh's description, and how the column reads it. */
import { describe, expect, it } from 'vitest'
import { describeReputation, mergePeers } from '../../../src/app/network/peers.ts'
import type { PeerSummary } from '../../../src/app/runtime/peers.ts'

const conn = (peerId: string): PeerSummary => ({ peerId, transport: 'webrtc', direct: true, remoteAddr: `/addr/${peerId}`, role: 'peer' })

describe('reputation in the peers table', () => {
  it('takes the score and the trust from the description', () => {
    const rows = mergePeers([conn('a'), conn('b'), conn('c')], [{ peerId: 'a', reputation: 72, trust: 'trusted' }, { peerId: 'b', reputation: 12 }])
    expect(rows.map(r => [r.peerId, r.reputation, r.trust])).toEqual([['a', 72, 'trusted'], ['b', 12, undefined], ['c', undefined, undefined]])
  })

  it('shows the score and its standing; a denied peer as blocked; a dash before the first description', () => {
    expect(describeReputation({ reputation: 72, trust: 'trusted' })).toMatchObject({ text: '72 · trusted', standing: 'good' })
    expect(describeReputation({ reputation: 40 })).toMatchObject({ text: '40', standing: 'fair' })
    expect(describeReputation({ reputation: 60 }).standing).toBe('good')
    expect(describeReputation({ reputation: 25 }).standing).toBe('fair')
    expect(describeReputation({ reputation: 24 })).toMatchObject({ text: '24', standing: 'poor' })
    expect(describeReputation({ reputation: 90, trust: 'denied' })).toMatchObject({ text: 'blocked', standing: 'denied' })
    expect(describeReputation({})).toMatchObject({ text: '—' })
    expect(describeReputation({ reputation: 24 }).title).toMatch(/^24 of 100\. Below the floor/)
  })
})
