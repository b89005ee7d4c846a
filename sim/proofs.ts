/**
 * Real proofs of storage on tiny shards: the holders of a sampled share of
 * the files keep real bytes in real memory stores (src/store/memory.ts), and
 * an audit of them runs the store's `proof` (reading only the groups asked
 * for and the outboard) and the auditor's `verifyGroups` against the shard
 * id (src/core/blake3-tree.ts). A lying holder answers with made-up bytes of
 * the right lengths; a holder that lost its bytes answers with the store's
 * typed error. This is the `AuditTransport` port over those stores.
 */
import { CID } from 'multiformats/cid'
import { AUDIT_GROUP_BYTES, groupCount, verifyGroups } from '../src/core/blake3-tree.ts'
import { MemoryMedium, openMemoryStore } from '../src/store/memory.ts'
import type { ShardStore } from '../src/store/types.ts'
import type { AuditOutcome, AuditTransport } from './ports.ts'
import type { Rng } from './rng.ts'

/** Real shards are this long: two 16 KiB audit groups (one full, one short), so proofs carry a sibling CV. */
export const REAL_SHARD_BYTES = AUDIT_GROUP_BYTES + 4 * 1024

/** What the transport asks the world about a peer. */
export interface ProofPeer {
  online: boolean
  /** answers audits with made-up bytes */
  liar: boolean
}

/** The group indices of a challenge: `count` distinct ones drawn from the nonce (the real derivation is the audit module's auditIndices). */
export function challengeIndices (nonce: Uint8Array, size: number, count: number): number[] {
  const g = groupCount(size)
  const want = Math.min(count, g)
  const out = new Set<number>()
  for (let i = 0; out.size < want; i++) out.add(((nonce[i % nonce.length] as number) + i) % g)
  return [...out].sort((a, b) => a - b)
}

export class ProofStores implements AuditTransport {
  readonly #stores = new Map<string, { store: ShardStore, medium: MemoryMedium }>()
  readonly #peer: (id: string) => ProofPeer | undefined
  readonly #rng: Rng
  readonly #now: () => number
  /** proofs built and checked */
  proofs = 0
  /** ms spent in proof and verifyGroups (real time: the cost of the real path) */
  proofMs = 0

  constructor (peer: (id: string) => ProofPeer | undefined, rng: Rng, now: () => number) {
    this.#peer = peer
    this.#rng = rng
    this.#now = now
  }

  async #of (peer: string): Promise<{ store: ShardStore, medium: MemoryMedium }> {
    let s = this.#stores.get(peer)
    if (s === undefined) {
      const medium = new MemoryMedium()
      s = { store: await openMemoryStore({ medium, now: this.#now }), medium }
      this.#stores.set(peer, s)
    }
    return s
  }

  /** The holder keeps the shard (a store's put checks that the bytes hash to the id). */
  async put (peer: string, id: string, bytes: Uint8Array): Promise<void> {
    await (await this.#of(peer)).store.put(id, bytes)
  }

  /** The holder's medium silently loses the bytes (the store finds out when asked). */
  lose (peer: string, id: string): void {
    const s = this.#stores.get(peer)
    try { s?.medium.lose(id) } catch { /* not there: nothing to lose */ }
  }

  /** The holder is gone for good: its store with it. */
  async drop (peer: string): Promise<void> {
    const s = this.#stores.get(peer)
    this.#stores.delete(peer)
    await s?.store.close()
  }

  async audit (peer: string, id: string, nonce: Uint8Array, groups: number, size: number): Promise<AuditOutcome> {
    const p = this.#peer(peer)
    if (p === undefined || !p.online) return 'unreachable'
    const indices = challengeIndices(nonce, size, groups)
    const digest = CID.parse(id).multihash.digest
    const t0 = performance.now()
    try {
      let answer: { groups: Array<{ index: number, bytes: Uint8Array }>, siblings: Uint8Array[], size: number }
      if (p.liar) {
        // no bytes kept: the best a liar can do is answer with the right shape
        const fake = (n: number): Uint8Array => new Uint8Array(n).fill(Math.floor(this.#rng() * 256))
        answer = {
          size,
          groups: indices.map(index => ({ index, bytes: fake(Math.min(AUDIT_GROUP_BYTES, size - index * AUDIT_GROUP_BYTES)) })),
          siblings: groupCount(size) > 1 ? Array.from({ length: groupCount(size) - indices.length }, () => fake(32)) : []
        }
      } else {
        const s = this.#stores.get(peer)
        if (s === undefined) return 'lost'
        answer = await s.store.proof(id, indices)
      }
      this.proofs++
      if (answer.size !== size) return 'fail'
      return verifyGroups(digest, size, answer.groups, answer.siblings) ? 'pass' : 'fail'
    } catch (err) {
      const name = (err as Error).name
      if (name === 'NotFoundError' || name === 'CorruptShardError') return 'lost'
      throw err
    } finally {
      this.proofMs += performance.now() - t0
    }
  }
}
