/**
 * The auditor's side of /datamesh/audit/1.0.0: one challenge with a fresh
 * nonce, the answer read under the challenge's caps and checked
 * (./verify.ts), and whatever happened turned into a typed outcome:
 *
 *   pass         the proof (or, for groups 0, the size) checks out
 *   fail         wrong size, a proof that does not verify, a malformed or
 *                oversized answer, or an error the protocol does not define
 *   lost         the holder says it does not have the shard (NotFoundError)
 *                or that it lost it (CorruptShardError)
 *   timeout      no whole answer within the exchange's deadline
 *   unreachable  no stream could be opened (no connection, protocol not
 *                spoken), or the holder refused it as busy
 *
 * Only the caller's own cancellation throws (AbortedError); a bad
 * argument throws InvalidParametersError.
 */
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { AbortedError, DataMeshError, InvalidParametersError } from '../../core/errors.ts'
import { parseShardCid } from '../../core/hash.ts'
import type { ConnectionManagerSlice } from '../protocol/components.ts'
import { sendRequest } from '../protocol/exchange.ts'
import { AUDIT_NONCE_BYTES, AUDIT_PROTOCOL, auditAnswerMax, DEFAULT_AUDIT_GROUPS, MAX_AUDIT_GROUPS } from './constants.ts'
import { auditIndices } from './indices.ts'
import { decodeAuditAnswer, encodeAuditRequest } from './messages.ts'
import { checkAuditAnswer } from './verify.ts'

export type AuditOutcome = 'pass' | 'fail' | 'lost' | 'timeout' | 'unreachable'

export interface AuditReport {
  outcome: AuditOutcome
  /** why, for every outcome but pass: 'wrong-size', 'bad-proof', 'malformed', 'refused', 'not-found', 'lost', 'corrupt', or an error name */
  reason?: string
}

export interface AuditOptions {
  /** groups to ask for (default DEFAULT_AUDIT_GROUPS, at most MAX_AUDIT_GROUPS) */
  groups?: number
  /** the challenge's nonce (default: 32 fresh random bytes; tests pass their own) */
  nonce?: Uint8Array
  signal?: AbortSignal
}

export interface AuditClientContext {
  connectionManager: ConnectionManagerSlice
  /** ms for the whole exchange */
  timeout: number
  /** largest shard the protocol carries: a larger expected size is the caller's mistake */
  maxShardSize: number
}

/** A fresh challenge nonce. */
export function auditNonce (): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(AUDIT_NONCE_BYTES))
}

/** Check the caller's arguments; the shard's CID and the groups asked. */
export function auditArguments (id: string | Uint8Array | CID, size: number, groups: number, maxShardSize: number): CID {
  const cid = parseShardCid(id)
  if (!Number.isSafeInteger(size) || size < 0 || size > maxShardSize) {
    throw new InvalidParametersError(`An audited shard is 0 to ${maxShardSize} bytes`, { size: String(size) })
  }
  if (!Number.isSafeInteger(groups) || groups < 0 || groups > MAX_AUDIT_GROUPS) {
    throw new InvalidParametersError(`An audit asks for 0 to ${MAX_AUDIT_GROUPS} groups`, { groups: String(groups) })
  }
  return cid
}

/** Challenge `peer` to prove it keeps shard `id` of `size` bytes (the size the auditor knows from the manifest). */
export async function auditShard (context: AuditClientContext, peer: PeerId, id: string | Uint8Array | CID, size: number, options: AuditOptions = {}): Promise<AuditReport> {
  const groups = options.groups ?? DEFAULT_AUDIT_GROUPS
  const cid = auditArguments(id, size, groups, context.maxShardSize)
  const nonce = options.nonce ?? auditNonce()
  const indices = auditIndices(nonce, cid, size, groups)
  let frame: Uint8Array
  try {
    frame = await sendRequest(context.connectionManager, peer, AUDIT_PROTOCOL, encodeAuditRequest({ id: cid, nonce, groups: indices.length }), {
      timeout: context.timeout,
      maxResponseBytes: auditAnswerMax(indices.length),
      ...(options.signal !== undefined ? { signal: options.signal } : {})
    })
  } catch (err) {
    return outcomeOfError(err, options.signal)
  }
  let answer
  try {
    answer = decodeAuditAnswer(frame, indices.length)
  } catch (err) {
    return outcomeOfError(err, options.signal)
  }
  const failure = checkAuditAnswer(cid, size, indices, answer)
  return failure === undefined ? { outcome: 'pass' } : { outcome: 'fail', reason: failure }
}

/** The outcome a failed exchange or a holder's error answer stands for (see the module header). */
export function outcomeOfError (err: unknown, signal?: AbortSignal): AuditReport {
  if (signal?.aborted === true) throw err instanceof AbortedError ? err : new AbortedError('The audit was cancelled')
  const name = (err as Error)?.name ?? 'Error'
  switch (name) {
    case 'TimeoutError': return { outcome: 'timeout', reason: 'timeout' }
    case 'NotFoundError': return { outcome: 'lost', reason: 'not-found' }
    case 'CorruptShardError': return { outcome: 'lost', reason: (err as { details?: { reason?: unknown } }).details?.reason === 'lost' ? 'lost' : 'corrupt' }
    case 'MalformedDataError':
    case 'UnsupportedVersionError': return { outcome: 'fail', reason: 'malformed' }
    case 'RateLimitedError': return { outcome: 'unreachable', reason: name }
  }
  // any other DataMesh error came from the holder's answer (the exchange itself throws only the ones above)
  if (err instanceof DataMeshError) return { outcome: 'fail', reason: 'refused' }
  return { outcome: 'unreachable', reason: name }
}
