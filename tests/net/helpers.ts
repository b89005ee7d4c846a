/**
 * Real libp2p nodes on 127.0.0.1 for the protocol tests (Node only):
 * WebSockets + noise + yamux, the shard and info services over a memory store.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { webSockets } from '@libp2p/websockets'
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { createLibp2p, type Libp2p } from 'libp2p'
import { installNodePolyfills } from '../../src/net/polyfills.ts'
import { infoProtocol, type InfoInit, type InfoService } from '../../src/net/info/index.ts'
import { PeerLimiter, type LimitsInit } from '../../src/net/limits.ts'
import { shardProtocol, type ShardProtocolInit, type ShardService } from '../../src/net/shard/index.ts'
import { MemoryMedium, openMemoryStore } from '../../src/store/memory.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { shardCid } from '../../src/core/hash.ts'
import { streamSource } from '../../src/net/protocol/frame.ts'
import { pseudoRandomBytes } from '../core/helpers.ts'
import { ed25519 } from '@noble/curves/ed25519.js'
import { signerFromSecretKey, type Signer } from '../../src/core/signature.ts'

export type TestNode = Libp2p<{ shards: ShardService, info: InfoService }>

export interface Peer {
  node: TestNode
  store: ShardStore
  medium: MemoryMedium
  limiter: PeerLimiter
}

export interface PeerOptions {
  shard?: Omit<ShardProtocolInit, 'store' | 'limiter'>
  info?: Partial<InfoInit>
  limits?: Partial<LimitsInit>
  quota?: number
  /** client only: no store, no handlers */
  clientOnly?: boolean
}

export async function startPeer (options: PeerOptions = {}): Promise<Peer> {
  await installNodePolyfills()
  const medium = new MemoryMedium()
  const store = await openMemoryStore({ medium, quota: options.quota ?? Number.POSITIVE_INFINITY })
  const limiter = new PeerLimiter(options.limits)
  const serving = options.clientOnly !== true
  const node = await createLibp2p({
    addresses: { listen: serving ? ['/ip4/127.0.0.1/tcp/0/ws'] : [] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false },
    services: {
      shards: shardProtocol({ ...options.shard, ...(serving ? { store } : {}), limiter }),
      info: infoProtocol({
        nodeType: 'storage',
        store,
        limiter,
        ...(options.shard?.perOwnerQuota !== undefined ? { perOwnerQuota: options.shard.perOwnerQuota } : {}),
        ...options.info,
        ...(serving ? {} : { serve: false })
      })
    }
  })
  return { node, store, medium, limiter }
}

/** Dial `to` from `from` and wait until both sides see the connection. */
export async function connect (from: Peer, to: Peer): Promise<void> {
  await from.node.dial(to.node.getMultiaddrs())
  const until = Date.now() + 5000
  while (to.node.getConnections(from.node.peerId).length === 0) {
    if (Date.now() > until) throw new Error('the listener never saw the connection')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

export async function stopAll (...peers: Array<Peer | undefined>): Promise<void> {
  await Promise.all(peers.map(async p => {
    if (p === undefined) return
    await p.node.stop()
    await p.store.close()
  }))
}

/** A shard (bytes and id) of `size` bytes derived from `seed`. */
export function makeShard (size: number, seed: number): { id: string, bytes: Uint8Array } {
  const bytes = pseudoRandomBytes(size, seed)
  return { id: shardCid(bytes).toString(), bytes }
}

export type RawOutcome =
  | { kind: 'answer', frame: Uint8Array }
  | { kind: 'closed', bytes: number }
  | { kind: 'error', error: Error }

/**
 * Open a raw stream on `protocol`, send `chunks` as they are, close the
 * writable end (unless `keepOpen`) and collect what comes back until the
 * server closes, or `timeoutMs` passes (which throws: the server hung).
 */
export async function rawExchange (from: Peer, to: Peer, protocol: string, chunks: Uint8Array[], timeoutMs = 5000, keepOpen = false): Promise<RawOutcome> {
  const stream: Stream = await from.node.dialProtocol(to.node.peerId, protocol)
  const received: Uint8Array[] = []
  const collect = (async () => {
    for await (const chunk of streamSource(stream)) received.push(chunk.subarray())
  })()
  try {
    for (const chunk of chunks) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    if (!keepOpen) await stream.close()
  } catch {
    // the server may reset the stream while we write: that is an allowed outcome
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no answer and no close within ${timeoutMs} ms`)) }, timeoutMs)
  })
  try {
    await Promise.race([collect, timeout])
  } catch (err) {
    if ((err as Error).message.startsWith('no answer')) {
      stream.abort(err as Error)
      throw err
    }
    return { kind: 'error', error: err as Error }
  } finally {
    clearTimeout(timer)
  }
  const total = received.reduce((n, c) => n + c.byteLength, 0)
  if (total === 0) return { kind: 'closed', bytes: 0 }
  const frames = [...lp.decode(received)].map(f => f.subarray())
  if (frames.length !== 1) return { kind: 'closed', bytes: total }
  return { kind: 'answer', frame: frames[0] as Uint8Array }
}

/** Length-prefix `body` the way the protocols frame it. */
export function frame (body: Uint8Array): Uint8Array {
  return lp.encode.single(body, { maxDataLength: body.byteLength }).subarray()
}

/** A fresh owner key. */
export function newSigner (): Signer {
  return signerFromSecretKey(ed25519.utils.randomSecretKey())
}

/** The error `p` rejects with (fails the test if it resolves). */
export async function rejection (p: Promise<unknown>): Promise<Error & { details?: Record<string, unknown> }> {
  try {
    await p
  } catch (err) {
    return err as Error & { details?: Record<string, unknown> }
  }
  throw new Error('expected a rejection')
}
