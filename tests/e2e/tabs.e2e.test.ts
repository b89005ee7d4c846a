/** Browser tabs join the mesh through the relay and talk to each other directly over WebRTC. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startHarness, type Harness } from './harness.ts'

let h: Harness
beforeAll(async () => { h = await startHarness({ storagePeers: 2 }) }, 60_000)
afterAll(async () => { await h?.close() })

describe('browser tabs', () => {
  it('join through the relay, reach storage peers over WebSockets and each other over direct WebRTC', async () => {
    const a = await h.openTab()
    const b = await h.openTab()
    const idB = await b.evaluate(() => window.datamesh.peerId as string)
    const peersA = await a.evaluate(() => window.datamesh.connections())
    expect(peersA.some(p => p.role === 'relay' && p.transport === 'websockets')).toBe(true)
    const conn = await a.evaluate(async (id) => await window.datamesh.connect(id), idB)
    expect(conn).toMatchObject({ peerId: idB, direct: true, transport: 'webrtc' })
    const idA = await a.evaluate(() => window.datamesh.peerId as string)
    await expect.poll(async () => await b.evaluate(() => window.datamesh.connections().filter(p => p.direct).map(p => p.peerId)), { timeout: 10_000 }).toContain(idA)
    // raw throughput over the direct connection, both ways
    const bw = await a.evaluate(async (id) => await window.datamesh.bandwidth(id, 8 * 1024 * 1024), idB)
    expect(bw.upload.bytes).toBe(8 * 1024 * 1024)
    expect(bw.download.bytes).toBe(8 * 1024 * 1024)
    await expect.poll(async () => await a.evaluate(() => window.datamesh.connections().filter(p => p.role === 'storage').map(p => p.transport)), { timeout: 10_000 }).toEqual(['websockets', 'websockets'])
    const reservations = await (await fetch(`${h.url}health`)).json() as { reservations: number }
    expect(reservations.reservations).toBeGreaterThanOrEqual(2)
  })

  it('finds other tabs through the relay by itself and connects to them directly', async () => {
    const first = await h.openTab()
    const idFirst = await first.evaluate(() => window.datamesh.peerId as string)
    const net = await (await fetch(`${h.url}network.json`)).json() as { peers: string[] }
    expect(net.peers).toContain(idFirst)
    const late = await h.openTab()
    await expect.poll(async () => await late.evaluate((id) => window.datamesh.connections().some(c => c.peerId === id && c.direct && c.transport === 'webrtc'), idFirst), { timeout: 20_000, interval: 250 }).toBe(true)
  })

  it('keeps its peer identity across a reload', async () => {
    const tab = await h.openTab()
    const before = await tab.evaluate(() => window.datamesh.peerId)
    await tab.reload()
    await tab.waitForFunction(() => window.datamesh !== undefined)
    await tab.evaluate(async () => { await window.datamesh.ready })
    expect(await tab.evaluate(() => window.datamesh.peerId)).toBe(before)
    const storage = await tab.evaluate(async () => await window.datamesh.storage())
    // the default contribution: 1 GB (the product writes sizes in SI units)
    expect(storage.quota).toBe(1e9)
  })

  it('rejoins a restarted relay by itself', async () => {
    const tab = await h.openTab()
    const relayId = h.mesh.relay.peerId.toString()
    await h.restartMesh()
    expect(h.mesh.relay.peerId.toString()).toBe(relayId)
    await expect.poll(async () => await tab.evaluate((id) => window.datamesh.connections().some(p => p.peerId === id), relayId), { timeout: 30_000, interval: 250 }).toBe(true)
  })
})
