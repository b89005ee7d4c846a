/**
 * Real audits on tiny shards: the holders of a sampled share of the files
 * keep real bytes in real memory stores (src/store/memory.ts), and an audit
 * of them is the real exchange of /datamesh/audit/1.0.0 without the
 * network: the auditor's request frame (encodeAuditRequest), the holder's
 * handler (handleAudit: indices from the nonce, the store's proof reading
 * only those groups and the outboard), the answer frame decoded strictly
 * (decodeAuditAnswer) and checked against the shard id (checkAuditAnswer,
 * verifyGroups of src/core/blake3-tree.ts); a holder's typed error maps to
 * an outcome as the client maps it (outcomeOfError). A lying holder answers
 * with made-up bytes of the right lengths. This is the `AuditTransport`
 * port over those stores; frame bytes are counted.
 */
import { CID } from 'multiformats/cid'
import { AUDIT_GROUP_BYTES, groupCount } from '../src/core/blake3-tree.ts'
import { auditIndices, checkAuditAnswer, outcomeOfError, type AuditOutcome } from '../src/net/audit/index.ts'
import { handleAudit } from '../src/net/audit/handler.ts'
import { decodeAuditAnswer, decodeAuditRequest, encodeAuditAnswer, encodeAuditRequest } from '../src/net/audit/messages.ts'
import { MemoryMedium, openMemoryStore } from '../src/store/memory.ts'
import type { ShardStore } from '../src/store/types.ts'
import type { AuditTransport } from './ports.ts'
import type { Rng } from './rng.ts'

/** Real shards are this long: two 16 KiB audit groups (one full, one short), so proofs carry a sibling CV. */
export const REAL_SHARD_BYTES = AUDIT_GROUP_BYTES + 4 * 1024

/** What the transport asks the world about a peer. */
export interface ProofPeer {
  online: boolean
  /** answers audits with made-up bytes */
  liar: boolean
}

export class ProofStores implements AuditTransport {
  readonly #stores = new Map<string, { store: ShardStore, medium: MemoryMedium }>()
  readonly #peer: (id: string) => ProofPeer | undefined
  readonly #rng: Rng
  readonly #now: () => number
  /** audits answered and checked */
  proofs = 0
  /** request and answer frame bytes */
  frameBytes = 0
  /** ms spent in the exchange (real time: the cost of the real path) */
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

  /** A liar's answer: the right shape, made-up bytes. */
  #fake (size: number, indices: readonly number[]): Uint8Array {
    const fill = (n: number): Uint8Array => new Uint8Array(n).fill(Math.floor(this.#rng() * 256))
    return encodeAuditAnswer({
      size,
      groups: indices.map(index => fill(Math.min(AUDIT_GROUP_BYTES, size - index * AUDIT_GROUP_BYTES))),
      siblings: groupCount(size) > 1 ? Array.from({ length: groupCount(size) - indices.length }, () => fill(32)) : []
    })
  }

  async audit (peer: string, id: string, nonce: Uint8Array, groups: number, size: number): Promise<AuditOutcome> {
    const p = this.#peer(peer)
    if (p === undefined || !p.online) return 'unreachable'
    const cid = CID.parse(id)
    const t0 = performance.now()
    try {
      const indices = auditIndices(nonce, cid, size, groups)
      const request = encodeAuditRequest({ id: cid, nonce, groups: indices.length })
      let frame: Uint8Array
      if (p.liar) {
        frame = this.#fake(size, indices)
      } else {
        const s = this.#stores.get(peer)
        if (s === undefined) return 'lost'
        // the holder's side, as its audit service runs it (errors are its typed answers)
        try {
          frame = await handleAudit(decodeAuditRequest(request), { store: s.store, signal: new AbortController().signal })
        } catch (err) {
          this.frameBytes += request.byteLength + 64
          return outcomeOfError(err).outcome
        }
      }
      this.proofs++
      this.frameBytes += request.byteLength + frame.byteLength
      let answer
      try {
        answer = decodeAuditAnswer(frame, indices.length)
      } catch (err) {
        return outcomeOfError(err).outcome
      }
      return checkAuditAnswer(cid, size, indices, answer) === undefined ? 'pass' : 'fail'
    } finally {
      this.proofMs += performance.now() - t0
    }
  }
}
