import { describe, expect, it } from 'vitest'
import { harness, only, PEERS } from './fakes.ts'

describe('share', () => {
  it('makes a plain link', async () => {
    const h = harness()
    const { blocks } = await h.run('share report.pdf')
    expect(h.backend.callsOf('shareLink')).toEqual([['report.pdf', {}]])
    expect(blocks).toEqual([
      { kind: 'pairs', pairs: [['Link', 'https://mesh.test/#/s/bafkreportpdf/filekey']] },
      { kind: 'text', text: 'Anyone who has this link can read the file.', tone: 'muted' }
    ])
  })

  it('asks twice for a link password and never puts it in the history', async () => {
    const h = harness()
    h.host.passwords.push('correct horse', 'correct horse')
    const { ok } = await h.run('share report.pdf --password')
    expect(ok).toBe(true)
    expect(h.host.prompted).toEqual(['Password for the link', 'Password for the link (again)'])
    expect(h.backend.callsOf('shareLink')).toEqual([['report.pdf', { password: 'correct horse' }]])
    expect(h.console.history.entries).toEqual(['share report.pdf --password'])
    expect(h.host.stored.join()).not.toContain('horse')
  })

  it('refuses two different passwords', async () => {
    const h = harness()
    h.host.passwords.push('one', 'two')
    const { ok, blocks } = await h.run('share report.pdf --password')
    expect(ok).toBe(false)
    expect(only(blocks, 'error').message).toBe('The two passwords differ: nothing was changed')
    expect(h.backend.callsOf('shareLink')).toHaveLength(0)
  })

  it('seals to a public key, and not together with a password', async () => {
    const h = harness()
    await h.run('share report.pdf --to zRecipientKey')
    expect(h.backend.callsOf('shareLink')).toEqual([['report.pdf', { to: 'zRecipientKey' }]])
    const both = await h.run('share report.pdf --to zX --password')
    expect(only(both.blocks, 'error').message).toBe('Choose --password or --to, not both')
  })
})

describe('peers', () => {
  it('tabulates peers with short ids', async () => {
    const { blocks } = await harness().run('peers')
    const table = only(blocks, 'table')
    expect(table.columns).toEqual(['Peer', 'Type', 'Link', 'Transport', 'Latency', 'Free', 'Reputation'])
    expect(table.rows).toEqual([
      ['12D3Koo…aaaaaa', 'storage', 'direct', 'websockets', '3 ms', '500 MB', '80 (trusted)'],
      ['12D3Koo…bbbbbb', 'browser', 'relayed', 'relayed', '—', '—', '12']
    ])
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: '2 peers, 1 direct.', tone: 'muted' })
  })

  it('says a denied peer is blocked, whatever its score', async () => {
    const h = harness()
    const described = await h.backend.peers()
    h.backend.peers = async () => described.map((p, i) => i === 1 ? { ...p, trust: 'denied' as const } : p)
    expect(only((await h.run('peers')).blocks, 'table').rows[1]?.[6]).toBe('blocked')
  })

  it('prints JSON or whole ids when asked', async () => {
    const json = only((await harness().run('peers --json')).blocks, 'text').text
    expect(JSON.parse(json)).toHaveLength(2)
    expect(only((await harness().run('peers -l')).blocks, 'table').rows[0]?.[0]).toBe(PEERS.A)
  })
})

describe('health and network', () => {
  it('health: the node at a glance, warning about too few data peers', async () => {
    const { blocks } = await harness().run('health')
    const pairs = Object.fromEntries(only(blocks, 'pairs').pairs)
    expect(pairs).toMatchObject({
      Uptime: '1 h 2 min',
      Keys: 'unlocked',
      Relays: '1 of 2 connected',
      Connections: '2 (1 direct, 1 relayed)',
      'Data peers': '1 (a put wants 6)',
      Contribution: '10 MB of 1 GB, 12 shards, persistent',
      'Index backup': 'last backed up 1 min ago'
    })
    expect(blocks.at(-1)).toMatchObject({ kind: 'text', tone: 'warn' })
  })

  it('network: reachability, relays and addresses', async () => {
    const h = harness()
    const { blocks } = await h.run('network')
    expect(Object.fromEntries(only(blocks, 'pairs').pairs)).toMatchObject({ Reachable: 'yes (through a relay reservation)', 'Relays from': 'the serving relay' })
    expect(only(blocks, 'table').rows).toEqual([['12D3KooWRelay1', 'yes'], ['12D3KooWRelay2', 'no']])
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: '/ip4/127.0.0.1/tcp/8081/ws/p2p/12D3KooWRelay1/p2p-circuit/p2p/12D3KooWSelf' })
  })

  it('discover: how many new connections', async () => {
    const h = harness()
    expect((await h.run('discover')).blocks).toEqual([{ kind: 'text', text: '2 new direct connections; 1 data peer now.', tone: 'ok' }])
    h.backend.discovered = 0
    expect((await h.run('discover')).blocks).toEqual([{ kind: 'text', text: 'No new direct connections; 1 data peer now.' }])
  })
})

describe('distribution', () => {
  it('shows every shard and who holds it', async () => {
    const h = harness()
    const { blocks } = await h.run('dist report.pdf')
    const table = only(blocks, 'table')
    expect(table.rows).toHaveLength(6)
    expect(table.rows[5]).toEqual(['0', '5', 'bafksha…xxxxxx', '12D3Koo…bbbbbb', 'nobody reachable'])
    expect(blocks.at(-1)).toEqual({ kind: 'text', text: '1 stripe: 5 of 6 shards held by a reachable peer.', tone: 'warn' })
    expect(h.backend.callsOf('distribution')[0]?.[0]).toBe('report.pdf')
  })
})

describe('bandwidth', () => {
  it('measures a peer named by part of its id, with a size', async () => {
    const h = harness()
    const { ok, blocks } = await h.run('bw AAAA 1MB')
    expect(ok).toBe(true)
    expect(h.backend.callsOf('bandwidth')).toEqual([[PEERS.A, 1_000_000]])
    expect(only(blocks, 'table').rows).toEqual([
      ['upload', '1 MB', '500 ms', '2 MB/s'],
      ['download', '1 MB', '250 ms', '4 MB/s']
    ])
  })

  it('uses the default size, and the id as given when no connected peer matches', async () => {
    const h = harness()
    await h.run(`bandwidth ${PEERS.B}`)
    await h.run('bandwidth 12D3KooWZzzz')
    expect(h.backend.callsOf('bandwidth')).toEqual([[PEERS.B, undefined], ['12D3KooWZzzz', undefined]])
  })

  it('refuses an ambiguous peer and a bad size', async () => {
    const h = harness()
    expect(only((await h.run('bw 12D3KooW')).blocks, 'error').message).toBe("'12D3KooW' matches 2 connected peers: give more of the id")
    const bad = only((await h.run('bw AAAA lots')).blocks, 'error')
    expect(bad).toMatchObject({ name: 'InvalidValueError', hint: expect.stringMatching(/^Usage: bandwidth <peer> \[size\]/) })
    expect(bad.message).toMatch(/^<size>: 'lots' is not a size/)
    expect(h.backend.callsOf('bandwidth')).toHaveLength(0)
  })
})
