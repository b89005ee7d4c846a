/**
 * The client side of /datamesh/repair/{op}/1.0.0: one function per
 * operation, each on its own protocol id, each answer read under that
 * operation's caps; a holder's or repairer's refusal is thrown as its typed
 * error.
 */
import type { PeerId } from '@libp2p/interface'
import { InvalidParametersError } from '../../core/errors.ts'
import { parseShardCid } from '../../core/hash.ts'
import type { SignedRepairCap } from '../../core/repair-cap.ts'
import type { Signer } from '../../core/signature.ts'
import type { AbortOptions } from '../../store/types.ts'
import type { ConnectionManagerSlice } from '../protocol/components.ts'
import { sendRequest } from '../protocol/exchange.ts'
import type { ShardId } from '../shard/client.ts'
import { MAX_RENEW_IDS, REPAIR_PROTOCOLS } from './constants.ts'
import { decodeRenewResponse, decodeRepairEmptyResponse, encodeRepairRequest, releasePreimage, repairLimits, type RepairRequest } from './messages.ts'

export interface RepairClientContext {
  connectionManager: ConnectionManagerSlice
  /** ms for one whole exchange */
  timeout: number
  maxShardSize: number
}

async function exchange (context: RepairClientContext, peer: PeerId, request: RepairRequest, options: AbortOptions): Promise<Uint8Array> {
  const maxResponseBytes = repairLimits(request.op, context.maxShardSize).response.maxBytes
  const sendOptions = { timeout: context.timeout, maxResponseBytes, ...(options.signal !== undefined ? { signal: options.signal } : {}) }
  return await sendRequest(context.connectionManager, peer, REPAIR_PROTOCOLS[request.op], encodeRepairRequest(request), sendOptions)
}

/** Ask the repairer `peer` to keep a signed capability. */
export async function adoptCapability (context: RepairClientContext, peer: PeerId, cap: SignedRepairCap, options: AbortOptions = {}): Promise<void> {
  decodeRepairEmptyResponse('adopt', await exchange(context, peer, { op: 'adopt', cap }, options))
}

/** Ask the repairer `peer` to drop the capability of `signer`'s repair key, seq `seq` and older. */
export async function releaseCapability (context: RepairClientContext, peer: PeerId, seq: number, signer: Signer, options: AbortOptions = {}): Promise<void> {
  const sig = await signer.sign(releasePreimage(signer.publicKey, seq, peer.toMultihash().bytes))
  decodeRepairEmptyResponse('release', await exchange(context, peer, { op: 'release', key: signer.publicKey, seq, sig }, options))
}

/** Give the holder `peer` a re-created shard of the capability's file. */
export async function repairStore (context: RepairClientContext, peer: PeerId, cap: SignedRepairCap, id: ShardId, data: Uint8Array, options: AbortOptions = {}): Promise<void> {
  if (!(data instanceof Uint8Array)) throw new TypeError('shard data must be a Uint8Array')
  if (data.byteLength > context.maxShardSize) {
    throw new InvalidParametersError(`A shard is at most ${context.maxShardSize} bytes`, { size: data.byteLength, maxShardSize: context.maxShardSize })
  }
  decodeRepairEmptyResponse('store', await exchange(context, peer, { op: 'store', cap, id: parseShardCid(id), data }, options))
}

/** Extend, on `peer`, the leases of the capability's shards it keeps for K_f; per id, whether its lease now reaches the time granted. */
export async function repairRenew (context: RepairClientContext, peer: PeerId, cap: SignedRepairCap, ids: readonly ShardId[], until: number, options: AbortOptions = {}): Promise<boolean[]> {
  if (ids.length === 0 || ids.length > MAX_RENEW_IDS) throw new InvalidParametersError(`Renew 1 to ${MAX_RENEW_IDS} shards at once`, { count: ids.length })
  const cids = ids.map(id => parseShardCid(id))
  return decodeRenewResponse(await exchange(context, peer, { op: 'renew', cap, ids: cids, until }, options), cids.length)
}
