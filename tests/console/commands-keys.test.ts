import { describe, expect, it } from 'vitest'
import { harness, only } from './fakes.ts'

describe('keys', () => {
  it('lists keys, marking the one in use', async () => {
    const { blocks } = await harness().run('keys')
    const table = only(blocks, 'table')
    expect(table.columns).toEqual(['Name', 'Created', 'In use', 'Default', 'Public key'])
    expect(table.rows.map(r => r.slice(0, 4))).toEqual([['default', '2025-02-13 12:00', 'yes', 'yes'], ['work', '2025-02-13 12:00', '', '']])
  })

  it('creates, uses and renames keys', async () => {
    const h = harness()
    const created = await h.run('keys create travel')
    expect(h.backend.callsOf('createKey')).toEqual([['travel']])
    expect(created.blocks[0]).toMatchObject({ kind: 'pairs', pairs: [['Created', 'travel'], ['Public key', expect.stringMatching(/^ztravel/)]] })
    await h.run('keys use work')
    expect(h.backend.callsOf('useKey')).toEqual([['work']])
    expect(h.backend.current).toBe('work')
    await h.run('keys rename work office')
    expect(h.backend.callsOf('renameKey')).toEqual([['work', 'office']])
  })

  it('reports a name that is taken', async () => {
    const error = only((await harness().run('keys create work')).blocks, 'error')
    expect(error).toMatchObject({ name: 'AlreadyExistsError', hint: 'That name is taken: choose another.' })
  })

  it('exports after the keystore password, under a backup password asked twice, saved through the host', async () => {
    const h = harness()
    h.host.passwords.push('keystore pw', 'backup pw', 'backup pw')
    const { ok } = await h.run('keys export')
    expect(ok).toBe(true)
    expect(h.host.prompted).toEqual(['Keystore password', 'Password for the key backup', 'Password for the key backup (again)'])
    expect(h.backend.callsOf('exportKeys')).toEqual([['keystore pw', 'backup pw']])
    expect(h.host.saved).toEqual([{ name: 'datamesh-keys.dmkeys', type: 'application/octet-stream', size: 7, bytes: Uint8Array.of(0x44, 0x4d, 0x4b, 0x45, 1, 2, 3) }])
    h.host.passwords.push('keystore pw', 'x', 'x')
    await h.run('keys export laptop.dmkeys')
    expect(h.host.saved[1]?.name).toBe('laptop.dmkeys')
    expect(h.console.history.entries.join()).not.toMatch(/backup pw|keystore pw/)
  })

  it('exports nothing when the keystore password is wrong', async () => {
    const h = harness()
    h.host.passwords.push('not it', 'backup pw', 'backup pw')
    const error = only((await h.run('keys export')).blocks, 'error')
    expect(error).toMatchObject({ name: 'BadPasswordError', hint: 'The password is wrong; nothing was changed. Try again.' })
    expect(h.host.saved).toEqual([])
  })

  it('imports a picked backup with its password', async () => {
    const h = harness()
    h.host.picks.push([new File([Uint8Array.of(9, 9)], 'keys.dmkeys')])
    h.host.passwords.push('pw')
    const { blocks } = await h.run('keys import')
    expect(h.host.prompted).toEqual(['Password of keys.dmkeys'])
    expect(h.backend.callsOf('importKeys')).toEqual([[Uint8Array.of(9, 9), 'pw']])
    expect(blocks).toEqual([{ kind: 'text', text: 'Imported: laptop.', tone: 'ok' }])
    expect((await h.run('keys import')).blocks).toEqual([{ kind: 'text', text: 'No file chosen: nothing was imported.', tone: 'muted' }])
  })

  it('deletes only after a yes and the password', async () => {
    const h = harness()
    h.host.confirms.push(false)
    await h.run('keys delete work')
    expect(h.backend.callsOf('deleteKey')).toHaveLength(0)
    expect(h.host.prompted).toEqual([])
    h.host.confirms.push(true)
    h.host.passwords.push('keystore pw')
    await h.run('keys rm work')
    expect(h.backend.callsOf('deleteKey')).toEqual([['work', 'keystore pw']])
  })

  it('explains a wrong password, and deletes nothing', async () => {
    const h = harness()
    h.host.passwords.push('wrong')
    const error = only((await h.run('keys delete work --yes')).blocks, 'error')
    expect(error).toEqual({ kind: 'error', name: 'BadPasswordError', message: 'Wrong password', hint: 'The password is wrong; nothing was changed. Try again.' })
    expect(h.backend.keyList.map(k => k.name)).toContain('work')
  })

  it('changes the password: old once, new twice', async () => {
    const h = harness()
    h.host.passwords.push('keystore pw', 'new one', 'new one')
    await h.run('keys passwd')
    expect(h.host.prompted).toEqual(['Current password', 'New password', 'New password (again)'])
    expect(h.backend.callsOf('changePassword')).toEqual([['keystore pw', 'new one']])
    expect(h.backend.keystorePassword).toBe('new one')
    h.host.passwords.push('keystore pw', 'newer', 'newer')
    expect(only((await h.run('keys passwd')).blocks, 'error').name).toBe('BadPasswordError')
    expect(h.backend.keystorePassword).toBe('new one')
    h.host.passwords.push('same', 'same', 'same')
    expect(only((await h.run('keys password')).blocks, 'error').message).toBe('The new password is the same as the old one')
  })
})

describe('config', () => {
  it('shows the settings', async () => {
    const { blocks } = await harness().run('config')
    expect(only(blocks, 'pairs').pairs).toEqual([
      ['Contribution', "1 GB of this device's storage offered to the mesh"],
      ['Relays', "the serving relay's list"]
    ])
  })

  it('sets the contribution from a size', async () => {
    const h = harness()
    const { blocks } = await h.run('config set contribution 2GB')
    expect(h.backend.callsOf('configure')).toEqual([[{ contribution: 2e9 }]])
    expect(blocks).toEqual([{ kind: 'text', text: 'Contribution set to 2 GB (2000000000 bytes).', tone: 'ok' }])
  })

  it('refuses unknown settings, bad sizes and tiny contributions', async () => {
    const h = harness()
    expect(only((await h.run('config set contrib 1GB')).blocks, 'error').message).toBe("Unknown setting 'contrib': the settings are contribution. Did you mean 'contribution'?")
    expect(only((await h.run('config set contribution lots')).blocks, 'error').name).toBe('InvalidValueError')
    expect(only((await h.run('config set contribution 10K')).blocks, 'error').message).toBe('The contribution must be at least 1 MB')
    expect(h.backend.callsOf('configure')).toHaveLength(0)
  })

  it('adds, lists and removes relays', async () => {
    const h = harness()
    const addr = '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
    expect((await h.run('config relays')).blocks[0]).toMatchObject({ kind: 'text', tone: 'muted' })
    await h.run(`config add-relay ${addr} --priority 1`)
    expect(h.backend.currentSettings.relays).toEqual([{ multiaddr: addr, priority: 1 }])
    expect(only((await h.run('config relays')).blocks, 'table').rows).toEqual([[addr, '1']])
    await h.run(`config remove-relay ${addr}`)
    expect(h.backend.currentSettings.relays).toEqual([])
    expect(only((await h.run(`config remove-relay ${addr}`)).blocks, 'error').name).toBe('InvalidValueError')
  })

  it('refuses what is not a relay address', async () => {
    const h = harness()
    expect(only((await h.run('config add-relay nonsense')).blocks, 'error').message).toMatch(/^'nonsense' is not a multiaddr/)
    expect(only((await h.run('config add-relay /ip4/1.2.3.4/tcp/1/ws')).blocks, 'error').message).toMatch(/must end in \/p2p\/<peer id>/)
    expect(h.backend.callsOf('configure')).toHaveLength(0)
  })
})

describe('metrics and benchmark', () => {
  it('metrics: console, node and host counters', async () => {
    const h = harness()
    await h.run('ls')
    await h.run('lsit')
    const { blocks } = await h.run('metrics')
    const rows = Object.fromEntries(only(blocks, 'table').rows.map(r => [r[0], r[1]]))
    expect(rows).toMatchObject({
      'console.commands': '3',
      'console.failed': '1',
      'node.connections': '2',
      'node.storage.used': '10 MB',
      'page.heap': '50 MB'
    })
    const json = JSON.parse(only((await h.run('metrics --json')).blocks, 'text').text) as Record<string, number>
    expect(json['node.storage.quota']).toBe(1e9)
  })

  it('benchmark: runs the host\'s pipeline over the size asked', async () => {
    const h = harness()
    const { blocks } = await h.run('bench --size 8MB')
    expect(h.host.benchmarks).toEqual([8e6])
    expect(Object.fromEntries(only(blocks, 'pairs').pairs)).toEqual({
      Data: '8 MB in 2 stripes, 12 shards',
      'Encrypt + encode': '80 MB/s',
      'Rebuild + decrypt': '121 MB/s (two shards of every stripe missing)',
      Result: 'identical to the original'
    })
    await h.run('benchmark')
    expect(h.host.benchmarks[1]).toBe(16e6)
    expect(only((await h.run('benchmark --size 2GB')).blocks, 'error').name).toBe('InvalidValueError')
  })
})
