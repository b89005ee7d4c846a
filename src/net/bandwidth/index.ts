/**
 * /datamesh/bandwidth/1.0.0: measure raw stream throughput to a peer (the
 * network view's bandwidth test, and the benchmarks' raw baseline).
 *
 * Upload: the client writes an 8-byte big-endian length L, then L bytes,
 * then closes its writable end; the server reads them all and answers with
 * the 8-byte count it received. Download: the client writes the 8-byte
 * header with the top bit set and L in the remaining bits, then closes; the
 * server writes L bytes and closes. L is capped (default 256 MiB), at most
 * two tests run per connection, and none on relayed connections.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { ProtocolComponents } from '../protocol/components.ts'
import { streamSource } from '../protocol/frame.ts'
import { InvalidParametersError, MalformedDataError } from '../../core/errors.ts'

export const BANDWIDTH_PROTOCOL = '/datamesh/bandwidth/1.0.0'
const DOWNLOAD = 0x8000_0000
const CHUNK = 64 * 1024

export interface BandwidthInit {
  /** largest transfer one request may ask for (default 256 MiB) */
  maxBytes?: number
  /** ms for a whole test (default 120 s) */
  timeout?: number
}

export interface BandwidthResult {
  bytes: number
  ms: number
  /** 10^6 bytes per second */
  MBps: number
}

export interface BandwidthService {
  upload: (peer: PeerId, bytes: number, options?: { signal?: AbortSignal }) => Promise<BandwidthResult>
  download: (peer: PeerId, bytes: number, options?: { signal?: AbortSignal }) => Promise<BandwidthResult>
}

function header (bytes: number, download: boolean): Uint8Array {
  const h = new Uint8Array(8)
  const v = new DataView(h.buffer)
  v.setUint32(0, Math.floor(bytes / 2 ** 32) | (download ? DOWNLOAD : 0))
  v.setUint32(4, bytes >>> 0)
  return h
}

async function send (stream: Stream, bytes: number, signal: AbortSignal): Promise<void> {
  const block = new Uint8Array(CHUNK)
  for (let sent = 0; sent < bytes; sent += CHUNK) {
    if (!stream.send(block.subarray(0, Math.min(CHUNK, bytes - sent)))) await stream.onDrain({ signal })
  }
}

/** Read the first 8 bytes as a header and count the rest. */
async function receive (stream: Stream): Promise<{ head: number[], count: number }> {
  const head: number[] = []
  let count = 0
  for await (const chunk of streamSource(stream)) {
    const bytes = chunk.subarray()
    const need = Math.max(0, 8 - head.length)
    head.push(...bytes.subarray(0, need))
    count += Math.max(0, bytes.byteLength - need)
  }
  return { head, count }
}

function parse (head: number[]): { bytes: number, download: boolean } {
  if (head.length < 8) throw new MalformedDataError('Bandwidth header too short')
  const v = new DataView(Uint8Array.from(head).buffer)
  const hi = v.getUint32(0)
  return { download: (hi & DOWNLOAD) !== 0, bytes: (hi & ~DOWNLOAD) * 2 ** 32 + v.getUint32(4) }
}

class Bandwidth implements BandwidthService {
  readonly #c: ProtocolComponents
  readonly #max: number
  readonly #timeout: number

  constructor (components: ProtocolComponents, init: BandwidthInit) {
    this.#c = components
    this.#max = init.maxBytes ?? 256 * 1024 * 1024
    this.#timeout = init.timeout ?? 120_000
  }

  async start (): Promise<void> {
    await this.#c.registrar.handle(BANDWIDTH_PROTOCOL, (stream, connection) => { void this.#serve(stream, connection) }, { maxInboundStreams: 2, maxOutboundStreams: 2, runOnLimitedConnection: false })
  }

  async stop (): Promise<void> {
    await this.#c.registrar.unhandle(BANDWIDTH_PROTOCOL)
  }

  async #serve (stream: Stream, _connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.#timeout)
    try {
      const { head, count } = await receive(stream)
      const { bytes, download } = parse(head)
      if (bytes > this.#max) throw new InvalidParametersError('Transfer too large')
      if (download) await send(stream, bytes, signal)
      else stream.send(header(count, false))
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  #check (bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > this.#max) throw new InvalidParametersError(`A bandwidth test moves 0 to ${this.#max} bytes`, { bytes })
  }

  async upload (peer: PeerId, bytes: number, options: { signal?: AbortSignal } = {}): Promise<BandwidthResult> {
    this.#check(bytes)
    const signal = options.signal ?? AbortSignal.timeout(this.#timeout)
    const t0 = performance.now()
    const stream = await this.#c.connectionManager.openStream(peer, BANDWIDTH_PROTOCOL, { signal })
    try {
      stream.send(header(bytes, false))
      await send(stream, bytes, signal)
      await stream.close({ signal })
      const { head } = await receive(stream)
      const received = parse(head).bytes
      if (received !== bytes) throw new MalformedDataError(`Peer received ${received} of ${bytes} bytes`)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
    return result(bytes, performance.now() - t0)
  }

  async download (peer: PeerId, bytes: number, options: { signal?: AbortSignal } = {}): Promise<BandwidthResult> {
    this.#check(bytes)
    const signal = options.signal ?? AbortSignal.timeout(this.#timeout)
    const t0 = performance.now()
    const stream = await this.#c.connectionManager.openStream(peer, BANDWIDTH_PROTOCOL, { signal })
    let count = 0
    try {
      stream.send(header(bytes, true))
      await stream.close({ signal })
      for await (const chunk of streamSource(stream)) count += chunk.byteLength
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
    if (count !== bytes) throw new MalformedDataError(`Received ${count} of ${bytes} bytes`)
    return result(bytes, performance.now() - t0)
  }
}

function result (bytes: number, ms: number): BandwidthResult {
  return { bytes, ms: Math.round(ms * 10) / 10, MBps: Math.round(bytes / 1e3 / Math.max(ms, 0.001) * 10) / 10 }
}

export function bandwidth (init: BandwidthInit = {}): (components: ProtocolComponents) => BandwidthService {
  return (components) => new Bandwidth(components, init)
}
