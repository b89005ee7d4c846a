/**
 * put: encrypt, erasure-code and spread a file over the mesh, store its
 * sealed manifest, and add it to the owner's index.
 *
 * 1. Candidates: connected data-capable peers (and this node with a store).
 *    Fewer than k + m distinct ones: 'refuse' throws InsufficientPeersError,
 *    'warn' goes on with a 'durability:warning'.
 * 2. Stripes are encoded (bounded window; a file of at most 64 KiB on this
 *    thread rather than by the configured codec) and each is placed on k + m
 *    distinct peers (../placement.ts) while the next one is encoded; a
 *    stripe commits at `writeQuorum` acknowledgements.
 * 3. The manifest (with placement hints) is sealed and signed, and stored as
 *    a raw shard under the file key's hash on `manifestReplicas` peers. A
 *    file of one stripe (anything shorter than a stripe) is stored in one
 *    round instead: its holders are planned first, so the manifest is sealed
 *    before the shards leave and travels with them (storeTogether).
 * 4. The index gets the entry with the file key sealed to the owner.
 * Any failure deletes what was stored (best effort) and leaves the index as
 * it was. An abort stops encoding and placing at once, but lets the stores
 * already in flight finish (at most the request timeout) so that they can be
 * deleted too.
 */
import { wipe } from '../../core/bytes.ts'
import { InsufficientPeersError, InvalidParametersError } from '../../core/errors.ts'
import { seal } from '../../core/keys/ecies.ts'
import { MANIFEST_LIMITS, sealManifest } from '../../core/manifest.ts'
import { buildManifest, encodeFile, type EncodeSession, type FileMetadata } from '../../core/pipeline.ts'
import type { EncodedStripe } from '../../core/stripe.ts'
import { sourceSize, type ByteSource } from '../../core/source.ts'
import { utf8Length } from '../../core/cbor.ts'
import { INLINE_CODING_BYTES } from '../config.ts'
import { report, type MeshContext } from '../context.ts'
import { newPlacementState, placeable, placeStripe, planStripe, replicate, type PlacementState } from '../placement.ts'
import { manifestShardId } from '../resolve.ts'
import { fileRepairSigner, storeLease } from '../lease-keeper.ts'
import { adoptOrWarn } from '../repair-keeper.ts'
import { deleteOn } from '../transfer.ts'
import type { IndexEntry, MeshEvents, PutOptions, PutResult } from '../types.ts'

/** InvalidParametersError unless `name` is a valid file name. */
export function checkName (name: unknown): asserts name is string {
  const L = MANIFEST_LIMITS
  if (typeof name !== 'string' || name.length === 0 || utf8Length(name) > L.nameBytes) {
    throw new InvalidParametersError(`A file needs a name of 1 to ${L.nameBytes} bytes`)
  }
}

/** InvalidParametersError unless `tags` is a valid tag list. */
export function checkTags (tags: unknown): asserts tags is string[] {
  const L = MANIFEST_LIMITS
  if (!Array.isArray(tags) || tags.length > L.tags || !tags.every(t => typeof t === 'string' && t.length > 0 && t.length <= L.tagBytes)) {
    throw new InvalidParametersError(`tags: at most ${L.tags} non-empty strings of at most ${L.tagBytes} characters`)
  }
}

function checkMetadata (options: PutOptions): void {
  checkName(options?.name)
  if (options.type !== undefined && (typeof options.type !== 'string' || utf8Length(options.type) > MANIFEST_LIMITS.typeBytes)) throw new InvalidParametersError('type must be a short string')
  checkTags(options.tags ?? [])
}

type SealedManifest = Awaited<ReturnType<typeof sealManifest>>
type Meta = Required<Pick<FileMetadata, 'name' | 'tags' | 'created'>> & Pick<FileMetadata, 'type'>
interface Stored { sealed: SealedManifest, manifestHolders: string[] }

/** Settle every promise, then throw the first failure (so a failed put can clean up everything it stored). */
async function allSettled<T extends readonly unknown[]> (work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work)
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failure !== undefined) throw failure.reason
  return settled.map(r => (r as PromiseFulfilledResult<unknown>).value) as unknown as T
}

/**
 * Every stripe placed while the next ones are encoded (at most
 * `storeWindow` being stored), then the manifest with the holders.
 */
async function storeInTurn (ctx: MeshContext, state: PlacementState, session: EncodeSession, ahead: EncodedStripe[], meta: Meta, placed: (index: number, holders: string[]) => void, signal?: AbortSignal): Promise<Stored> {
  const hints: string[][] = []
  const inFlight: Array<Promise<void>> = []
  async function * all (): AsyncGenerator<EncodedStripe> {
    yield * ahead
    for await (const stripe of session.stripes) yield stripe
  }
  try {
    for await (const stripe of all()) {
      const placing = placeStripe(ctx, state, stripe, signal).then(holders => {
        hints[stripe.index] = holders
        placed(stripe.index, holders)
      })
      placing.catch(() => {}) // awaited below
      inFlight.push(placing)
      if (inFlight.length >= ctx.config.storeWindow) await inFlight.shift()
    }
    while (inFlight.length > 0) await inFlight.shift()
  } finally {
    await Promise.allSettled(inFlight) // every store settled before cleaning up
  }
  const sealed = await sealManifest(buildManifest(meta, session.coding, session.summary(), hints), session.fileKey, ctx.keys.signer)
  return { sealed, manifestHolders: await replicate(ctx, state, manifestShardId(sealed.key), sealed.bytes, ctx.config.manifestReplicas, signal) }
}

/**
 * A one-stripe file in one round: the shards' holders are planned, the
 * manifest naming them is sealed, and each holder gets its shard and (the
 * first `manifestReplicas` of them) a manifest copy in the same request.
 * When a shard had to go elsewhere the manifest's hints are wrong: a new
 * manifest is sealed and stored, and the first one's copies are deleted.
 */
async function storeTogether (ctx: MeshContext, state: PlacementState, session: EncodeSession, stripe: EncodedStripe, meta: Meta, placed: (index: number, holders: string[]) => void, signal?: AbortSignal): Promise<Stored> {
  const plan = planStripe(ctx, state, stripe)
  const seal = async (holders: string[]): Promise<SealedManifest> => await sealManifest(buildManifest(meta, session.coding, session.summary(), [holders]), session.fileKey, ctx.keys.signer)
  const planned = await seal(plan)
  const copies = ctx.config.manifestReplicas
  const [holders, plannedHolders] = await allSettled<[string[], string[]]>([
    placeStripe(ctx, state, stripe, signal, plan),
    replicate(ctx, state, manifestShardId(planned.key), planned.bytes, copies, signal, [...new Set(plan.filter(p => p !== ''))])
  ])
  placed(stripe.index, holders)
  if (holders.every((h, i) => h === plan[i])) return { sealed: planned, manifestHolders: plannedHolders }
  const sealed = await seal(holders)
  const manifestHolders = await replicate(ctx, state, manifestShardId(sealed.key), sealed.bytes, copies, signal)
  await Promise.allSettled(plannedHolders.map(async peer => { await deleteOn(ctx, peer, manifestShardId(planned.key)) }))
  return { sealed, manifestHolders }
}

/** Best-effort removal of everything a failed put stored. */
async function cleanUp (ctx: MeshContext, state: PlacementState): Promise<void> {
  const unique = new Map(state.attempted.map(a => [`${a.peer}/${a.id.toString()}`, a]))
  await Promise.allSettled([...unique.values()].map(async ({ peer, id }) => { await deleteOn(ctx, peer, id) }))
}

export async function put (ctx: MeshContext, data: ByteSource, options: PutOptions): Promise<PutResult> {
  checkMetadata(options)
  const { signal } = options
  await ctx.index.load()
  ctx.index.checkFree(options.name)
  const { k, m } = ctx.config
  const warnings: string[] = []
  const warn = (message: string, detail: Omit<MeshEvents['durability:warning'], 'message'>): void => {
    warnings.push(message)
    ctx.events.dispatch('durability:warning', { message, ...detail })
  }

  const candidates = await ctx.peers.candidates(signal !== undefined ? { signal } : {})
  // neither denied nor below the reputation floor (those take shards only when no one else can: ../placement.ts)
  const have = placeable(candidates, ctx.reputation).length
  if (candidates.every(c => ctx.reputation.isDenied(c.peerId))) {
    throw new InsufficientPeersError('No connected peer can keep data: connect to a storage peer first', { reason: 'no-peers', have: 0, want: k + m })
  }
  if (have < k + m) {
    if (ctx.config.minPeers === 'refuse') {
      throw new InsufficientPeersError(`Only ${have} peers can keep data; ${k + m} are needed to put each shard of a stripe on its own peer`, { reason: 'too-few-peers', have, want: k + m })
    }
    warn(`Only ${have} peers can keep data (${k + m} wanted): some peers hold several shards of a stripe, so losing one of them costs more`, { reason: 'too-few-peers', have, want: k + m })
  }

  const state = newPlacementState(candidates)
  state.warn = warn
  let stripesCommitted = 0
  state.onStored = () => { report(ctx, options, 'put:progress', { type: 'put:stored', shardsStored: state.stored.length, stripesCommitted }) }
  // a small file is coded on this thread: posting it to a worker and back costs more than coding it
  const size = sourceSize(data)
  const inline = size !== undefined && size <= INLINE_CODING_BYTES
  const session = encodeFile(data, {
    coding: { k, m, stripeSize: ctx.config.stripeSize, segmentSize: ctx.config.segmentSize },
    ...(ctx.config.codec !== undefined && !inline ? { codec: ctx.config.codec } : {}),
    ...(signal !== undefined ? { signal } : {}),
    onProgress: p => { report(ctx, options, 'put:progress', { type: 'put:encoded', bytesDone: p.bytesDone, ...(p.bytesTotal !== undefined ? { bytesTotal: p.bytesTotal } : {}) }) }
  })
  // every copy of the file, stripes and manifest alike, carries its repair key as renewer (../lease-keeper.ts)
  state.lease = storeLease(ctx, fileRepairSigner(ctx, session.fileKey).publicKey)
  const meta = { name: options.name, ...(options.type !== undefined ? { type: options.type } : {}), tags: options.tags ?? [], created: Date.now() }
  const placed = (index: number, holders: string[]): void => {
    stripesCommitted++
    const n = holders.filter(h => h !== '').length
    if (n < k + m) warn(`Stripe ${index} has ${n} of ${k + m} shards stored`, { reason: 'under-replicated', stripe: index, have: n, want: k + m })
  }
  try {
    const stripes = session.stripes
    const first = await stripes.next()
    // a short first stripe is the only one: its manifest can leave with its shards
    const only = first.done !== true && first.value.plainLength < ctx.config.stripeSize ? first.value : undefined
    const ahead = first.done === true ? [] : [first.value]
    if (only !== undefined) {
      const rest = await stripes.next()
      if (rest.done !== true) ahead.push(rest.value)
    }
    const { sealed, manifestHolders } = only !== undefined && ahead.length === 1
      ? await storeTogether(ctx, state, session, only, meta, placed, signal)
      : await storeInTurn(ctx, state, session, ahead, meta, placed, signal)
    const key = sealed.key.toString()
    if (manifestHolders.length < Math.min(ctx.config.manifestReplicas, k + m)) {
      warn(`The manifest has ${manifestHolders.length} copies`, { reason: 'under-replicated', key, have: manifestHolders.length, want: ctx.config.manifestReplicas })
    }
    const entry: IndexEntry = {
      key,
      name: options.name,
      type: meta.type ?? '',
      size: session.summary().size,
      tags: meta.tags,
      created: meta.created,
      wrappedKey: await seal(ctx.keys.x25519Public, session.fileKey),
      manifestHolders
    }
    await ctx.index.add(entry)
    ctx.events.dispatch('index:changed', { op: 'add', key, entries: ctx.index.size })
    // repairers take the file on in the background: a failure is a durability warning, never a failed put
    if (ctx.config.repairers !== 0) void adoptOrWarn(ctx, key)
    return { key, warnings }
  } catch (err) {
    await cleanUp(ctx, state)
    throw err
  } finally {
    wipe(session.fileKey)
  }
}
