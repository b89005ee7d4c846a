/**
 * The holder's side of an audit: derive the challenged groups from the
 * nonce and the size kept, and answer from `store.proof` (only those groups
 * and the outboard are read; the proof is checked before it leaves).
 */
import { CorruptShardError, NotFoundError } from '../../core/errors.ts'
import type { ShardStore } from '../../store/types.ts'
import { auditIndices } from './indices.ts'
import { encodeAuditAnswer, type AuditRequest } from './messages.ts'

/** What a holder did with one audit (counted by the service). */
export type ServedAudit = 'proved' | 'not-found' | 'lost'

export interface AuditHandlerContext {
  store: Pick<ShardStore, 'stat' | 'proof' | 'lost'>
  signal: AbortSignal
}

/** NotFoundError, or CorruptShardError (reason 'lost') for a shard the store remembers losing. */
async function absent (context: AuditHandlerContext, id: string): Promise<never> {
  const lost = await context.store.lost(id, { signal: context.signal })
  if (lost !== undefined) throw new CorruptShardError('This holder kept the shard and lost it', { id, reason: 'lost', lostAt: lost.lostAt })
  throw new NotFoundError('Shard not found', { id })
}

/** The encoded answer; the store's typed errors (NotFoundError, CorruptShardError) are the holder's answer too. */
export async function handleAudit (request: AuditRequest, context: AuditHandlerContext): Promise<Uint8Array> {
  const id = request.id.toString()
  const record = await context.store.stat(id, { signal: context.signal })
  if (record === undefined) return await absent(context, id)
  const indices = auditIndices(request.nonce, request.id, record.size, request.groups)
  if (indices.length === 0) return encodeAuditAnswer({ size: record.size, groups: [], siblings: [] })
  const proof = await context.store.proof(id, indices, { signal: context.signal })
  return encodeAuditAnswer({ size: proof.size, groups: proof.groups.map(g => g.bytes), siblings: proof.siblings })
}

/** How a handled audit counts (a thrown error's name, or a proof). */
export function servedAs (err: unknown): ServedAudit | undefined {
  if (err === undefined) return 'proved'
  const name = (err as Error)?.name
  if (name === 'NotFoundError') return 'not-found'
  if (name === 'CorruptShardError') return 'lost'
  return undefined
}
