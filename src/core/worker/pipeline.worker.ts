/**
 * A pipeline worker: codes stripes with an InlineCodec off the page's
 * thread. Started by WorkerPoolCodec (pool.ts).
 */
import { CID } from 'multiformats/cid'
import { InlineCodec } from '../codec.ts'
import { serializeError } from '../errors.ts'
import type { WorkerRequest, WorkerResponse } from './messages.ts'

const codec = new InlineCodec()
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null
  postMessage: (message: WorkerResponse, transfer: Transferable[]) => void
}

async function handle (req: WorkerRequest): Promise<void> {
  try {
    if (req.op === 'encode') {
      const s = await codec.encode(req.job)
      const buffer = (s.data[0] as Uint8Array).buffer as ArrayBuffer
      scope.postMessage({
        id: req.id,
        ok: true,
        op: 'encode',
        result: { index: s.index, plainLength: s.plainLength, shardSize: s.shardSize, buffer, cids: s.shards.map(c => c.bytes) }
      }, [buffer])
    } else {
      const { record, ...rest } = req.job
      const result = await codec.decode({ ...rest, record: { shards: record.shards.map(b => CID.decode(b)) } })
      scope.postMessage({ id: req.id, ok: true, op: 'decode', result }, result.ok ? [result.plain.buffer as ArrayBuffer] : [])
    }
  } catch (err) {
    scope.postMessage({ id: req.id, ok: false, error: serializeError(err) }, [])
  }
}

scope.onmessage = (e) => { void handle(e.data) }
