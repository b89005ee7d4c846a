/**
 * Mesh half of `npm run bench`: real tabs (headless Chromium, one browser
 * context each) against a relay mesh in this process, through the public
 * `window.datamesh` API only. Prints `{ "figures": { NAME: { value, unit } } }`
 * on stdout; progress goes to stderr.
 *
 * It starts WebRTC between tabs, so it must run inside a loopback-only
 * network namespace: bench/run.ts starts it that way (like tests/e2e/isolated.ts)
 * and sets DATAMESH_E2E_ISOLATED=1, which the e2e build step checks.
 *
 * Figures (MB/s = 10^6 bytes per second; each the median of BENCH_RUNS, or
 * for the 64 MiB transfers BENCH_MESH_RUNS, runs after one untimed warm-up;
 * SIZE = BENCH_MESH_MIB MiB):
 * - mesh.put.browser.MBps / mesh.get.browser.MBps: SIZE plaintext bytes put
 *   by a writer tab into a mesh of 6 holder tabs over direct WebRTC (no
 *   storage peers), then read back in the same tab; timed in the page from
 *   the call to the resolved promise (get: until the whole Blob is read).
 *   Every get's SHA-256 is checked against the put's. The warm-up (a put and
 *   get of SIZE too) opens the streams and gets past the first bulk transfer
 *   on each new connection, which can stall for seconds.
 * - mesh.put.storagepeers.MBps / mesh.get.storagepeers.MBps: the same with 6
 *   Node storage peers over WebSockets; the get runs in a second, fresh tab
 *   (no keys) through a share link.
 * - mesh.raw.webrtc.MBps / mesh.raw.ws.MBps: raw libp2p streams over the same
 *   connections (WebRTC: writer tab to the 6 holder tabs; WebSockets: reading
 *   tab to the 6 storage peers): `window.datamesh.bandwidth(peer, B)` to all 6
 *   peers at once (each sends B bytes, then receives B bytes), with
 *   B = 1.5 * SIZE / 6, the bytes a put of SIZE sends each holder (4+2
 *   coding). Figure = all bytes moved, both directions (2 * 6 * B), divided
 *   by the wall time of the whole Promise.all. It counts wire bytes, not
 *   plaintext: a put moves 1.5 bytes per plaintext byte up, a get ~1.0 down.
 *   No warm-up round: the puts and gets warmed these connections.
 * - mesh.discovery.ms: a fresh browser profile loads the app; an init script
 *   polls `window.datamesh.connections()` every 10 ms from the first script;
 *   the figure is `performance.now()` (ms since navigation start) when a
 *   'storage' peer is first listed.
 * - mesh.smallput.perSec: 1 KiB puts from one tab into the storage-peer mesh,
 *   4 in flight, for SMALLPUT_SECONDS; completed puts / seconds until the
 *   last one resolved. (The app backs its index up after puts and re-lists
 *   it on every change; both run as they would for a user.)
 * - mesh.list200.ms / mesh.list200.warm.ms: `list()` of an index of 200
 *   (BENCH_MESH_LIST) files, all stored by real puts: the small puts' tab,
 *   topped up with 1-byte puts (or a fresh tab filled with them, when the
 *   small puts alone made more). Cold: the first list after lock() + unlock(), which reads and
 *   decodes the index from IndexedDB (the unlock itself is not timed); warm:
 *   later calls (the index already in memory).
 * - mesh.list10k.ms / mesh.list10k.warm.ms: the same for an index of 10,000
 *   (BENCH_MESH_LIST10K) files, also all stored by real puts, but by a Node
 *   client in this process (32 in flight) rather than a tab: a tab storing
 *   10,000 files one by one takes longer than this benchmark's budget. The
 *   client's keys are exported and imported by a fresh tab, which restores
 *   the index from the backup the client stored in the mesh (restoreIndex);
 *   the lists are then timed in the tab. The Node client's put rate is
 *   reported too (mesh.list10k.fill.perSec), for what it is: 32 puts in
 *   flight from a process that also hosts the storage peers.
 *
 * BENCH_MESH_PARTS (default "webrtc,discovery,storage,smallput,list10k")
 * picks the parts to measure.
 */
import type { Page } from 'playwright-core'
import setup from '../tests/e2e/global-setup.ts'
import { startHarness, waitInPage, type Harness } from '../tests/e2e/harness.ts'
import { dial } from '../tests/mesh/helpers.ts'
import { Keystore } from '../src/core/keystore/index.ts'
import { MemoryKeyVault } from '../src/store/keyvault/memory.ts'
import { createServerNode } from '../src/net/server-node.ts'
import { dataMeshServices } from '../src/net/services.ts'
import { createMesh } from '../src/mesh/index.ts'
import { median, round, type Figure } from './stats.ts'

const runs = Number(process.env.BENCH_RUNS ?? 5)
/** the slow figures (64 MiB puts and gets, raw transfers) */
const meshRuns = Number(process.env.BENCH_MESH_RUNS ?? 3)
const sizeMiB = Number(process.env.BENCH_MESH_MIB ?? 64)
const size = sizeMiB * 1024 * 1024
const SMALLPUT_SECONDS = 5
const SMALLPUT_CONCURRENCY = 4
/** files in the index for the list figure (real puts; default 200) */
const LIST_ENTRIES = Number(process.env.BENCH_MESH_LIST ?? 200)
/** files in the index for the large list figure (real puts from Node; default 10,000) */
const LIST10K_ENTRIES = Number(process.env.BENCH_MESH_LIST10K ?? 10_000)
const LIST10K_CONCURRENCY = 32
const parts = new Set((process.env.BENCH_MESH_PARTS ?? 'webrtc,discovery,storage,smallput,list10k').split(',').map(p => p.trim()))
const HOLDERS = 6
const PASSWORD = 'bench password'
const started = Date.now()
const log = (msg: string): void => { process.stderr.write(`bench mesh [${Math.round((Date.now() - started) / 1000)} s]: ${msg}\n`) }

const figures: Record<string, Figure> = {}
const MBps = (values: number[]): Figure => ({ value: round(median(values)), unit: 'MB/s' })
const ms = (values: number[]): Figure => ({ value: round(median(values)), unit: 'ms' })

/** `n` timed runs, after one warm-up unless `warmUp` is false; `fn(i)` is run i (i < 0: the warm-up). */
async function repeat<T> (n: number, fn: (i: number) => Promise<T>, warmUp = true): Promise<T[]> {
  if (warmUp) await fn(-1)
  const out: T[] = []
  for (let i = 0; i < n; i++) out.push(await fn(i))
  return out
}

/** Random data of `bytes`, generated and kept in the page (globalThis.__benchData). */
async function makeData (page: Page, bytes: number): Promise<void> {
  await page.evaluate((n) => {
    const data = new Uint8Array(n)
    for (let o = 0; o < n; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536))
    ;(globalThis as any).__benchData = data
  }, bytes)
}

/**
 * A warm-up, then `meshRuns` timed put + get of SIZE bytes; every get is
 * checked against the put's SHA-256. Returns MB/s of each.
 */
async function putGetRuns (writer: Page, get: (name: string) => Promise<{ ms: number, digest: string }>, label: string): Promise<{ put: number[], get: number[] }> {
  const digest = await dataDigest(writer, size)
  const put: number[] = []
  const got: number[] = []
  await repeat(meshRuns, async (i) => {
    const name = `bench-${i < 0 ? 'warmup' : i}.bin`
    const putMs = await timedPut(writer, name, size)
    const r = await get(name)
    if (r.digest !== digest) throw new Error(`${label}: the get of ${name} returned different bytes than were put`)
    const mb = size / 1e6
    log(`  ${label} run ${i}: put ${round(mb / (putMs / 1000))} MB/s, get ${round(mb / (r.ms / 1000))} MB/s (${round(mb)} MB)`)
    if (i >= 0) { put.push(mb / (putMs / 1000)); got.push(mb / (r.ms / 1000)) }
  })
  return { put, get: got }
}

/** Put the first `bytes` of globalThis.__benchData under `name`; page-side ms from the call to the resolved promise. */
async function timedPut (page: Page, name: string, bytes: number): Promise<number> {
  return await page.evaluate(async ({ name, bytes }) => {
    const data = ((globalThis as any).__benchData as Uint8Array<ArrayBuffer>).subarray(0, bytes)
    const t0 = performance.now()
    await window.datamesh.put(data, { name })
    return performance.now() - t0
  }, { name, bytes })
}

/** SHA-256 of the first `bytes` of globalThis.__benchData. */
async function dataDigest (page: Page, bytes: number): Promise<string> {
  return await page.evaluate(async (bytes) => {
    const data = ((globalThis as any).__benchData as Uint8Array<ArrayBuffer>).subarray(0, bytes)
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
    return Array.from(d, b => b.toString(16).padStart(2, '0')).join('')
  }, bytes)
}

/** Get `ref` and read the whole Blob; page-side ms, and the SHA-256 of what was read (hashed after the clock stops). */
async function timedGet (page: Page, ref: string): Promise<{ ms: number, digest: string }> {
  return await page.evaluate(async (ref) => {
    const t0 = performance.now()
    const blob = await window.datamesh.get(ref)
    const bytes = await blob.arrayBuffer()
    const ms = performance.now() - t0
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
    return { ms, digest: Array.from(d, b => b.toString(16).padStart(2, '0')).join('') }
  }, ref)
}

/**
 * `bandwidth(peer, bytesPerPeer)` to every peer at once; wire bytes moved in
 * both directions over the wall time of the whole Promise.all, MB/s.
 */
async function rawParallel (page: Page, peers: string[], bytesPerPeer: number): Promise<number> {
  return await page.evaluate(async ({ peers, bytesPerPeer }) => {
    const t0 = performance.now()
    const results = await Promise.all(peers.map(async p => await window.datamesh.bandwidth(p, bytesPerPeer)))
    const ms = performance.now() - t0
    const moved = results.reduce((sum, r) => sum + r.upload.bytes + r.download.bytes, 0)
    if (moved !== 2 * peers.length * bytesPerPeer) throw new Error(`moved ${moved} bytes`)
    return moved / 1e6 / (ms / 1000)
  }, { peers, bytesPerPeer })
}

/** bytes each holder receives in a put of `size` (k + m = 6 shards of size / k = 4 each stripe, over 6 holders) */
const rawBytesPerPeer = Math.round(1.5 * size / HOLDERS)

async function browserMesh (): Promise<void> {
  log(`WebRTC mesh: 1 writer + ${HOLDERS} holder tabs, no storage peers`)
  const h = await startHarness({ storagePeers: 0 })
  try {
    const writer = await h.openTab()
    const holders: Page[] = []
    for (let i = 0; i < HOLDERS; i++) holders.push(await h.openTab())
    const ids = await Promise.all(holders.map(async t => await t.evaluate(() => window.datamesh.peerId as string)))
    const connected = await writer.evaluate(async (ids) => {
      const out = []
      for (const id of ids) out.push(await window.datamesh.connect(id))
      return out
    }, ids)
    if (!connected.every(c => c.direct && c.transport === 'webrtc')) throw new Error(`not all holders are direct WebRTC peers: ${JSON.stringify(connected)}`)
    await writer.evaluate(async (password) => { await window.datamesh.setup({ password, allowWeak: true }) }, PASSWORD)
    await makeData(writer, size)
    const self = await writer.evaluate(() => window.datamesh.peerId as string)
    const r = await putGetRuns(writer, async (name) => {
      const got = await timedGet(writer, name)
      // where the shards went (not timed): the writer's own store may keep one shard of a stripe
      const placement = await writer.evaluate(async (name) => await window.datamesh.distribution(name), name)
      log(`    ${placement.filter(p => !p.holders.includes(self)).length} of ${placement.length} shards on the holder tabs`)
      return got
    }, 'WebRTC')
    figures['mesh.put.browser.MBps'] = MBps(r.put)
    figures['mesh.get.browser.MBps'] = MBps(r.get)
    await writer.evaluate(() => { delete (globalThis as any).__benchData })

    // the connections are warm from the puts and gets: no warm-up round
    const raw = await repeat(meshRuns, async (i) => {
      const r = await rawParallel(writer, ids, rawBytesPerPeer)
      log(`  raw WebRTC run ${i}: ${round(r)} MB/s (both directions, ${HOLDERS} peers)`)
      return r
    }, false)
    figures['mesh.raw.webrtc.MBps'] = MBps(raw)
  } finally {
    await h.close()
  }
}

/** Open a tab and wait until it is connected to all `n` storage peers. */
async function storageTab (h: Harness, n: number): Promise<Page> {
  const tab = await h.openTab()
  await tab.waitForFunction((n) => window.datamesh.connections().filter(p => p.role === 'storage').length >= n, n, { timeout: 30_000, polling: 50 })
  return tab
}

/** The tab's list(): `runs` cold (after lock + unlock: read and decoded from IndexedDB) and warm (in memory); each checks the count. */
async function timedLists (tab: Page, n: number): Promise<{ cold: number[], warm: number[] }> {
  const cold = await repeat(runs, async () => await tab.evaluate(async ({ password, n }) => {
    window.datamesh.lock()
    await window.datamesh.unlock(password)
    const t0 = performance.now()
    const listed = await window.datamesh.list()
    const ms = performance.now() - t0
    if (listed.length !== n) throw new Error(`listed ${listed.length} of ${n} entries`)
    return ms
  }, { password: PASSWORD, n }))
  const warm = await repeat(runs, async () => await tab.evaluate(async (n) => {
    const t0 = performance.now()
    const listed = await window.datamesh.list()
    const ms = performance.now() - t0
    if (listed.length !== n) throw new Error(`listed ${listed.length} of ${n} entries`)
    return ms
  }, n))
  return { cold, warm }
}

async function discovery (h: Harness): Promise<void> {
  // a fresh profile per load
  const times = await repeat(runs, async (i) => {
    const context = await h.newContext()
    try {
      const page = await context.newPage()
      await page.addInitScript(() => {
        const timer = setInterval(() => {
          try {
            if (window.datamesh?.connections().some(p => p.role === 'storage') === true) {
              (globalThis as any).__firstStorage = performance.now()
              clearInterval(timer)
            }
          } catch {} // connections() throws until the node is ready
        }, 10)
      })
      await page.goto(h.url)
      const at = await waitInPage(page, () => (globalThis as any).__firstStorage as number, 30_000)
      log(`  discovery run ${i}: ${round(at)} ms`)
      return at
    } finally {
      await context.close()
    }
  })
  figures['mesh.discovery.ms'] = ms(times)
}

async function storagePutGet (h: Harness): Promise<void> {
  const writer = await storageTab(h, HOLDERS)
  await writer.evaluate(async (password) => { await window.datamesh.setup({ password, allowWeak: true }) }, PASSWORD)
  const reader = await storageTab(h, HOLDERS)
  const storageIds = h.mesh.storage.map(s => s.peerId)
  await makeData(writer, size)
  // the second tab reads through a share link (the key in the fragment)
  const r = await putGetRuns(writer, async (name) => {
    const link = await writer.evaluate(async (name) => await window.datamesh.shareLink(name), name)
    return await timedGet(reader, link.slice(link.indexOf('#')))
  }, 'storage peers')
  figures['mesh.put.storagepeers.MBps'] = MBps(r.put)
  figures['mesh.get.storagepeers.MBps'] = MBps(r.get)
  await writer.evaluate(() => { delete (globalThis as any).__benchData })

  // the reading tab's connections are warm from the gets: no warm-up round
  const raw = await repeat(meshRuns, async (i) => {
    const r = await rawParallel(reader, storageIds, rawBytesPerPeer)
    log(`  raw WebSockets run ${i}: ${round(r)} MB/s (both directions, ${HOLDERS} peers)`)
    return r
  }, false)
  figures['mesh.raw.ws.MBps'] = MBps(raw)
}

async function smallPuts (h: Harness): Promise<void> {
  // small puts, then list: a tab of its own, so its index holds only these files
  const small = await storageTab(h, HOLDERS)
  await small.evaluate(async (password) => { await window.datamesh.setup({ password, allowWeak: true }) }, PASSWORD)
  const perSec = await repeat(meshRuns, async (i) => {
    const seconds = i < 0 ? 1 : SMALLPUT_SECONDS
    const r = await small.evaluate(async ({ seconds, concurrency, run }) => {
      const data = crypto.getRandomValues(new Uint8Array(1024))
      let next = 0
      let done = 0
      const t0 = performance.now()
      const end = t0 + seconds * 1000
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          await window.datamesh.put(data, { name: `small-${run}-${next++}` })
          done++
        }
      }))
      return { done, ms: performance.now() - t0 }
    }, { seconds, concurrency: SMALLPUT_CONCURRENCY, run: i < 0 ? 'warmup' : String(i) })
    log(`  small puts run ${i}: ${r.done} in ${round(r.ms)} ms`)
    return r.done / (r.ms / 1000)
  })
  figures['mesh.smallput.perSec'] = { value: round(median(perSec)), unit: 'puts/s' }

  // list: the same tab's index, topped up to exactly LIST_ENTRIES files with real 1-byte puts
  // (a fresh tab when the small puts alone made more)
  let lister = small
  if ((await small.evaluate(async () => (await window.datamesh.list()).length)) > LIST_ENTRIES) {
    lister = await storageTab(h, HOLDERS)
    await lister.evaluate(async (password) => { await window.datamesh.setup({ password, allowWeak: true }) }, PASSWORD)
  }
  const topUp = await lister.evaluate(async ({ n, concurrency }) => {
    const data = new Uint8Array([42])
    let have = (await window.datamesh.list()).length
    const before = have
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (have < n) {
        have++
        await window.datamesh.put(data, { name: `tiny-${next++}` })
      }
    }))
    return before
  }, { n: LIST_ENTRIES, concurrency: SMALLPUT_CONCURRENCY })
  log(`  list: ${topUp} files${lister === small ? ' from the small puts' : ''}, topped up to ${LIST_ENTRIES} with 1-byte puts`)
  // every put starts an index backup in the background: let them finish so they do not run under the timed lists
  // (backupIndex waits for the one in flight, which may chain one more; the second call waits for that)
  await lister.evaluate(async () => { await window.datamesh.backupIndex(); await window.datamesh.backupIndex() })
  const { cold, warm } = await timedLists(lister, LIST_ENTRIES)
  log(`  list of ${LIST_ENTRIES}: cold ${cold.map(round).join(', ')} ms; warm ${warm.map(round).join(', ')} ms`)
  figures[`mesh.list${LIST_ENTRIES}.ms`] = ms(cold)
  figures[`mesh.list${LIST_ENTRIES}.warm.ms`] = ms(warm)
}

/**
 * An index of LIST10K_ENTRIES files stored by real puts from a Node client
 * in this process, backed up to the mesh, restored by a tab that imported
 * the client's keys, and listed there.
 */
async function list10k (h: Harness): Promise<void> {
  const n = LIST10K_ENTRIES
  const keystore = new Keystore(new MemoryKeyVault())
  await keystore.createKey('bench', { password: PASSWORD, allowWeak: true, makeDefault: true })
  await keystore.unlock(PASSWORD)
  const key = await keystore.key()
  const exported = await keystore.exportKeys(PASSWORD)
  const node = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
  try {
    for (const address of [h.mesh.relayMultiaddrs()[0], ...h.mesh.storage.map(s => s.multiaddrs()[0])]) await dial(node, address as string)
    const mesh = createMesh({ libp2p: node, keys: { signer: key.signer, x25519Public: key.publicKey.x25519, open: async (e) => await key.open(e) } })
    const data = crypto.getRandomValues(new Uint8Array(64))
    let next = 0
    const t0 = performance.now()
    await Promise.all(Array.from({ length: LIST10K_CONCURRENCY }, async () => {
      for (let i = next++; i < n; i = next++) {
        await mesh.put(data, { name: `file-${String(i).padStart(5, '0')}.bin` })
        if ((i + 1) % 1000 === 0) log(`  list10k: ${i + 1} of ${n} files stored (${round((i + 1) / ((performance.now() - t0) / 1000))} puts/s)`)
      }
    }))
    const fillSeconds = (performance.now() - t0) / 1000
    figures['mesh.list10k.fill.perSec'] = { value: round(n / fillSeconds), unit: 'puts/s' }
    const backup = await mesh.backupIndex()
    log(`  list10k: ${n} files in ${round(fillSeconds)} s; index backup of ${backup.entries} entries on ${backup.holders.length} peers`)
  } finally {
    await node.stop()
  }
  const tab = await storageTab(h, HOLDERS)
  const restored = await tab.evaluate(async ({ password, exported }) => {
    const data = Uint8Array.from(atob(exported), c => c.charCodeAt(0))
    await window.datamesh.setup({ password, allowWeak: true, importKeys: { data, password } })
    return (await window.datamesh.restoreIndex()).total
  }, { password: PASSWORD, exported: Buffer.from(exported).toString('base64') })
  if (restored !== n) throw new Error(`the tab restored ${restored} of ${n} entries`)
  const { cold, warm } = await timedLists(tab, n)
  log(`  list of ${n}: cold ${cold.map(round).join(', ')} ms; warm ${warm.map(round).join(', ')} ms`)
  figures['mesh.list10k.ms'] = ms(cold)
  figures['mesh.list10k.warm.ms'] = ms(warm)
}

async function storageMesh (): Promise<void> {
  log(`storage-peer mesh: ${HOLDERS} Node storage peers over WebSockets`)
  const h = await startHarness({ storagePeers: HOLDERS })
  try {
    if (parts.has('discovery')) await discovery(h)
    if (parts.has('storage')) await storagePutGet(h)
    if (parts.has('smallput')) await smallPuts(h)
    if (parts.has('list10k')) await list10k(h)
  } finally {
    await h.close()
  }
}

// a hung page must not hang `npm run bench`: playwright closes its browsers on exit
setTimeout(() => { log('timed out'); process.exit(2) }, Number(process.env.BENCH_MESH_TIMEOUT_S ?? 900) * 1000)
log(`runs=${runs} mesh runs=${meshRuns} size=${sizeMiB} MiB; building the app`)
await setup()
if (parts.has('webrtc')) await browserMesh()
if (['discovery', 'storage', 'smallput', 'list10k'].some(p => parts.has(p))) await storageMesh()
log('done')
process.stdout.write(JSON.stringify({ figures }) + '\n')
process.exit(0)
