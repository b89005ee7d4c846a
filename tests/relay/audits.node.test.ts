/**
 * The relay's storage peers answer audits (/datamesh/audit/1.0.0) from
 * their disk stores, and /metrics counts what they answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import { loadConfig } from '../../relay/config.ts'
import { createLogger } from '../../relay/log.ts'
import { startMesh, type RunningMesh } from '../../relay/mesh.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { dataMeshServices } from '../../src/net/services.ts'
import { shardCid, initBlake3 } from '../../src/core/hash.ts'
import type { AuditService } from '../../src/net/audit/index.ts'

let dir: string
let mesh: RunningMesh
let client: Libp2p<Record<string, unknown>>

async function served (answer: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${mesh.port}/metrics`)).text()
  const line = new RegExp(`^datamesh_audits_served_total\\{answer="${answer}"\\} (\\d+)$`, 'm').exec(text)
  if (line === null) throw new Error(`no datamesh_audits_served_total for ${answer}`)
  return Number(line[1])
}

beforeAll(async () => {
  await initBlake3()
  dir = await mkdtemp(join(tmpdir(), 'datamesh-audits-'))
  mesh = await startMesh(loadConfig(['--port', '0', '--relay-port', '0', '--data-dir', dir, '--storage-peers', '1', '--dist', join(dir, 'no-dist')], {}), createLogger('error'))
  client = await createServerNode({ nodeType: 'storage', allowPrivateAddresses: true, services: dataMeshServices({ nodeType: 'storage' }) })
  await client.dial(multiaddr(mesh.storage[0]!.multiaddrs()[0]!))
})

afterAll(async () => {
  await client?.stop()
  await mesh?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('audits on the relay\'s storage peers', () => {
  it('a storage peer proves a shard it keeps, says lost for one it does not, and /metrics counts both', async () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 13) & 0xff)
    const id = shardCid(bytes).toString()
    const peer = mesh.storage[0]!
    await peer.store.put(id, bytes, { owner: 'o' })
    expect(await served('proved')).toBe(0)
    const audit = client.services.audit as AuditService
    const holder = peerIdFromString(peer.peerId)
    expect(await audit.audit(holder, id, bytes.byteLength)).toEqual({ outcome: 'pass' })
    expect(await audit.audit(holder, id, bytes.byteLength, { groups: 8 })).toEqual({ outcome: 'pass' })
    expect(await audit.audit(holder, shardCid(bytes.subarray(1)).toString(), bytes.byteLength - 1)).toEqual({ outcome: 'lost', reason: 'not-found' })
    expect(await served('proved')).toBe(2)
    expect(await served('not-found')).toBe(1)
    expect(await served('lost')).toBe(0)
  })
})
