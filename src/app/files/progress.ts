/**
 * How far a put has come, from its progress events. A put encodes stripes
 * (one 'put:encoded' event each, with the bytes encoded so far) and stores
 * every stripe's shards on peers ('put:stored' after each shard). The bar
 * gives both halves equal weight: encoding is quick, storing waits on the
 * network, and either alone would sit still for part of the way.
 */
import type { MeshProgressEvent } from '../../mesh/types.ts'

export interface PutProgress {
  /** plaintext bytes encoded so far */
  encoded: number
  /** plaintext bytes of the first stripe (all stripes but the last are this size) */
  firstStripe?: number
  shardsStored: number
  stripesCommitted: number
}

export const NO_PROGRESS: Readonly<PutProgress> = Object.freeze({ encoded: 0, shardsStored: 0, stripesCommitted: 0 })

/** The progress after one more event. */
export function advance (p: PutProgress, event: MeshProgressEvent): PutProgress {
  if (event.type === 'put:encoded') {
    return { ...p, encoded: Math.max(p.encoded, event.bytesDone), firstStripe: p.firstStripe ?? event.bytesDone }
  }
  if (event.type === 'put:stored') {
    return { ...p, shardsStored: Math.max(p.shardsStored, event.shardsStored), stripesCommitted: Math.max(p.stripesCommitted, event.stripesCommitted) }
  }
  return p
}

/** Stripes of a file of `size` bytes, once the first stripe told their size. */
export function stripeCount (size: number, firstStripe: number | undefined): number | undefined {
  if (size === 0) return 1
  if (firstStripe === undefined || firstStripe <= 0) return undefined
  return firstStripe >= size ? 1 : Math.ceil(size / firstStripe)
}

/** 0 … 1: half for the bytes encoded, half for the shards stored (k + m = `shardsPerStripe` per stripe). */
export function putFraction (p: PutProgress, size: number, shardsPerStripe: number): number {
  const encoded = size === 0 ? (p.firstStripe !== undefined ? 1 : 0) : Math.min(1, p.encoded / size)
  const stripes = stripeCount(size, p.firstStripe)
  const stored = stripes === undefined
    ? 0
    : Math.min(1, Math.max(p.stripesCommitted / stripes, p.shardsStored / (stripes * Math.max(1, shardsPerStripe))))
  return (encoded + stored) / 2
}
